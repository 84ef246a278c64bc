"""Signals sent after commit, for the outer layers (flows) to react without being imported here."""

from django.dispatch import Signal

# Sent with ``courrier_ids`` once the transaction that requested them has committed.
courriers_requested = Signal()
