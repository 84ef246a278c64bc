"""The payment schedule (échéancier) of an apprenticeship contract's NPEC, and the employer's
participation (article R6332-25 of the Code du travail, décret 2025-585 of 27 June 2025).

Two regimes, chosen by the contract's conclusion date:

- **concluded before 1 July 2025** — per year of execution (anniversary to anniversary) of
  12 months: 40 % in month 1, 30 % in month 7, 30 % in month 10. A year of execution shorter than
  12 months (a contract under a year, or the last year of a longer one): 50 % in its first month,
  the balance in its last month. « Tout mois commencé est dû »: a partial year is worth
  ``months started / 12`` of the annual amount.
- **concluded from 1 July 2025** — daily *prorata temporis*: a partial year is worth
  ``days / days of that year of execution`` (365 or 366). Per year: 40 % advance (month 1), 30 % in
  month 7, 20 % in month 10 and the 10 % balance after « service fait », which opens the day after
  the year ends (for a multi-year contract, with the next year's advance). In a partial year the
  instalments whose month is not reached are not due and the balance takes what remains.

Amounts are rounded half-up to the cent; in each year the last instalment takes the balance, and
the last year takes the balance of the engagement, so that the instalments always sum exactly to
the engagement minus the employer's participation.

**Rupture.** The engagement is the prorata up to the rupture date (included). The instalments
already opened on that date keep their planned amounts, cumulatively capped at that engagement;
the rest (if any) is a final balance opened the day after the rupture.

**Employer participation** (contracts concluded from 1 July 2025, certification of level 6 or
more): 750 €, 200 € for a new contract with another employer after a rupture (type de contrat 23);
a rupture within the first 45 days of practical training brings it down to 50 % of the engagement
up to the rupture (within the same limit). It is deducted from the first instalment(s): the CFA
invoices it to the employer.

Pure: no clock (``today`` is an argument where a status depends on it), no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

from rules.cerfa_dates import ONE_DAY, add_months, add_years

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REFORME_2025 = date(2025, 7, 1)  # décret 2025-585: contracts concluded from this date
PARTICIPATION_NIVEAU_MINIMAL = 6
PARTICIPATION_FORFAIT = Decimal("750.00")
PARTICIPATION_APRES_RUPTURE = Decimal("200.00")
PERIODE_PROBATOIRE_JOURS = 45
TYPE_CONTRAT_APRES_RUPTURE = 23  # nouveau contrat, précédent contrat chez un autre employeur rompu


class Regime(StrEnum):
    AVANT_2025 = "avant_2025"
    DECRET_2025 = "decret_2025_585"

    @property
    def label(self) -> str:
        return REGIME_LABELS[self]


REGIME_LABELS = {
    Regime.AVANT_2025: "Contrat conclu avant le 1er juillet 2025 : 40 % / 30 % / 30 % par année, "
    "tout mois commencé est dû",
    Regime.DECRET_2025: "Contrat conclu à partir du 1er juillet 2025 (décret 2025-585) : prorata journalier, "
    "40 % / 30 % / 20 % et solde de 10 % après service fait",
}


class Nature(StrEnum):
    AVANCE = "avance"
    ACOMPTE = "acompte"
    SOLDE = "solde"


NATURE_LABELS = {Nature.AVANCE: "Avance", Nature.ACOMPTE: "Acompte", Nature.SOLDE: "Solde"}


def regime_of(date_conclusion: date) -> Regime:
    return Regime.DECRET_2025 if date_conclusion >= REFORME_2025 else Regime.AVANT_2025


def to_cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _times(amount: Decimal | Fraction, fraction: Fraction) -> Decimal:
    """``amount × fraction`` rounded half-up to the cent (exact arithmetic before rounding)."""
    return _from_cents(_cents_times(amount, fraction))


def _cents_times(amount: Decimal | Fraction, fraction: Fraction) -> int:
    """``amount × fraction`` in cents, rounded half-up (amounts are never negative here)."""
    exact = Fraction(amount) * fraction * 100
    return (2 * exact.numerator + exact.denominator) // (2 * exact.denominator)


def _from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _part(cents: int, percent: int) -> int:
    """``percent`` % of an amount in cents, rounded half-up."""
    return (cents * percent * 2 + 100) // 200


# --- Years of execution -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnneeExecution:
    numero: int
    debut: date
    fin: date
    complete: bool  # a whole year of execution (12 months)
    fraction: Fraction  # of the annual amount
    mois: int  # months started (all regimes; used by the pre-2025 one)
    jours: int  # days of the period, both included
    jours_annee: int  # days of the whole year of execution (365 or 366)


def months_started(debut: date, fin: date) -> int:
    """Months begun between ``debut`` and ``fin`` (both included): « tout mois commencé est dû »."""
    if fin < debut:
        return 0
    months = (fin.year - debut.year) * 12 + fin.month - debut.month
    return months + 1 if add_months(debut, months) <= fin else months


def annees_execution(debut: date, fin: date, regime: Regime) -> tuple[AnneeExecution, ...]:
    """The years of execution from ``debut`` to ``fin`` (both included) and their share of the annual amount."""
    years = []
    number = 1
    start = debut
    while start <= fin:
        anniversary = add_years(debut, number)
        end = min(anniversary - ONE_DAY, fin)
        complete = end == anniversary - ONE_DAY
        days = (end - start).days + 1
        year_days = (anniversary - start).days
        months = 12 if complete else months_started(start, end)
        if complete:
            fraction = Fraction(1)
        elif regime is Regime.DECRET_2025:
            fraction = Fraction(days, year_days)
        else:
            fraction = Fraction(min(months, 12), 12)
        years.append(AnneeExecution(number, start, end, complete, fraction, months, days, year_days))
        start = anniversary
        number += 1
    return tuple(years)


def engagement(
    montant_annuel: Decimal | Fraction, *, date_conclusion: date, date_debut: date, date_fin: date
) -> Decimal:
    """The NPEC engaged for a contract: the annual amount prorated to its length (to the cent)."""
    if date_fin < date_debut:
        return ZERO
    years = annees_execution(date_debut, date_fin, regime_of(date_conclusion))
    return _times(montant_annuel, sum((y.fraction for y in years), Fraction(0)))


def annuel_pour_engagement(
    montant_engage: Decimal, *, date_conclusion: date, date_debut: date, date_fin: date
) -> Fraction:
    """The exact annual amount whose engagement over the contract is ``montant_engage`` (an accord that
    differs from the amount requested keeps the schedule's proportions)."""
    years = annees_execution(date_debut, date_fin, regime_of(date_conclusion))
    total = sum((y.fraction for y in years), Fraction(0))
    return Fraction(Decimal(montant_engage)) / total if total else Fraction(0)


# --- The schedule -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EcheancePrevue:
    numero: int
    annee: int
    nature: Nature
    taux: int | None  # % of the year's amount (None: the balance of a partial year or after a rupture)
    date_ouverture: date  # from this day the échéance may be invoiced
    date_debut: date  # the period it covers
    date_fin: date
    montant: Decimal

    @property
    def codification(self) -> str:
        return f"E{self.numero}"

    @property
    def libelle(self) -> str:
        base = NATURE_LABELS[self.nature]
        if self.taux is not None:
            base += f" de {self.taux} %"
        return f"{base} — {self.annee}{'re' if self.annee == 1 else 'e'} année"


@dataclass(frozen=True, slots=True)
class Echeancier:
    regime: Regime
    montant_annuel: Decimal
    engagement: Decimal  # the NPEC engaged for the contract (after a rupture: up to the rupture)
    participation: Decimal  # the employer's participation, deducted from the first instalment(s)
    echeances: tuple[EcheancePrevue, ...]
    annees: tuple[AnneeExecution, ...]

    @property
    def total_echeances(self) -> Decimal:
        return sum((e.montant for e in self.echeances), ZERO)


def _split(cents: int, shares: Sequence[int]) -> list[int]:
    """An amount (cents) split by percentages; the last share takes the balance."""
    parts = [_part(cents, share) for share in shares[:-1]]
    return [*parts, cents - sum(parts)]


def _year_amounts(montant_annuel, years: Sequence[AnneeExecution]) -> list[int]:
    """Each year's amount in cents; the last one takes the balance of the engagement."""
    total = _cents_times(montant_annuel, sum((y.fraction for y in years), Fraction(0)))
    amounts = [_cents_times(montant_annuel, y.fraction) for y in years[:-1]]
    return [*amounts, total - sum(amounts)]


def _year_instalments(year: AnneeExecution, amount: int, regime: Regime) -> list[tuple]:
    """(nature, taux, ouverture, début, fin, montant in cents) of one year's instalments."""
    start, end = year.debut, year.fin
    m7, m10 = add_months(start, 6), add_months(start, 9)
    if regime is Regime.AVANT_2025:
        if year.complete:
            a, b, c = _split(amount, (40, 30, 30))
            return [
                (Nature.AVANCE, 40, start, start, m7 - ONE_DAY, a),
                (Nature.ACOMPTE, 30, m7, m7, m10 - ONE_DAY, b),
                (Nature.SOLDE, 30, m10, m10, end, c),
            ]
        last_month = add_months(start, year.mois - 1)
        if year.mois <= 1:
            return [(Nature.SOLDE, None, start, start, end, amount)]
        a, b = _split(amount, (50, 50))
        return [
            (Nature.AVANCE, 50, start, start, last_month - ONE_DAY, a),
            (Nature.SOLDE, None, last_month, last_month, end, b),
        ]
    # Décret 2025-585
    rows = []
    steps = [(Nature.AVANCE, 40, start)]
    if m7 <= end:
        steps.append((Nature.ACOMPTE, 30, m7))
    if m10 <= end:
        steps.append((Nature.ACOMPTE, 20, m10))
    boundaries = [s[2] for s in steps[1:]] + [end + ONE_DAY]
    paid = 0
    for (nature, rate, opening), next_start in zip(steps, boundaries, strict=True):
        part = _part(amount, rate)
        rows.append((nature, rate, opening, opening, next_start - ONE_DAY, part))
        paid += part
    balance = amount - paid
    rows.append((Nature.SOLDE, 10 if year.complete else None, end + ONE_DAY, start, end, balance))
    return rows


def _planned(montant_annuel, debut: date, fin: date, regime: Regime) -> tuple[tuple, list[EcheancePrevue]]:
    years = annees_execution(debut, fin, regime)
    amounts = _year_amounts(montant_annuel, years)
    echeances: list[EcheancePrevue] = []
    for year, amount in zip(years, amounts, strict=True):
        for nature, rate, opening, start, end, part in _year_instalments(year, amount, regime):
            echeances.append(
                EcheancePrevue(len(echeances) + 1, year.numero, nature, rate, opening, start, end, _from_cents(part))
            )
    return years, echeances


def _cap_at_rupture(planned: list[EcheancePrevue], rupture: date, engaged: Decimal, years) -> list[EcheancePrevue]:
    kept: list[EcheancePrevue] = []
    total = ZERO
    for e in planned:
        if e.date_ouverture > rupture or total >= engaged:
            break
        amount = min(e.montant, engaged - total)
        kept.append(replace(e, montant=amount, date_fin=min(e.date_fin, rupture)))
        total += amount
    if total < engaged:
        year = years[-1]
        kept.append(
            EcheancePrevue(
                len(kept) + 1, year.numero, Nature.SOLDE, None, rupture + ONE_DAY, year.debut, rupture, engaged - total
            )
        )
    return kept


def _deduct(echeances: list[EcheancePrevue], participation: Decimal) -> list[EcheancePrevue]:
    """The participation comes off the first instalments; instalments brought to zero disappear."""
    if participation <= 0:
        return echeances
    left = participation
    result = []
    for e in echeances:
        take = min(e.montant, left)
        left -= take
        if e.montant - take > 0:
            result.append(replace(e, numero=len(result) + 1, montant=e.montant - take))
    return result


def echeancier(
    *,
    montant_annuel: Decimal | Fraction,
    date_conclusion: date,
    date_debut: date,
    date_fin: date,
    date_rupture: date | None = None,
    participation: Decimal = ZERO,
) -> Echeancier:
    """The schedule of a contract's NPEC. ``participation`` is the employer's (see
    :func:`participation_employeur`), deducted from the first instalments."""
    regime = regime_of(date_conclusion)
    annual = Fraction(montant_annuel)
    years, planned = _planned(annual, date_debut, date_fin, regime)
    engaged = sum((e.montant for e in planned), ZERO)
    if date_rupture is not None and date_rupture < date_fin:
        rupture = max(date_rupture, date_debut)
        years = annees_execution(date_debut, rupture, regime)
        engaged = _times(annual, sum((y.fraction for y in years), Fraction(0)))
        planned = _cap_at_rupture(planned, rupture, engaged, years)
    participation = min(to_cents(participation), engaged)
    echeances = _deduct(planned, participation)
    return Echeancier(regime, _times(annual, Fraction(1)), engaged, participation, tuple(echeances), tuple(years))


def echeancier_du_contrat(
    *,
    montant_annuel: Decimal | Fraction,
    date_conclusion: date,
    date_debut: date,
    date_fin: date,
    date_debut_pratique: date | None = None,
    niveau_certification: int | None = None,
    type_contrat: int | None = None,
    date_rupture: date | None = None,
) -> Echeancier:
    """:func:`echeancier` with the employer's participation the contract owes (:func:`participation_employeur`)."""
    rupture = date_rupture if date_rupture is not None and date_rupture < date_fin else None
    engaged = (
        engagement(montant_annuel, date_conclusion=date_conclusion, date_debut=date_debut, date_fin=rupture)
        if rupture is not None
        else None
    )
    participation = participation_employeur(
        date_conclusion=date_conclusion,
        niveau_certification=niveau_certification,
        type_contrat=type_contrat,
        date_debut_pratique=date_debut_pratique or date_debut,
        date_rupture=rupture,
        engagement_a_la_rupture=engaged,
    )
    return echeancier(
        montant_annuel=montant_annuel,
        date_conclusion=date_conclusion,
        date_debut=date_debut,
        date_fin=date_fin,
        date_rupture=rupture,
        participation=participation,
    )


# --- Employer participation ------------------------------------------------------------------


def participation_employeur(
    *,
    date_conclusion: date,
    niveau_certification: int | None,
    type_contrat: int | None,
    date_debut_pratique: date,
    date_rupture: date | None = None,
    engagement_a_la_rupture: Decimal | None = None,
) -> Decimal:
    """The employer's mandatory participation (article R6332-25-1): see the module docstring.

    The 45 days of practical training are counted as calendar days from the first day in the
    company (``date_debut_pratique``) to the rupture, both included.
    """
    if regime_of(date_conclusion) is not Regime.DECRET_2025:
        return ZERO
    if niveau_certification is None or niveau_certification < PARTICIPATION_NIVEAU_MINIMAL:
        return ZERO
    base = PARTICIPATION_APRES_RUPTURE if type_contrat == TYPE_CONTRAT_APRES_RUPTURE else PARTICIPATION_FORFAIT
    if date_rupture is not None and engagement_a_la_rupture is not None:
        days = (date_rupture - date_debut_pratique).days + 1
        if days <= PERIODE_PROBATOIRE_JOURS:
            return min(base, _times(Decimal(engagement_a_la_rupture), Fraction(1, 2)))
    return base


# --- Status of a stored échéance (the norm's read model) ------------------------------------


class Statut(StrEnum):
    PAYEE = "payee"
    EN_INSTRUCTION = "en_instruction"
    PARTIELLEMENT_PAYEE = "partiellement_payee"
    A_VENIR = "a_venir"
    A_FACTURER = "a_facturer"
    ANNULEE = "annulee"

    @property
    def label(self) -> str:
        return STATUT_LABELS[self]


STATUT_LABELS = {
    Statut.PAYEE: "Payée",
    Statut.EN_INSTRUCTION: "En instruction OPCO",
    Statut.PARTIELLEMENT_PAYEE: "Partiellement payée",
    Statut.A_VENIR: "À venir",
    Statut.A_FACTURER: "À facturer",
    Statut.ANNULEE: "Sans objet",
}


def reste_a_facturer(total: Decimal, regle: Decimal, en_instruction: Decimal) -> Decimal:
    return max(ZERO, Decimal(total) - Decimal(regle) - Decimal(en_instruction))


def trop_percu(total: Decimal, regle: Decimal) -> Decimal:
    """Paid beyond the échéance's total (after a rupture or an avenant that shortened the contract)."""
    return max(ZERO, Decimal(regle) - Decimal(total))


def statut(*, total: Decimal, regle: Decimal, en_instruction: Decimal, ouverture: date, today: date) -> Statut:
    total, regle, en_instruction = Decimal(total), Decimal(regle), Decimal(en_instruction)
    if total <= 0 and regle <= 0 and en_instruction <= 0:
        return Statut.ANNULEE
    if regle >= total:
        return Statut.PAYEE
    if en_instruction > 0:
        return Statut.EN_INSTRUCTION
    if regle > 0:
        return Statut.PARTIELLEMENT_PAYEE
    return Statut.A_VENIR if ouverture > today else Statut.A_FACTURER


def check_ligne(
    *, montant: Decimal, total: Decimal, regle: Decimal, en_instruction: Decimal, ouverture: date, today: date
) -> tuple[str, str] | None:
    """Why an invoice line of ``montant`` may not be charged to this échéance today, as
    ``(« echeance » or « montant », the French reason)``; None when it may."""
    if ouverture > today:
        return "echeance", f"Cette échéance ne peut être facturée qu'à partir du {ouverture:%d/%m/%Y}."
    rest = reste_a_facturer(total, regle, en_instruction)
    if rest <= 0:
        return "echeance", "Cette échéance n'a plus rien à facturer."
    if Decimal(montant) > rest:
        whole, _, cents = f"{rest:.2f}".partition(".")
        text = f"{int(whole):,}".replace(",", " ") + f",{cents} €"
        return "montant", f"Le montant dépasse le reste à facturer de l'échéance ({text})."
    return None
