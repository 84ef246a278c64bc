"""The dated reference tables of the back office, read in the shape the rules take: the SMIC (and
Mayotte's), the NPEC referential and the amorçage levels.

The one place every rule's table comes from — the verification of a CERFA (API and portal), the
form, the transmission, the avenant, the échéancier and the documents — so that what verifies also
transmits. Reads only; no actor (reference data are public to every user).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cases.models import ReferenceNpec, ReferenceNpecAmorcage, ReferenceSmic
from rules.cerfa_schema import get_path, parse_date
from rules.npec import (
    AMORCAGE_REFERENCE,
    Amorcage,
    FraisDemandes,
    MontantsDemandes,
    Npec,
    NpecRetenu,
    montants_demandes,
    niveau_certification,
    normalise_idcc,
    normalise_rncp,
    npec_en_vigueur,
)
from rules.remuneration import SMIC_REFERENCE, SmicValue, to_decimal


def smic_table() -> tuple[SmicValue, ...]:
    """The SMIC values of the back office (``ReferenceSmic``), oldest first; the values known when the
    rules were written when the table is empty."""
    rows = tuple(row.as_rule() for row in ReferenceSmic.objects.order_by("date_effet"))
    return rows or SMIC_REFERENCE


def npec_rows(rncp, idcc) -> tuple[Npec, ...]:
    code, branche = normalise_rncp(rncp), normalise_idcc(idcc)
    if not code or not branche:
        return ()
    return tuple(r.as_rule() for r in ReferenceNpec.objects.filter(rncp=code, idcc=branche))


def amorcages() -> tuple[Amorcage, ...]:
    """The amorçage levels of the back office (``ReferenceNpecAmorcage``); those of the arrêté known when the
    rules were written when the table is empty."""
    rows = tuple(r.as_rule() for r in ReferenceNpecAmorcage.objects.all())
    return rows or AMORCAGE_REFERENCE


def npec_for(*, rncp, idcc, type_diplome, le: date) -> NpecRetenu | None:
    """The annual NPEC in force on ``le`` for a certification and a branch (else the level's amorçage)."""
    return npec_en_vigueur(
        rncp=rncp,
        idcc=idcc,
        niveau=niveau_certification(type_diplome),
        le=le,
        referentiel=npec_rows(rncp, idcc),
        amorcages=amorcages(),
    )


# --- The amounts requested for a CERFA --------------------------------------------------------------


def _decimal(value) -> Decimal | None:
    amount = to_decimal(value)
    return amount if amount is not None and amount >= 0 else None


def _count(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    return int(text) if text.isdecimal() and len(text) <= 9 else None


def droits_rqth(payload: dict) -> bool:
    """Whether the apprentice holds the rights attached to the RQTH (RQTH, extension BOE, équivalence jeunes)."""
    return any(
        get_path(payload, path) in (True, "oui", "true")
        for path in ("apprenti.handicap", "apprenti.droitsRqthExtensionBOE", "apprenti.droitsRqthEquivalenceJeune")
    )


def frais_demandes(payload: dict) -> FraisDemandes:
    return FraisDemandes(
        premier_equipement=_decimal(get_path(payload, "couts.montantPremierEquipement")),
        nuitees=_count(get_path(payload, "couts.nombreHebergementTotaux")),
        repas=_count(get_path(payload, "couts.nombreRepasTotaux")),
        majoration_rqth=_decimal(get_path(payload, "couts.montantMajorationRQTH")),
    )


def montants_demandes_for(payload: dict) -> MontantsDemandes | None:
    """The accord de financement a CERFA requests: the NPEC in force at its conclusion date for its
    certification and its employer's branch, prorated to its length, and the frais annexes it asks for.
    None while its dates are not known."""
    payload = payload if isinstance(payload, dict) else {}
    debut = parse_date(get_path(payload, "contrat.dateDebutContrat"))
    fin = parse_date(get_path(payload, "contrat.dateFinContrat"))
    conclusion = parse_date(get_path(payload, "contrat.dateConclusion")) or debut
    if debut is None or fin is None or fin < debut:
        return None
    npec = npec_for(
        rncp=get_path(payload, "formation.rncp"),
        idcc=get_path(payload, "employeur.codeIdcc"),
        type_diplome=get_path(payload, "formation.typeDiplome"),
        le=conclusion,
    )
    return montants_demandes(
        npec=npec,
        date_conclusion=conclusion,
        date_debut=debut,
        date_fin=fin,
        frais=frais_demandes(payload),
        droits_rqth=droits_rqth(payload),
    )
