"""API key expiry: the administrators of a SIRET are told 30 and 7 days before its key expires."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.utils import timezone
from prefect import flow, get_run_logger, task

import workflows  # noqa: F401 — sets Django up when Prefect loads this file as a script
from cases.services.reminders import api_key_reminders_send
from workflows.alerts import HOOKS
from workflows.bootstrap import fresh_connection, resolve_today


@task(name="rappels-cles", retries=2, retry_delay_seconds=[30, 120])
def send(today: date) -> dict:
    fresh_connection()
    return asdict(api_key_reminders_send(today=today, now=timezone.now()))


@flow(name="expiration-cles", log_prints=True, **HOOKS)
def key_expiry_reminders(today: date | None = None) -> dict:
    today = resolve_today(today)
    result = send(today)
    get_run_logger().info("Rappels d'expiration du %s : %s", today.strftime("%d/%m/%Y"), result)
    return result
