"""API key expiry: the administrators of a SIRET are told 30 and 7 days before its key expires."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.conf import settings
from django.utils import timezone
from prefect import flow, get_run_logger, task

import workflows  # noqa: F401 — sets Django up when Prefect loads this file as a script
from cases.services.reminders import api_key_reminders_send
from workflows.alerts import HOOKS
from workflows.bootstrap import fresh_connection, resolve_today


@task(name="rappels-cles")
def send(today: date) -> dict:
    fresh_connection()
    return asdict(api_key_reminders_send(today=today, now=timezone.now()))


@flow(name="expiration-cles", log_prints=True, **HOOKS)
def key_expiry_reminders(today: date | None = None) -> dict:
    today = resolve_today(today)
    delays = settings.PORTAIL_FLOWS["MAIL_RETRY_DELAYS"]
    result = send.with_options(retries=len(delays), retry_delay_seconds=delays)(today)  # SMTP: I/O, retried
    get_run_logger().info("Rappels d'expiration du %s : %s", today.strftime("%d/%m/%Y"), result)
    return result
