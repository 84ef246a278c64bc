"""Niveaux de prise en charge (NPEC) of apprenticeship contracts and the amounts requested at
transmission.

- The NPEC of a contract is the annual amount set for its certification (code RNCP) and its
  employer's branch (IDCC, through the branch's CPNE) that is in force on the contract's
  **conclusion date**; when the pair has none, the « amorçage » amount of the certification's level
  (cadre national des certifications professionnelles) applies.
- The amount requested for the NPEC is that annual amount prorated to the contract's length
  (:func:`rules.echeancier.engagement`: months started before 1 July 2025, days after).
- Frais annexes requested with it: premier équipement (500 € at most per contract), hébergement
  (6 € per night at most), restauration (3 € per meal at most) and, for an apprentice holding the
  rights attached to the RQTH (RQTH, extension BOE or équivalence jeunes), a majoration of at most
  4 000 € per year of execution.

Pure: the referential is passed in (rows of the back office's dated table).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules.echeancier import annees_execution, engagement, regime_of, to_cents
from rules.verdicts import Problem

PLAFOND_PREMIER_EQUIPEMENT = Decimal("500.00")
PLAFOND_NUITEE = Decimal("6.00")
PLAFOND_REPAS = Decimal("3.00")
PLAFOND_MAJORATION_RQTH_ANNUEL = Decimal("4000.00")

NATURE_NPEC = "npec"
NATURE_PREMIER_EQUIPEMENT = "premier_equipement"
NATURE_HEBERGEMENT = "hebergement"
NATURE_RESTAURATION = "restauration"
NATURE_MAJORATION_RQTH = "majoration_rqth"

SOURCE_REFERENTIEL = "referentiel"
SOURCE_AMORCAGE = "amorcage"

_RNCP = re.compile(r"^(?:RNCP)?\s*(\d{2,6})$", re.IGNORECASE)


def normalise_rncp(value) -> str | None:
    """``RNCP36542``, ``36542`` or ``rncp 36542`` → ``RNCP36542``; None when it is not a RNCP code."""
    match = _RNCP.match(str(value or "").strip())
    return f"RNCP{match.group(1)}" if match else None


def normalise_idcc(value) -> str | None:
    text = str(value if value is not None else "").strip()
    if text.endswith(".0"):  # a spreadsheet's number
        text = text[:-2]
    return text.zfill(4) if text.isdecimal() and 1 <= len(text) <= 4 else None


def niveau_certification(type_diplome) -> int | None:
    """The level (cadre national des certifications professionnelles) of the diploma code of the CERFA's
    ``formation.typeDiplome``: 80 doctorat → 8, 7x → 7, 6x → 6, 5x → 5, 4x → 4, 3x → 3 (below: None)."""
    try:
        code = int(type_diplome)
    except (TypeError, ValueError):
        return None
    if code >= 80:
        return 8
    level = code // 10
    return level if 3 <= level <= 7 else None


@dataclass(frozen=True, slots=True)
class Npec:
    """One row of the referential: the annual NPEC of a certification for one IDCC, in force from/to."""

    rncp: str
    idcc: str
    montant: Decimal
    debut: date
    fin: date | None = None

    def en_vigueur(self, le: date) -> bool:
        return self.debut <= le and (self.fin is None or le <= self.fin)


@dataclass(frozen=True, slots=True)
class Amorcage:
    """The annual amount of a certification level when its pair (RNCP, IDCC) has no NPEC yet."""

    niveau: int
    montant: Decimal
    debut: date
    fin: date | None = None

    def en_vigueur(self, le: date) -> bool:
        return self.debut <= le and (self.fin is None or le <= self.fin)


@dataclass(frozen=True, slots=True)
class NpecRetenu:
    montant: Decimal
    source: str  # referentiel / amorcage
    debut: date
    niveau: int | None = None

    @property
    def libelle(self) -> str:
        if self.source == SOURCE_AMORCAGE:
            return (
                f"Niveau d'amorçage de la certification de niveau {self.niveau} "
                f"(en vigueur depuis le {self.debut:%d/%m/%Y})"
            )
        return f"Niveau de prise en charge du référentiel (en vigueur depuis le {self.debut:%d/%m/%Y})"


def _amorcage_level(niveau: int) -> int:
    return 7 if niveau == 8 else niveau  # the arrêté sets one amount for levels 7 and 8


def npec_en_vigueur(
    *,
    rncp,
    idcc,
    niveau: int | None,
    le: date,
    referentiel: Iterable[Npec],
    amorcages: Iterable[Amorcage],
) -> NpecRetenu | None:
    """The annual NPEC in force on ``le`` (the conclusion date) for the pair, else the level's amorçage."""
    code, branche = normalise_rncp(rncp), normalise_idcc(idcc)
    if code and branche:
        rows = [r for r in referentiel if r.rncp == code and r.idcc == branche and r.en_vigueur(le)]
        if rows:
            row = max(rows, key=lambda r: r.debut)
            return NpecRetenu(Decimal(row.montant), SOURCE_REFERENTIEL, row.debut, niveau)
    if niveau is not None:
        wanted = _amorcage_level(niveau)
        rows = [a for a in amorcages if _amorcage_level(a.niveau) == wanted and a.en_vigueur(le)]
        if rows:
            row = max(rows, key=lambda a: a.debut)
            return NpecRetenu(Decimal(row.montant), SOURCE_AMORCAGE, row.debut, niveau)
    return None


# --- Frais annexes -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FraisDemandes:
    """What the CFA asks beyond the NPEC (the convention's « couts »)."""

    premier_equipement: Decimal | None = None
    nuitees: int | None = None
    repas: int | None = None
    majoration_rqth: Decimal | None = None


def _euros(amount: Decimal) -> str:
    whole, _, cents = f"{amount:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", " ") + f",{cents} €"


def frais_annexes(
    frais: FraisDemandes,
    *,
    date_conclusion: date,
    date_debut: date,
    date_fin: date,
    droits_rqth: bool,
    prefix: str = "couts",
) -> tuple[dict[str, Decimal], list[Problem]]:
    """The amounts requested per nature for the frais annexes, or why a request exceeds its limit."""
    problems: list[Problem] = []
    amounts: dict[str, Decimal] = {}
    days = max(0, (date_fin - date_debut).days + 1)
    years = len(annees_execution(date_debut, date_fin, regime_of(date_conclusion))) if days else 0
    if frais.premier_equipement is not None and frais.premier_equipement > 0:
        if frais.premier_equipement > PLAFOND_PREMIER_EQUIPEMENT:
            problems.append(
                Problem(
                    f"{prefix}.montantPremierEquipement",
                    "Les frais de premier équipement sont pris en charge dans la limite de 500,00 € par contrat.",
                    "plafond",
                )
            )
        else:
            amounts[NATURE_PREMIER_EQUIPEMENT] = to_cents(frais.premier_equipement)
    if frais.nuitees:
        if frais.nuitees > days:
            problems.append(
                Problem(
                    f"{prefix}.nombreHebergementTotaux",
                    f"Le contrat dure {days} jours : au plus {days} nuitées d'hébergement peuvent être prises "
                    "en charge.",
                    "plafond",
                )
            )
        else:
            amounts[NATURE_HEBERGEMENT] = to_cents(PLAFOND_NUITEE * frais.nuitees)
    if frais.repas:
        if frais.repas > days:
            problems.append(
                Problem(
                    f"{prefix}.nombreRepasTotaux",
                    f"Le contrat dure {days} jours : au plus {days} repas peuvent être pris en charge.",
                    "plafond",
                )
            )
        else:
            amounts[NATURE_RESTAURATION] = to_cents(PLAFOND_REPAS * frais.repas)
    if frais.majoration_rqth is not None and frais.majoration_rqth > 0:
        limit = PLAFOND_MAJORATION_RQTH_ANNUEL * years
        if not droits_rqth:
            problems.append(
                Problem(
                    f"{prefix}.montantMajorationRQTH",
                    "La majoration RQTH n'est due que pour un(e) apprenti(e) reconnu(e) travailleur handicapé ou "
                    "bénéficiant des droits attachés à cette qualité (extension BOE, équivalence jeunes).",
                    "incoherent",
                )
            )
        elif frais.majoration_rqth > limit:
            problems.append(
                Problem(
                    f"{prefix}.montantMajorationRQTH",
                    f"La majoration RQTH est limitée à 4 000,00 € par année d'exécution, soit {_euros(limit)} pour ce "
                    "contrat.",
                    "plafond",
                )
            )
        else:
            amounts[NATURE_MAJORATION_RQTH] = to_cents(frais.majoration_rqth)
    return amounts, problems


@dataclass(frozen=True, slots=True)
class MontantsDemandes:
    npec: NpecRetenu | None
    engagement_npec: Decimal | None
    par_nature: dict[str, Decimal]
    problems: tuple[Problem, ...]

    @property
    def total(self) -> Decimal:
        return sum(self.par_nature.values(), Decimal("0.00"))


def montants_demandes(
    *,
    npec: NpecRetenu | None,
    date_conclusion: date,
    date_debut: date,
    date_fin: date,
    frais: FraisDemandes,
    droits_rqth: bool,
) -> MontantsDemandes:
    """The accord de financement requested at transmission: the NPEC prorated to the contract, plus the
    frais annexes asked for (per nature of :class:`cases.models.NatureFinancement`)."""
    amounts: dict[str, Decimal] = {}
    engaged = None
    if npec is not None and date_fin >= date_debut:
        engaged = engagement(npec.montant, date_conclusion=date_conclusion, date_debut=date_debut, date_fin=date_fin)
        amounts[NATURE_NPEC] = engaged
    extra, problems = frais_annexes(
        frais, date_conclusion=date_conclusion, date_debut=date_debut, date_fin=date_fin, droits_rqth=droits_rqth
    )
    amounts.update(extra)
    return MontantsDemandes(npec, engaged, amounts, tuple(problems))
