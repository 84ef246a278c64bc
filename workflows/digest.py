"""Daily digest (07:00 Europe/Paris): one French e-mail per active, opted-in user listing the
courriers deposited on their dossiers since their last digest — never twice for a day.

The users are split into shards sent by parallel processes (``shards``, default
``PORTAIL["DIGEST_PROCESSES"]``): rendering MIME messages is CPU-bound.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from prefect import flow, get_run_logger, task
from prefect.task_runners import ProcessPoolTaskRunner

import workflows  # noqa: F401 — sets Django up when Prefect loads this file as a script
from cases.services.digest import DigestReport, digest_send_all
from workflows.alerts import HOOKS
from workflows.bootstrap import PARIS, fresh_connection, resolve_today, setup_django

SEND_TIME = time(7, 0)


def _cutoff(today: date) -> datetime:
    return datetime.combine(today, SEND_TIME, tzinfo=ZoneInfo(PARIS))


@task(name="envoyer-recapitulatifs")
def send_shard(today: date, index: int, count: int) -> dict:
    setup_django()  # in a worker process of the pool
    fresh_connection()
    report = digest_send_all(today=today, cutoff=_cutoff(today), now=timezone.now(), shard=(index, count))
    return asdict(report)


@flow(name="recapitulatif-quotidien", log_prints=True, task_runner=ProcessPoolTaskRunner(), **HOOKS)
def daily_digest(today: date | None = None, shards: int | None = None) -> dict:
    today = resolve_today(today)
    shards = shards or settings.PORTAIL["DIGEST_PROCESSES"]
    delays = settings.PORTAIL_FLOWS["MAIL_RETRY_DELAYS"]
    send = send_shard.with_options(retries=len(delays), retry_delay_seconds=delays)  # SMTP: I/O, retried
    total = DigestReport()
    if shards == 1:
        total.add(DigestReport(**send(today, 0, 1)))
    else:
        for future in [send.submit(today, i, shards) for i in range(shards)]:
            total.add(DigestReport(**future.result()))
    get_run_logger().info("Récapitulatif du %s : %s", today.strftime("%d/%m/%Y"), asdict(total))
    return asdict(total)
