"""Flow-run hooks: a failed or crashed run e-mails the operators (``PORTAIL_OPS_EMAILS``) with the
cause and the address of the run in the Prefect UI, where its logs are."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def run_url(flow_run_id) -> str:
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

    ui = PREFECT_UI_URL.value() or (PREFECT_API_URL.value() or "").removesuffix("/api")
    return f"{ui.rstrip('/')}/runs/flow-run/{flow_run_id}" if ui else ""


def alert_operators(flow, flow_run, state) -> None:
    """``on_failure`` / ``on_crashed`` hook of every flow of the product."""
    from django.utils import timezone

    from cases.services.alerts import flow_failure_alert
    from workflows.bootstrap import fresh_connection

    try:
        fresh_connection()
        flow_failure_alert(
            flow=flow.name,
            run_id=str(flow_run.id),
            run_name=flow_run.name,
            state=state.name,
            message=state.message or "",
            url=run_url(flow_run.id),
            now=timezone.now(),
        )
    except Exception:  # noqa: BLE001 - an alert that cannot go out is logged, never raised from a hook
        logger.exception("L'alerte d'échec du traitement %s n'a pas pu être envoyée.", flow.name)


HOOKS = {"on_failure": [alert_operators], "on_crashed": [alert_operators]}
