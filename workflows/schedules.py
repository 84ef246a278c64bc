"""Every schedule of the product, as Prefect deployments: served in-process (``serve_flows``, the demo)
or declared on a Prefect server for remote workers (``python -m workflows.deploy``).

Entrypoints are module paths (``workflows.courriers.issue_courriers``), never this machine's files:
a worker runs them from the installed package.
"""

from __future__ import annotations

from django.conf import settings
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron, Interval

from workflows.bootstrap import PARIS
from workflows.courriers import issue_courriers
from workflows.digest import daily_digest
from workflows.keys import key_expiry_reminders
from workflows.relances import relances

NAMES = ("courriers", "relances", "expiration-cles", "recapitulatif-quotidien")


def _specs():
    interval = settings.PORTAIL_FLOWS["COURRIERS_INTERVAL_SECONDS"]
    return {
        "courriers": (
            issue_courriers,
            Interval(interval, timezone=PARIS),
            f"Émission des courriers demandés (toutes les {interval} s) : PDF, dépôt, notification des OF.",
        ),
        "relances": (
            relances,
            Cron("0 6 * * *", timezone=PARIS),
            "Relance des dossiers et factures en attente de pièces ; files du gestionnaire (6 h).",
        ),
        "expiration-cles": (
            key_expiry_reminders,
            Cron("30 6 * * *", timezone=PARIS),
            "Rappels d'expiration des clés d'authentification, 30 puis 7 jours avant (6 h 30).",
        ),
        "recapitulatif-quotidien": (
            daily_digest,
            Cron("0 7 * * *", timezone=PARIS),
            "Récapitulatif quotidien par e-mail des nouveaux courriers (7 h, Europe/Paris).",
        ),
    }


def deployments(only: list[str] | None = None):
    specs = _specs()
    return [
        flow.to_deployment(
            name=name,
            schedule=schedule,
            description=description,
            tags=["portail-of"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        for name, (flow, schedule, description) in specs.items()
        if not only or name in only
    ]
