"""Serve every schedule (courriers, relances, digest, key expiry) from this process, on a Prefect
server: the runs are scheduled by the server's scheduler and visible in its UI.

``bin/demo`` starts a local Prefect server (SQLite under ``var/prefect``) and this command against
it. Prefect's temporary in-process server runs no scheduler, so ``PREFECT_API_URL`` is required;
``--once`` runs each flow once without any server."""

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Sert les planifications (courriers, relances, récapitulatif, clés) sur le serveur de PREFECT_API_URL."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Exécute chaque traitement une fois puis s'arrête.")
        parser.add_argument(
            "--only",
            action="append",
            metavar="TRAITEMENT",
            help="Ne servir que ce traitement (courriers, relances, expiration-cles, recapitulatif-quotidien).",
        )
        parser.add_argument(
            "--poll", type=float, default=5.0, help="Secondes entre deux interrogations du serveur (5)."
        )

    def handle(self, *args, once=False, only=None, poll=5.0, **options):
        os.environ.setdefault("PREFECT_HOME", str(settings.VAR_DIR / "prefect"))
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        from workflows.schedules import NAMES

        unknown = sorted(set(only or ()) - set(NAMES))
        if unknown:
            raise CommandError(f"Traitement inconnu : {', '.join(unknown)} (possibles : {', '.join(NAMES)}).")
        if once:
            self._once(only)
            return
        if not os.environ.get("PREFECT_API_URL"):
            raise CommandError(
                "Aucun serveur Prefect : définissez PREFECT_API_URL (par exemple http://127.0.0.1:4200/api ; "
                "bin/demo en démarre un). Le serveur temporaire de Prefect ne déclenche aucune planification ; "
                "--once exécute chaque traitement une fois sans serveur."
            )
        from prefect import serve

        from workflows.schedules import deployments

        planned = deployments(only)
        self.stdout.write(
            f"Planifications servies sur {os.environ['PREFECT_API_URL']} : " + ", ".join(d.name for d in planned)
        )
        serve(*planned, query_seconds=poll, print_starting_message=False)

    def _once(self, only):
        from workflows.courriers import issue_courriers
        from workflows.digest import daily_digest
        from workflows.keys import key_expiry_reminders
        from workflows.relances import relances

        runs = {
            "relances": relances,
            "expiration-cles": key_expiry_reminders,
            "recapitulatif-quotidien": daily_digest,
            "courriers": issue_courriers,
        }
        for name, run in runs.items():
            if not only or name in only:
                self.stdout.write(f"{run.name} : {run()}")
