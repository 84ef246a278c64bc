"""Prefect flows: courriers, relances, daily digest, key-expiry reminders.

Flows are interfaces: they call services and selectors only, take ``today`` as a parameter
(default: the scheduled date, Europe/Paris), work in batches, and retry only I/O tasks.
Importing this package sets Django up, so a Prefect worker on another machine can run the
flows with only ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL`` set.
"""

from workflows.bootstrap import setup_django

setup_django()
