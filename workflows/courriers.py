"""Courrier pipeline: drains the outbox in batches — renders each requested courrier, stores it on its
dossier/facture/règlement and notifies the users of the OF concerned.

Runs every ``PORTAIL_FLOWS["COURRIERS_INTERVAL_SECONDS"]`` (30 s), so a courrier is issued within a
minute of the transition that asked for it; several workers may drain the same outbox at once (each
courrier is taken under a row lock, ``SKIP LOCKED``). A courrier that cannot be issued makes its
batch task fail with the cause in the run's logs; the task is retried with backoff
(``COURRIER_RETRY_DELAYS``) and, after its last attempt, the courrier is « en échec » and the run is
Failed (operators are alerted by e-mail). When the pipeline itself is down (no converter, broken
template) the run stops at once and leaves the outbox for the next one. Each run also checks the age
of the oldest requested courrier and alerts beyond ``BACKLOG_ALERT_MINUTES``.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.utils import timezone
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

import workflows  # noqa: F401 — sets Django up when Prefect loads this file as a script
from cases.services.alerts import courriers_backlog_alert
from cases.services.courriers import MAX_ATTEMPTS, CourrierFailure, IssueReport, courriers_issue_pending
from workflows.alerts import HOOKS
from workflows.bootstrap import fresh_connection


class CourriersNonEmis(Exception):
    """Some courriers of a batch could not be issued; ``report`` says which and why."""

    def __init__(self, report: IssueReport):
        self.report = report
        causes = "; ".join(f"courrier {f.courrier_id} : {f.erreur}" for f in report.failures[:5])
        more = f" (et {len(report.failures) - 5} autres)" if len(report.failures) > 5 else ""
        super().__init__(f"{report.summary()}. {causes}{more}".strip())


def _report(data: dict) -> IssueReport:
    failures = [CourrierFailure(**f) for f in data.pop("failures", [])]
    return IssueReport(**data, failures=failures)


# --- Render, store, notify (I/O: retried with backoff) ---------------------------------------


@task(name="emettre-lot", cache_policy=NO_CACHE)  # called again with the same input: never a cached result
def issue_batch(limit: int) -> dict:
    fresh_connection()
    report = courriers_issue_pending(limit=limit, now=timezone.now())
    logger = get_run_logger()
    for f in report.failures:
        what = "abandonné : « en échec »" if f.en_echec else f"tentative {f.tentatives}/{MAX_ATTEMPTS}"
        logger.error("Courrier %s (%s) non émis, %s — %s", f.courrier_id, f.nom, what, f.erreur)
    if report.failed:
        raise CourriersNonEmis(report)
    return asdict(report)


@task(name="surveiller-file", cache_policy=NO_CACHE)
def watch_backlog() -> bool:
    fresh_connection()
    try:
        return courriers_backlog_alert(now=timezone.now())
    except Exception:  # noqa: BLE001 - an alert that cannot go out must not stop the courriers
        get_run_logger().exception("L'alerte de file des courriers n'a pas pu être envoyée.")
        return False


@flow(name="courriers", flow_run_name="courriers-{batch_size}", log_prints=True, **HOOKS)
def issue_courriers(batch_size: int = 50, max_batches: int = 200) -> dict:
    attempt = issue_batch.with_options(
        retries=MAX_ATTEMPTS - 1, retry_delay_seconds=settings.PORTAIL_FLOWS["COURRIER_RETRY_DELAYS"]
    )
    total, failed = IssueReport(), False
    for _ in range(max_batches):
        state = attempt(batch_size, return_state=True)
        if not state.is_completed():
            failed = True
            report = getattr(state.result(raise_on_failure=False), "report", None)
            if report is None or report.interruption:
                if report is not None:
                    total.add(report)
                break  # the pipeline is down (or the database): leave the outbox to the next run
            total.add(report)
            continue  # the failed courriers are « en échec » now: go on with the others
        report = _report(state.result())
        total.add(report)
        if report.emis + report.echecs < batch_size:
            break  # the outbox is drained
    alerted = watch_backlog()
    get_run_logger().info("Courriers : %s%s", total.summary(), " — alerte de file envoyée" if alerted else "")
    if failed:
        raise CourriersNonEmis(total)
    return {k: v for k, v in asdict(total).items() if k != "failures"}
