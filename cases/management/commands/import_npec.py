"""``manage.py import_npec FICHIER.xlsx`` — import the NPEC referential in the layout France compétences
publishes (sheet « Onglet 3 - référentiel NPEC » and « Onglet 4 - CPNE-IDCC », see :mod:`rules.npec`).

Rerunnable (no duplicate); a NPEC that changes at a later date closes the previous one; nothing is
written when the file cannot be read. ``--date-applicabilite`` gives the date of rows that have none.
The repository holds a small sample: ``cases/management/data/referentiel-npec-exemple.xlsx``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.actors import Actor, Channel
from cases.services.referentiels import npec_import
from rules.npec import CPNE_IDCC_SHEET, NPEC_SHEET, lire_referentiel

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "referentiel-npec-exemple.xlsx"


def read_workbook(path: Path) -> tuple[list[tuple], list[tuple]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise CommandError(f"Le fichier « {path.name} » n'est pas un classeur Excel lisible ({exc}).") from None
    sheets = {name: workbook[name] for name in workbook.sheetnames}
    npec = next((s for name, s in sheets.items() if NPEC_SHEET.match(name.strip())), None)
    cpne = next((s for name, s in sheets.items() if CPNE_IDCC_SHEET.match(name.strip())), None)
    if npec is None or cpne is None:
        raise CommandError(
            "Le classeur doit contenir les onglets « Onglet 3 - référentiel NPEC » et « Onglet 4 - CPNE-IDCC » "
            f"(onglets trouvés : {', '.join(workbook.sheetnames)})."
        )
    try:
        return list(npec.iter_rows(values_only=True)), list(cpne.iter_rows(values_only=True))
    finally:
        workbook.close()


class Command(BaseCommand):
    help = "Importe le référentiel des niveaux de prise en charge (NPEC) publié par France compétences."

    def add_arguments(self, parser):
        parser.add_argument(
            "fichier", nargs="?", default=str(SAMPLE), help="Le classeur .xlsx (par défaut : l'exemple)"
        )
        parser.add_argument(
            "--date-applicabilite",
            type=date.fromisoformat,
            default=None,
            help="Date d'applicabilité (AAAA-MM-JJ) des lignes qui n'en donnent pas (par défaut : aujourd'hui)",
        )

    def handle(self, *args, **options):
        path = Path(options["fichier"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        npec_rows, cpne_rows = read_workbook(path)
        lignes, errors = lire_referentiel(
            npec_rows, cpne_rows, date_defaut=options["date_applicabilite"] or timezone.localdate()
        )
        if errors:
            shown = "\n".join(f"  - {e}" for e in errors[:20])
            more = f"\n  … et {len(errors) - 20} autre(s)." if len(errors) > 20 else ""
            raise CommandError(f"Le référentiel n'a pas été importé :\n{shown}{more}")
        report = npec_import(
            actor=Actor.system("manage.py import_npec", channel=Channel.COMMANDE),
            lignes=lignes,
            source=path.name,
            now=timezone.now(),
        )
        self.stdout.write(
            f"Référentiel des NPEC « {path.name} » : {report.crees} ligne(s) créée(s), {report.modifies} modifiée(s), "
            f"{report.inchanges} inchangée(s), {report.clotures} clôturée(s) par une valeur plus récente."
        )
