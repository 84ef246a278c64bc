"""The échéancier of an accordé apprenticeship dossier: computed by :mod:`rules.echeancier` on the
accord, recomputed on an avenant (the échéances follow the new version, with what was invoiced and
paid on them) and on a rupture (prorata at the rupture date); and the moves of its amounts when a
facture charged to it is deposited, rejected or paid.

Each échéance keeps its amounts « réglé » and « en instruction » across recomputations (matched by
number); what was paid beyond a recomputed total shows as « trop-perçu ». Every recomputation and
every move is written in the dossier's journal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from accounts.actors import Actor
from cases.models import Dossier, Echeance, FactureLigne, LigneFinancement, NatureFinancement
from cases.services._common import log_transition
from rules.cerfa import get_path, parse_date
from rules.echeancier import Echeancier, annuel_pour_engagement, echeancier_du_contrat
from rules.lifecycles import Dispositif
from rules.npec import niveau_certification
from rules.referentiels import AVENANT_TYPES

ZERO = Decimal("0.00")


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Contrat:
    """What the échéancier needs from a dossier."""

    date_conclusion: date
    date_debut: date
    date_fin: date
    date_debut_pratique: date | None
    niveau: int | None
    type_contrat: int | None
    date_rupture: date | None
    engagement_accorde: Decimal


def _initial_type(dossier: Dossier) -> int | None:
    """The contract type of the contract an avenant amends (an avenant's own type is 31–38)."""
    current = dossier
    while True:
        kind = _int(get_path(current.donnees or {}, "contrat.typeContratApp"))
        if kind not in AVENANT_TYPES or current.version_precedente_id is None:
            return kind
        current = Dossier.objects.only("donnees", "version_precedente_id").get(pk=current.version_precedente_id)


def contrat_of(dossier: Dossier, engagement_accorde: Decimal | None = None) -> Contrat | None:
    """The financing terms of an accordé apprenticeship dossier, or None when it has none to schedule."""
    if dossier.dispositif != Dispositif.APPRENTISSAGE or not dossier.contrat_date_debut or not dossier.contrat_date_fin:
        return None
    if engagement_accorde is None:
        line = LigneFinancement.objects.filter(dossier=dossier, nature=NatureFinancement.NPEC).first()
        engagement_accorde = line.montant_pris_en_charge if line is not None else None
    if engagement_accorde is None or engagement_accorde <= 0:
        return None
    donnees = dossier.donnees or {}
    conclusion = parse_date(get_path(donnees, "contrat.dateConclusion")) or dossier.contrat_date_debut
    return Contrat(
        date_conclusion=conclusion,
        date_debut=dossier.contrat_date_debut,
        date_fin=dossier.contrat_date_fin,
        date_debut_pratique=parse_date(get_path(donnees, "contrat.dateFormationPratiqueEmployeur")),
        niveau=niveau_certification(get_path(donnees, "formation.typeDiplome")),
        type_contrat=_initial_type(dossier),
        date_rupture=dossier.date_rupture,
        engagement_accorde=Decimal(engagement_accorde),
    )


def compute(contrat: Contrat) -> Echeancier:
    """The échéancier of the contract: the annual amount is the one whose engagement over the whole
    contract is the NPEC taken in charge by the accord (the referential's, unless the OPCO decided
    otherwise), so that the échéances sum to the accord minus the employer's participation."""
    annual = annuel_pour_engagement(
        contrat.engagement_accorde,
        date_conclusion=contrat.date_conclusion,
        date_debut=contrat.date_debut,
        date_fin=contrat.date_fin,
    )
    return echeancier_du_contrat(
        montant_annuel=annual,
        date_conclusion=contrat.date_conclusion,
        date_debut=contrat.date_debut,
        date_fin=contrat.date_fin,
        date_debut_pratique=contrat.date_debut_pratique,
        niveau_certification=contrat.niveau,
        type_contrat=contrat.type_contrat,
        date_rupture=contrat.date_rupture,
    )


def _fields(planned) -> dict:
    return {
        "annee": planned.annee,
        "nature": planned.nature.value,
        "taux": planned.taux,
        "date_ouverture": planned.date_ouverture,
        "date_debut": planned.date_debut,
        "date_fin": planned.date_fin,
        "montant_total": planned.montant,
    }


def store(dossier: Dossier, calc: Echeancier, *, now) -> tuple[list[Echeance], bool]:
    """Write the computed échéances on ``dossier`` (locked by the caller), keeping the amounts invoiced
    and paid on each number; returns the échéances and whether anything changed."""
    existing = {e.numero: e for e in Echeance.objects.select_for_update().filter(dossier=dossier)}
    referenced = set(
        FactureLigne.objects.filter(echeance__dossier=dossier).values_list("echeance__numero", flat=True).distinct()
    )
    changed = False
    result: list[Echeance] = []
    wanted = {p.numero for p in calc.echeances}
    for planned in calc.echeances:
        values = _fields(planned)
        row = existing.get(planned.numero)
        if row is None:
            row = Echeance(dossier=dossier, numero=planned.numero, updated_at=now, **values)
            row.save()
            changed = True
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.updated_at = now
            row.save()
            changed = True
        result.append(row)
    for numero, row in existing.items():
        if numero in wanted:
            continue
        changed = True
        if numero in referenced or row.montant_regle > 0 or row.montant_en_instruction > 0:
            # Invoiced or paid before the contract was shortened: kept, with nothing left to invoice.
            row.montant_total = ZERO
            row.updated_at = now
            row.save()
            result.append(row)
        else:
            row.delete()
    regime = calc.regime.value
    if dossier.participation_employeur != calc.participation or dossier.echeancier_regime != regime:
        dossier.participation_employeur = calc.participation
        dossier.echeancier_regime = regime
        Dossier.objects.filter(pk=dossier.pk).update(
            participation_employeur=calc.participation, echeancier_regime=regime
        )
        changed = True
    return sorted(result, key=lambda e: e.numero), changed


def echeancier_summary(echeances: Iterable[Echeance]) -> list[dict]:
    return [
        {"codification": e.codification, "ouverture": e.date_ouverture.isoformat(), "montant": str(e.montant_total)}
        for e in echeances
    ]


def recompute(dossier: Dossier, *, actor: Actor, now, motif: str) -> list[Echeance]:
    """(Re)compute the échéancier of ``dossier`` (locked by the caller) and journal it when it changed."""
    contrat = contrat_of(dossier)
    if contrat is None:
        return list(dossier.echeances.all())
    calc = compute(contrat)
    echeances, changed = store(dossier, calc, now=now)
    if changed:
        log_transition(
            obj=dossier,
            actor=actor,
            name="calculer_echeancier",
            source="",
            now=now,
            reason=motif,
            details={
                "regime": calc.regime.value,
                "engagement": str(calc.engagement),
                "participation_employeur": str(calc.participation),
                "echeances": echeancier_summary(echeances),
            },
        )
    return echeances


def move_to_avenant(previous: Dossier, avenant: Dossier) -> int:
    """The échéances of the amended version follow its avenant (with their amounts and invoice lines)."""
    return Echeance.objects.filter(dossier=previous).update(dossier=avenant)


# --- Amounts moved by factures -------------------------------------------------------------------


def log_moves(lines: list[FactureLigne], *, actor: Actor, now, name: str, facture) -> None:
    by_dossier: dict[int, list[FactureLigne]] = {}
    for line in lines:
        by_dossier.setdefault(line.dossier_id, []).append(line)
    for dossier_id, items in by_dossier.items():
        dossier = Dossier.objects.get(pk=dossier_id)
        log_transition(
            obj=dossier,
            actor=actor,
            name=name,
            source="",
            now=now,
            details={
                "facture": facture.numero,
                "reference": facture.reference,
                "echeances": [
                    {"codification": f"E{line.echeance.numero}", "montant": str(line.montant)} for line in items
                ],
            },
        )


def charged_lines(facture) -> list[FactureLigne]:
    return list(
        FactureLigne.objects.filter(facture=facture, echeance__isnull=False).select_related("echeance").order_by("pk")
    )


def release(facture, *, actor: Actor, now) -> None:
    """A rejected facture no longer holds its échéances' amounts « en instruction »."""
    lines = charged_lines(facture)
    for line in lines:
        echeance = Echeance.objects.select_for_update().get(pk=line.echeance_id)
        echeance.montant_en_instruction = max(ZERO, echeance.montant_en_instruction - line.montant)
        echeance.updated_at = now
        echeance.save(update_fields=["montant_en_instruction", "updated_at"])
        line.echeance = echeance
    if lines:
        log_moves(lines, actor=actor, now=now, name="liberer_echeance", facture=facture)


def settle(facture, *, actor: Actor, now) -> None:
    """A paid facture moves its échéances' amounts from « en instruction » to « réglé »."""
    lines = charged_lines(facture)
    for line in lines:
        echeance = Echeance.objects.select_for_update().get(pk=line.echeance_id)
        echeance.montant_en_instruction = max(ZERO, echeance.montant_en_instruction - line.montant)
        echeance.montant_regle = echeance.montant_regle + line.montant
        echeance.updated_at = now
        echeance.save(update_fields=["montant_en_instruction", "montant_regle", "updated_at"])
        line.echeance = echeance
    if lines:
        log_moves(lines, actor=actor, now=now, name="regler_echeance", facture=facture)


def invoiced_by_nature(dossier: Dossier, nature: str) -> Decimal:
    """What the dossier's factures still in the OPCO's hands or paid hold for a nature (rejected ones excluded)."""
    total = (
        FactureLigne.objects.filter(dossier=dossier, nature=nature)
        .exclude(facture__etat="rejetee")
        .aggregate(total=Sum("montant"))["total"]
    )
    return total or ZERO


# --- Services ------------------------------------------------------------------------------------


def dossier_echeancier_recalculer(*, actor: Actor, dossier_id: int, now) -> list[Echeance]:
    """The OPCO recomputes a dossier's échéancier (after a correction of its accord or of its CERFA)."""
    from django.db import transaction

    from cases.services._common import lock_dossier
    from common.errors import Forbidden

    if not actor.is_opco:
        raise Forbidden("Action réservée aux gestionnaires de l'OPCO.")
    with transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        return recompute(dossier, actor=actor, now=now, motif="Échéancier recalculé par l'OPCO")


# --- The batch: every échéancier recomputed (after a change of the rules or of the referential) ----

BATCH_STATES = ("accorde", "avenant_en_instruction", "rupture", "solde")
_VALUES = (
    "dossier_id",
    "montant_pris_en_charge",
    "dossier__contrat_date_debut",
    "dossier__contrat_date_fin",
    "dossier__date_rupture",
    "dossier__donnees__contrat__dateConclusion",
    "dossier__donnees__contrat__dateFormationPratiqueEmployeur",
    "dossier__donnees__formation__typeDiplome",
    "dossier__donnees__contrat__typeContratApp",
    "dossier__version_precedente_id",
    "dossier__participation_employeur",
    "dossier__echeancier_regime",
    "dossier__etat",
)
_ECHEANCE_FIELDS = ("annee", "nature", "taux", "date_ouverture", "date_debut", "date_fin", "montant_total")


@dataclass
class BatchReport:
    dossiers: int = 0
    modifies: int = 0
    echeances_creees: int = 0
    echeances_modifiees: int = 0
    echeances_supprimees: int = 0


def _initial_types(rows) -> dict[int, int | None]:
    """The contract type of the contract each avenant amends (walking back the versions, one query a level)."""
    types = {row[0]: _int(row[8]) for row in rows}
    pending = {row[0]: row[9] for row in rows if types[row[0]] in AVENANT_TYPES and row[9]}
    while pending:
        found = dict(
            Dossier.objects.filter(pk__in=set(pending.values())).values_list("pk", "donnees__contrat__typeContratApp")
        )
        previous = dict(Dossier.objects.filter(pk__in=set(pending.values())).values_list("pk", "version_precedente_id"))
        next_pending = {}
        for dossier_id, previous_id in pending.items():
            kind = _int(found.get(previous_id))
            types[dossier_id] = kind
            if kind in AVENANT_TYPES and previous.get(previous_id):
                next_pending[dossier_id] = previous[previous_id]
        pending = next_pending
    return types


def _contrat_of_row(row, kind) -> Contrat | None:
    (_, granted, debut, fin, rupture, conclusion, pratique, type_diplome, *_rest) = row
    if not debut or not fin or not granted:
        return None
    return Contrat(
        date_conclusion=parse_date(conclusion) or debut,
        date_debut=debut,
        date_fin=fin,
        date_debut_pratique=parse_date(pratique),
        niveau=niveau_certification(type_diplome),
        type_contrat=kind,
        date_rupture=rupture,
        engagement_accorde=Decimal(granted),
    )


def echeanciers_recalculer(*, actor: Actor, now, batch_size: int = 5000, progress=None) -> BatchReport:
    """Recompute the échéancier of every accordé, amended, broken or settled apprenticeship contract that
    has a NPEC taken in charge, by batches (one transaction each; memory holds one batch). Amounts invoiced
    and paid stay on their échéances; each dossier whose échéancier changed gets one journal entry.
    Rerunnable: a second run changes nothing."""
    from django.db import transaction

    from cases.models import TransitionLog

    if not actor.is_opco:
        from common.errors import Forbidden

        raise Forbidden("Action réservée à l'OPCO.")
    report = BatchReport()
    base = LigneFinancement.objects.filter(
        nature=NatureFinancement.NPEC,
        montant_pris_en_charge__gt=0,
        dossier__dispositif=Dispositif.APPRENTISSAGE,
        dossier__etat__in=BATCH_STATES,
    ).order_by("dossier_id")
    last = 0
    while True:
        rows = list(base.filter(dossier_id__gt=last).values_list(*_VALUES)[:batch_size])
        if not rows:
            break
        last = rows[-1][0]
        kinds = _initial_types(rows)
        with transaction.atomic():
            _batch(rows, kinds, actor=actor, now=now, report=report, log_model=TransitionLog)
        report.dossiers += len(rows)
        if progress is not None:
            progress(report)
    return report


_EXISTING = ("pk", "dossier_id", "numero", *_ECHEANCE_FIELDS, "montant_regle", "montant_en_instruction")


def _batch(rows, kinds, *, actor: Actor, now, report: BatchReport, log_model) -> None:
    ids = [row[0] for row in rows]
    existing: dict[int, dict[int, tuple]] = {}
    for values in Echeance.objects.filter(dossier_id__in=ids).values_list(*_EXISTING):
        existing.setdefault(values[1], {})[values[2]] = values
    referenced = set(FactureLigne.objects.filter(echeance__dossier_id__in=ids).values_list("echeance_id", flat=True))
    creates, updates, deletes, logs, dossier_updates = [], [], [], [], []
    for row in rows:
        dossier_id = row[0]
        contrat = _contrat_of_row(row, kinds.get(dossier_id))
        if contrat is None:
            continue
        calc = compute(contrat)
        current = existing.get(dossier_id, {})
        changed = False
        for p in calc.echeances:
            wanted = (p.annee, p.nature.value, p.taux, p.date_ouverture, p.date_debut, p.date_fin, p.montant)
            old = current.get(p.numero)
            if old is None:
                creates.append((dossier_id, p.numero, *wanted))
                changed = True
            elif old[3:10] != wanted:
                updates.append((old[0], *wanted))
                changed = True
        numeros = {p.numero for p in calc.echeances}
        for numero, old in current.items():
            if numero in numeros:
                continue
            changed = True
            if old[0] in referenced or old[10] > 0 or old[11] > 0:
                if old[9] != ZERO:
                    updates.append((old[0], *old[3:9], ZERO))
            else:
                deletes.append(old[0])
        participation, regime = row[10], row[11]
        if participation != calc.participation or regime != calc.regime.value:
            dossier_updates.append((dossier_id, calc.participation, calc.regime.value))
            changed = True
        if changed:
            report.modifies += 1
            logs.append(
                (
                    dossier_id,
                    row[12],
                    {
                        "regime": calc.regime.value,
                        "engagement": str(calc.engagement),
                        "participation_employeur": str(calc.participation),
                        "echeances": len(calc.echeances),
                    },
                )
            )
    writer = _PostgresWriter() if connection.vendor == "postgresql" else _OrmWriter()
    if deletes:
        Echeance.objects.filter(pk__in=deletes).delete()
    writer.create_echeances(creates, now)
    writer.update_echeances(updates, now)
    writer.update_dossiers(dossier_updates)
    writer.logs(logs, actor=actor, now=now, log_model=log_model)
    report.echeances_creees += len(creates)
    report.echeances_modifiees += len(updates)
    report.echeances_supprimees += len(deletes)


LOG_REASON = "Échéancier recalculé (traitement de l'ensemble des contrats)"


class _OrmWriter:
    """Any database: the ORM's bulk operations."""

    def create_echeances(self, rows, now) -> None:
        # A row: dossier_id, numero, then the values of _ECHEANCE_FIELDS.
        Echeance.objects.bulk_create(
            (
                Echeance(
                    dossier_id=r[0], numero=r[1], **dict(zip(_ECHEANCE_FIELDS, r[2:], strict=True)), updated_at=now
                )
                for r in rows
            ),
            batch_size=2000,
        )

    def update_echeances(self, rows, now) -> None:
        # A row: the échéance's pk, then the values of _ECHEANCE_FIELDS.
        objs = [Echeance(pk=r[0], **dict(zip(_ECHEANCE_FIELDS, r[1:], strict=True)), updated_at=now) for r in rows]
        Echeance.objects.bulk_update(objs, [*_ECHEANCE_FIELDS, "updated_at"], batch_size=1000)

    def update_dossiers(self, rows) -> None:
        objs = [Dossier(pk=r[0], participation_employeur=r[1], echeancier_regime=r[2]) for r in rows]
        Dossier.objects.bulk_update(objs, ["participation_employeur", "echeancier_regime"], batch_size=1000)

    def logs(self, rows, *, actor: Actor, now, log_model) -> None:
        log_model.objects.bulk_create(
            (
                log_model(
                    dossier_id=dossier_id,
                    transition="calculer_echeancier",
                    source="",
                    target=etat,
                    actor_user_id=actor.user_id,
                    actor_api_key_id=actor.api_key_id,
                    actor_label=actor.label,
                    channel=actor.channel.value,
                    reason=LOG_REASON,
                    details=details,
                    created_at=now,
                )
                for dossier_id, etat, details in rows
            ),
            batch_size=2000,
        )


class _PostgresWriter(_OrmWriter):
    """PostgreSQL: COPY into the tables (or into a temporary table, then one UPDATE … FROM)."""

    @staticmethod
    def _copy(cursor, sql: str, rows) -> None:
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def create_echeances(self, rows, now) -> None:
        if not rows:
            return
        table = Echeance._meta.db_table
        with connection.cursor() as cursor:
            self._copy(
                cursor,
                f"COPY {table} (dossier_id, numero, annee, nature, taux, date_ouverture, date_debut, date_fin, "
                "montant_total, montant_regle, montant_en_instruction, updated_at) FROM STDIN",
                ((*r, ZERO, ZERO, now) for r in rows),
            )

    def update_echeances(self, rows, now) -> None:
        if not rows:
            return
        table = Echeance._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE echeances_maj (id bigint, annee smallint, nature varchar(10), taux smallint, "
                "date_ouverture date, date_debut date, date_fin date, montant_total numeric(12, 2)) ON COMMIT DROP"
            )
            self._copy(cursor, "COPY echeances_maj FROM STDIN", rows)
            cursor.execute(
                f"UPDATE {table} e SET annee = m.annee, nature = m.nature, taux = m.taux, "
                "date_ouverture = m.date_ouverture, date_debut = m.date_debut, date_fin = m.date_fin, "
                "montant_total = m.montant_total, updated_at = %s FROM echeances_maj m WHERE e.id = m.id",
                [now],
            )
            cursor.execute("DROP TABLE echeances_maj")

    def update_dossiers(self, rows) -> None:
        if not rows:
            return
        table = Dossier._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE dossiers_maj (id bigint, participation numeric(12, 2), regime varchar(20)) "
                "ON COMMIT DROP"
            )
            self._copy(cursor, "COPY dossiers_maj FROM STDIN", rows)
            cursor.execute(
                f"UPDATE {table} d SET participation_employeur = m.participation, echeancier_regime = m.regime "
                "FROM dossiers_maj m WHERE d.id = m.id"
            )
            cursor.execute("DROP TABLE dossiers_maj")

    def logs(self, rows, *, actor: Actor, now, log_model) -> None:
        if not rows:
            return
        table = log_model._meta.db_table
        with connection.cursor() as cursor:
            self._copy(
                cursor,
                f"COPY {table} (dossier_id, transition, source, target, actor_user_id, actor_api_key_id, actor_label, "
                "channel, reason, details, created_at) FROM STDIN",
                (
                    (
                        dossier_id,
                        "calculer_echeancier",
                        "",
                        etat,
                        actor.user_id,
                        actor.api_key_id,
                        actor.label,
                        actor.channel.value,
                        LOG_REASON,
                        json.dumps(details),
                        now,
                    )
                    for dossier_id, etat, details in rows
                ),
            )
