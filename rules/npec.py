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


# The amounts of the arrêté of 31 August 2022 (contracts concluded from 1 September 2022), the values known
# when these rules were written: what applies while the back office's table is empty (as SMIC_REFERENCE does
# for the SMIC). The table is seeded with them by a migration and edited by the OPCO's gestionnaires.
AMORCAGE_REFERENCE: tuple[Amorcage, ...] = tuple(
    Amorcage(niveau, Decimal(montant), date(2022, 9, 1))
    for niveau, montant in (
        (3, "5470.00"),
        (4, "5621.00"),
        (5, "6000.00"),
        (6, "6000.00"),
        (7, "7000.00"),
        (8, "7000.00"),
    )
)


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


# --- The referential as France compétences publishes it --------------------------------------------
#
# A workbook with a sheet « Onglet 3 - référentiel NPEC » (a few title rows, then a header row: « Code
# RNCP », « Libellé de la formation », « Certificateur », « Libellé du Diplôme », « Code CPNE », « CPNE »,
# « NPEC final », « Statut », « Date d'applicabilité des NPEC ») — one row per certification and branch
# committee (CPNE) — and a sheet « Onglet 4 - CPNE-IDCC » (« IDCC », « Code CPNE », « CPNE ») giving the
# conventions collectives of each CPNE. A NPEC « NC » or « NR » is not yet set: the row is skipped.

NPEC_SHEET = re.compile(r"^Onglet\s*\d+\s*-\s*r[ée]f[ée]rentiel\s+NPEC$", re.IGNORECASE)
CPNE_IDCC_SHEET = re.compile(r"^Onglet\s*\d+\s*-\s*(CPNE\s*-\s*IDCC|IDCC\s*-\s*CPNE)$", re.IGNORECASE)
NPEC_COLUMNS = {
    "rncp": re.compile(r"^(code\s+)?rncp$", re.IGNORECASE),
    "intitule": re.compile(r"^libell[ée] de la (formation|certification)$", re.IGNORECASE),
    "cpne_code": re.compile(r"^code\s+cpne$", re.IGNORECASE),
    "cpne": re.compile(r"^(libell[ée]\s+)?cpne$", re.IGNORECASE),
    "npec": re.compile(r"^npec\s+final$|^valeur\s+finale$", re.IGNORECASE),
    "statut": re.compile(r"^statut$", re.IGNORECASE),
    "date": re.compile(r"^date d'applicabilit[ée] des npec", re.IGNORECASE),
}
NPEC_REQUIRED = ("rncp", "cpne_code", "npec")
CPNE_COLUMNS = {
    "idcc": re.compile(r"^idcc", re.IGNORECASE),
    "cpne_code": re.compile(r"^code\s+cpne$", re.IGNORECASE),
    "cpne": re.compile(r"^(intitul[ée]\s+|libell[ée]\s+)?cpne", re.IGNORECASE),
}
NPEC_UNSET = {"NC", "NR", ""}


def _header(text) -> str:
    return " ".join(str(text or "").replace("\n", " ").split())


def find_columns(row, columns: dict[str, re.Pattern]) -> dict[str, int] | None:
    """The index of each known column in a header row (None when it is not the header row)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        label = _header(cell)
        for key, pattern in columns.items():
            if key not in found and pattern.search(label):
                found[key] = index
                break
    return found


@dataclass(frozen=True, slots=True)
class LigneReferentiel:
    rncp: str
    idcc: str
    montant: Decimal
    debut: date
    cpne_code: str = ""
    cpne: str = ""
    intitule: str = ""
    statut: str = ""


def _montant(value) -> Decimal | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = str(value or "").replace("€", "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
        if text.upper() in NPEC_UNSET:
            return None
        try:
            amount = Decimal(text.replace(",", "."))
        except ArithmeticError:
            raise ValueError(f"montant illisible « {value} »") from None
    if not amount.is_finite() or amount <= 0:
        raise ValueError(f"montant invalide « {value} »")
    return to_cents(amount)


def _date(value) -> date | None:
    if isinstance(value, date):
        return value if not hasattr(value, "date") else value.date()
    text = str(value or "").strip()
    if not text:
        return None
    for pattern in (r"^(\d{4})-(\d{2})-(\d{2})", r"^(\d{1,2})/(\d{1,2})/(\d{4})$"):
        match = re.match(pattern, text)
        if match:
            parts = [int(p) for p in match.groups()]
            year, month, day = parts if pattern.startswith("^(\\d{4})") else (parts[2], parts[1], parts[0])
            try:
                return date(year, month, day)
            except ValueError:
                break
    raise ValueError(f"date illisible « {value} »")


def lire_referentiel(
    npec_rows: Iterable[tuple], cpne_rows: Iterable[tuple], *, date_defaut: date
) -> tuple[list[LigneReferentiel], list[str]]:
    """The referential's rows, one per (RNCP, IDCC, applicability date), from the two sheets' rows (header
    rows included: they are found by their labels); the French reasons of the rows that could not be read.

    ``date_defaut``: the applicability date of rows that give none (older files have no such column)."""
    errors: list[str] = []
    idcc_of: dict[str, set[str]] = {}
    columns = None
    for number, row in enumerate(cpne_rows, start=1):
        if columns is None:
            found = find_columns(row, CPNE_COLUMNS)
            if found and {"idcc", "cpne_code"} <= set(found):
                columns = found
            continue
        code = _header(row[columns["cpne_code"]] if columns["cpne_code"] < len(row) else "")
        idcc = normalise_idcc(row[columns["idcc"]] if columns["idcc"] < len(row) else None)
        if not code and idcc is None:
            continue
        if not code or idcc is None:
            errors.append(f"Onglet CPNE-IDCC, ligne {number} : code CPNE ou IDCC illisible.")
            continue
        idcc_of.setdefault(code, set()).add(idcc)
    if columns is None:
        errors.append("Onglet CPNE-IDCC : la ligne d'en-tête (IDCC, Code CPNE) est introuvable.")
    lines: dict[tuple[str, str, date], LigneReferentiel] = {}
    columns = None
    for number, row in enumerate(npec_rows, start=1):
        if columns is None:
            found = find_columns(row, NPEC_COLUMNS)
            if found and set(NPEC_REQUIRED) <= set(found):
                columns = found
            continue

        def cell(key, row=row, columns=columns):
            index = columns.get(key)
            return row[index] if index is not None and index < len(row) else None

        raw_rncp = _header(cell("rncp"))
        if not raw_rncp and not _header(cell("cpne_code")):
            continue
        try:
            montant = _montant(cell("npec"))
            debut = _date(cell("date")) or date_defaut
        except ValueError as exc:
            errors.append(f"Onglet référentiel NPEC, ligne {number} : {exc}.")
            continue
        if montant is None:
            continue  # not set yet
        codes = [normalise_rncp(part) for part in raw_rncp.split("/") if part.strip()]
        if not codes or None in codes:
            errors.append(f"Onglet référentiel NPEC, ligne {number} : code RNCP illisible « {raw_rncp} ».")
            continue
        cpne_code = _header(cell("cpne_code"))
        for rncp in codes:
            for idcc in sorted(idcc_of.get(cpne_code, ())):
                lines[(rncp, idcc, debut)] = LigneReferentiel(
                    rncp=rncp,
                    idcc=idcc,
                    montant=montant,
                    debut=debut,
                    cpne_code=cpne_code[:20],
                    cpne=_header(cell("cpne"))[:255],
                    intitule=_header(cell("intitule"))[:500],
                    statut=_header(cell("statut"))[:100],
                )
    if columns is None:
        errors.append(
            "Onglet référentiel NPEC : la ligne d'en-tête (Code RNCP, Code CPNE, NPEC final) est introuvable."
        )
    return list(lines.values()), errors
