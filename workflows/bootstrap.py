import os
from datetime import date

PARIS = "Europe/Paris"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.apps import apps

    if not apps.ready and not apps.loading:
        import django

        django.setup()


def resolve_today(today: date | None) -> date:
    """``today`` if given, else the date (Europe/Paris) this run was scheduled for."""
    if today is not None:
        return today
    from zoneinfo import ZoneInfo

    from django.utils import timezone
    from prefect.runtime import flow_run

    scheduled = flow_run.scheduled_start_time
    if scheduled is None:
        return timezone.localdate()
    return scheduled.astimezone(ZoneInfo(PARIS)).date()


def fresh_connection() -> None:
    """Tasks may run in worker threads: never reuse a stale database connection."""
    from django.db import close_old_connections

    close_old_connections()
