"""``manage.py recalculer_echeanciers`` — recompute the échéancier of every accordé, amended, broken or
settled apprenticeship contract with a NPEC taken in charge (after a change of the rules or a correction of
the referential). By batches, rerunnable; amounts invoiced and paid stay on their échéances."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.actors import Actor, Channel
from cases.services.echeances import echeanciers_recalculer


class Command(BaseCommand):
    help = "Recalcule les échéanciers des contrats d'apprentissage accordés (par lots)."

    def add_arguments(self, parser):
        parser.add_argument("--lot", type=int, default=5000, help="Dossiers par lot (5 000 par défaut)")

    def handle(self, *args, **options):
        started = time.monotonic()

        def progress(report):
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {report.dossiers:,} dossiers… ({elapsed:.1f} s)".replace(",", " "))

        report = echeanciers_recalculer(
            actor=Actor.system("manage.py recalculer_echeanciers", channel=Channel.COMMANDE),
            now=timezone.now(),
            batch_size=max(1, options["lot"]),
            progress=progress,
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Échéanciers recalculés : {report.dossiers} contrat(s) en {elapsed:.1f} s — {report.modifies} modifié(s), "
            f"{report.echeances_creees} échéance(s) créée(s), {report.echeances_modifiees} modifiée(s), "
            f"{report.echeances_supprimees} supprimée(s)."
        )
