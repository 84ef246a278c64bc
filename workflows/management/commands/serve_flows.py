"""Serve every schedule (courriers, relances, digest, key expiry) in this process.

Embedded default: Prefect's local API on SQLite under var/prefect. With PREFECT_API_URL set, the
same deployments register with that Prefect server instead (see README, "Passer à l'échelle")."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Sert toutes les planifications (courriers, relances, récapitulatif, clés) avec Prefect."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Exécute chaque traitement une fois puis s'arrête.")

    def handle(self, *args, once=False, **options):
        os.environ.setdefault("PREFECT_HOME", str(settings.VAR_DIR / "prefect"))
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        from prefect import serve

        from workflows.courriers import issue_courriers
        from workflows.digest import daily_digest
        from workflows.keys import key_expiry_reminders
        from workflows.relances import relances
        from workflows.schedules import deployments

        if once:
            for run in (relances, key_expiry_reminders, daily_digest, issue_courriers):
                self.stdout.write(f"{run.name} : {run()}")
            return
        self.stdout.write(
            "Planifications servies : courriers (30 s), relances (6 h), clés (6 h 30), récapitulatif (7 h)."
        )
        serve(*deployments())
