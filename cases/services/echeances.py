"""The échéancier of an accordé apprenticeship dossier: computed by :mod:`rules.echeancier` on the
accord, recomputed on an avenant (the échéances follow the new version, with what was invoiced and
paid on them) and on a rupture (prorata at the rupture date); and the moves of its amounts when a
facture charged to it is deposited, rejected or paid.

Each échéance keeps its amounts « réglé » and « en instruction » across recomputations (matched by
number); what was paid beyond a recomputed total shows as « trop-perçu ». Every recomputation and
every move is written in the dossier's journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

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
