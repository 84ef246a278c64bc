"""What every layer shares and no layer owns: domain errors, paging, rate counters.

Sits just above :mod:`rules` (it may use Django, never the apps): ``accounts``, ``cases`` and the
interfaces all import from here, never upwards from one another.
"""
