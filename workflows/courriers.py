"""Courrier pipeline: drains the outbox in batches — renders each requested courrier, stores it
on its dossier/facture/règlement and notifies the users of the OF concerned.

Runs every 30 seconds, so a courrier is issued within a minute of the transition that asked
for it. Exactly once per request even when a run is retried or two runs overlap (row locks and
unique constraints in ``cases.services.courriers``).
"""

from __future__ import annotations

from dataclasses import asdict

from django.utils import timezone
from prefect import flow, get_run_logger, task

import workflows  # noqa: F401 — sets Django up when Prefect loads this file as a script
from cases.services.courriers import IssueReport, courriers_issue_batch, courriers_pending
from workflows.bootstrap import fresh_connection

# --- Extract ---------------------------------------------------------------------------------


@task(name="courriers-en-attente")
def pending_courriers(limit: int) -> list[int]:
    fresh_connection()
    return courriers_pending(limit=limit)


# --- Render, store, notify (I/O: retried) ----------------------------------------------------


@task(name="emettre-lot", retries=2, retry_delay_seconds=[2, 10])
def issue_batch(courrier_ids: list[int]) -> dict:
    fresh_connection()
    return asdict(courriers_issue_batch(courrier_ids=courrier_ids, now=timezone.now()))


@flow(name="courriers", flow_run_name="courriers-{batch_size}", log_prints=True)
def issue_courriers(batch_size: int = 50, max_batches: int = 200) -> dict:
    total = IssueReport()
    for _ in range(max_batches):
        ids = pending_courriers(batch_size)
        if not ids:
            break
        report = IssueReport(**issue_batch(ids))
        total.add(report)
        if report.emis == 0:
            break  # every courrier of the batch failed or was taken: leave them for the next run
    get_run_logger().info(
        "Courriers émis : %s, déjà traités : %s, en échec : %s, notifications : %s",
        total.emis,
        total.deja_traites,
        total.echecs,
        total.notifications,
    )
    return asdict(total)
