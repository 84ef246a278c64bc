"""The back office's reference tables written in bulk: the NPEC referential imported from France
compétences' published file (``manage.py import_npec``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from accounts.actors import Actor
from cases.models import ReferenceNpec
from common.errors import Forbidden
from rules.npec import LigneReferentiel

BATCH = 2000


@dataclass
class NpecImport:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0
    clotures: int = 0


def npec_import(*, actor: Actor, lignes: Iterable[LigneReferentiel], source: str, now) -> NpecImport:
    """Write the referential's rows (rerunnable: a row is identified by RNCP, IDCC and its applicability
    date). A pair whose NPEC changes at a later date has its previous row closed the day before. One
    transaction: a failure writes nothing."""
    if not actor.is_opco:
        raise Forbidden("Import réservé à l'OPCO.")
    report = NpecImport()
    fields = ("montant_annuel", "cpne_code", "cpne", "intitule", "statut", "source")
    wanted = {(line.rncp, line.idcc, line.debut): line for line in lignes}
    with transaction.atomic():
        existing = {
            (row.rncp, row.idcc, row.date_debut): row
            for row in ReferenceNpec.objects.filter(rncp__in={key[0] for key in wanted}).order_by("pk")
        }
        to_create, to_update = [], []
        for key, line in wanted.items():
            values = {
                "montant_annuel": line.montant,
                "cpne_code": line.cpne_code,
                "cpne": line.cpne,
                "intitule": line.intitule,
                "statut": line.statut,
                "source": source[:255],
            }
            row = existing.get(key)
            if row is None:
                row = ReferenceNpec(rncp=line.rncp, idcc=line.idcc, date_debut=line.debut, **values)
                to_create.append(row)
                existing[key] = row
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(row, k, v)
                to_update.append(row)
            else:
                report.inchanges += 1
        ReferenceNpec.objects.bulk_create(to_create, batch_size=BATCH)
        ReferenceNpec.objects.bulk_update(to_update, fields, batch_size=BATCH)
        report.crees, report.modifies = len(to_create), len(to_update)
        # Each pair's rows in date order: a row ends the day before the next one starts.
        by_pair: dict[tuple[str, str], list[ReferenceNpec]] = {}
        for row in existing.values():
            by_pair.setdefault((row.rncp, row.idcc), []).append(row)
        closed = []
        for rows in by_pair.values():
            rows.sort(key=lambda r: r.date_debut)
            for current, following in zip(rows, rows[1:], strict=False):
                end = following.date_debut - timedelta(days=1)
                if current.date_fin is None or current.date_fin > end:
                    current.date_fin = end
                    closed.append(current)
        ReferenceNpec.objects.bulk_update(closed, ["date_fin"], batch_size=BATCH)
        report.clotures = len(closed)
    return report
