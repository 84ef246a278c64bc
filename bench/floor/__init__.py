"""The floor: the best hand-written SQL for the API's hot answers, served without Django (see app.py)."""
