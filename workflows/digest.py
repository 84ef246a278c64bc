"""Daily digest (07:00 Europe/Paris): one French e-mail per active, opted-in user listing the
courriers deposited on their dossiers since their last digest — never twice for a day."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone
from prefect import flow, get_run_logger, task

from cases.services.digest import digest_send_all
from workflows.bootstrap import PARIS, fresh_connection, resolve_today

SEND_TIME = time(7, 0)


@task(name="envoyer-recapitulatifs", retries=2, retry_delay_seconds=[30, 120])
def send(today: date) -> dict:
    fresh_connection()
    cutoff = datetime.combine(today, SEND_TIME, tzinfo=ZoneInfo(PARIS))
    return asdict(digest_send_all(today=today, cutoff=cutoff, now=timezone.now()))


@flow(name="recapitulatif-quotidien", log_prints=True)
def daily_digest(today: date | None = None) -> dict:
    today = resolve_today(today)
    result = send(today)
    get_run_logger().info("Récapitulatif du %s : %s", today.strftime("%d/%m/%Y"), result)
    return result
