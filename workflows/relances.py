"""Daily relances: dossiers and factures waiting for pièces with nothing new for N days get a
relance courrier (then issued by the courrier pipeline); the gestionnaires' queues list the
dossiers relanced too often and the legal 20-day decision clocks at risk."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.utils import timezone
from prefect import flow, get_run_logger, task

import workflows  # noqa: F401 — sets Django up when Prefect loads this file as a script
from accounts.actors import Actor
from cases.queues import clocks_at_risk, relances_escalated
from cases.services.relances import relances_enqueue
from workflows.alerts import HOOKS
from workflows.bootstrap import fresh_connection, resolve_today

ACTOR = Actor.system("Traitement des relances")


@task(name="decider-relances", retries=1, retry_delay_seconds=5)
def enqueue(today: date) -> dict:
    fresh_connection()
    return asdict(relances_enqueue(today=today, now=timezone.now()))


@task(name="files-gestionnaires")
def queues(today: date) -> dict:
    fresh_connection()
    at_risk = clocks_at_risk(actor=ACTOR, today=today)
    return {
        "relances_sans_reponse": relances_escalated(actor=ACTOR).count(),
        "delais_a_risque": sum(1 for c in at_risk if c.clock.at_risk),
        "delais_depasses": sum(1 for c in at_risk if c.clock.lapsed),
    }


@flow(name="relances", log_prints=True, **HOOKS)
def relances(today: date | None = None) -> dict:
    today = resolve_today(today)
    result = enqueue(today) | queues(today)
    get_run_logger().info("Relances du %s : %s", today.strftime("%d/%m/%Y"), result)
    return result
