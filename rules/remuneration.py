"""Minimum pay of an apprentice (articles D6222-26 to D6222-34 of the Code du travail).

- The contract is cut into contract years (anniversary to anniversary, the last one ending on
  ``dateFinContrat``); each year's rate depends on the apprentice's age bracket and on the year.
- When the apprentice changes bracket during a year (18, 21 or 26th birthday), the year is split:
  ``N.1`` up to the end of the birthday month, ``N.2`` from the first day of the following month
  at the new rate — unless the birthday falls in the month that ends that year's period. A contract
  year starting on the birthday takes the new age from its first day.
- Base: the monthly SMIC (35 h) in force on ``dateDebutContrat`` (Mayotte has its own SMIC); from
  21, the salaire minimum conventionnel (SMC) when it is higher.
- ``salaireBrut = base × taux / 100`` rounded up to the cent; the rate may be raised, never lowered.

The SMIC values are data: pass your own dated table (``smic_table``) — ``SMIC_REFERENCE`` holds the
values known when this module was written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation

from rules.cerfa_dates import ONE_DAY, add_years, age_on, first_day_of_next_month, next_birthday_after

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")  # beyond, a value is not an amount (and would overflow the context)


@dataclass(frozen=True, slots=True)
class SmicValue:
    """SMIC in force from ``effective`` (€; monthly = 35 h/week, i.e. 151,67 h)."""

    effective: date
    hourly: Decimal
    monthly: Decimal
    hourly_mayotte: Decimal
    monthly_mayotte: Decimal

    def monthly_for(self, *, mayotte: bool = False) -> Decimal:
        return self.monthly_mayotte if mayotte else self.monthly

    def as_dict(self) -> dict:
        return {
            "dateEffet": self.effective.isoformat(),
            "horaire": str(self.hourly),
            "mensuel": str(self.monthly),
            "horaireMayotte": str(self.hourly_mayotte),
            "mensuelMayotte": str(self.monthly_mayotte),
        }


def _smic(effective: str, hourly: str, monthly: str, hourly_mayotte: str, monthly_mayotte: str) -> SmicValue:
    return SmicValue(
        date.fromisoformat(effective),
        Decimal(hourly),
        Decimal(monthly),
        Decimal(hourly_mayotte),
        Decimal(monthly_mayotte),
    )


SMIC_REFERENCE: tuple[SmicValue, ...] = (
    _smic("2023-01-01", "11.27", "1709.28", "8.51", "1290.68"),
    _smic("2023-05-01", "11.52", "1747.20", "8.70", "1319.50"),
    _smic("2024-01-01", "11.65", "1766.92", "8.80", "1334.67"),
    _smic("2024-11-01", "11.88", "1801.80", "8.98", "1361.97"),
    _smic("2026-01-01", "12.02", "1823.03", "9.33", "1415.05"),
)

# % of the SMIC (or SMC from 21) by contract year (1–4) and age bracket (<18, 18–20, 21–25, 26+).
MINIMUM_RATES: dict[int, tuple[int, int, int, int]] = {
    1: (27, 43, 53, 100),
    2: (39, 51, 61, 100),
    3: (55, 67, 78, 100),
    4: (55, 67, 78, 100),
}
BRACKET_LABELS = ("moins de 18 ans", "18 à 20 ans", "21 à 25 ans", "26 ans et plus")
TYPE_SMIC, TYPE_SMC = "SMIC", "SMC"


def age_bracket(age: int) -> int:
    if age < 18:
        return 0
    if age < 21:
        return 1
    if age < 26:
        return 2
    return 3


def minimum_rate(age: int, contract_year: int) -> int:
    """Minimum % for an age and a contract year (years beyond the 4th keep the 4th year's rates)."""
    return MINIMUM_RATES[min(max(contract_year, 1), 4)][age_bracket(age)]


def smic_in_force(on: date, *, table: Sequence[SmicValue] = SMIC_REFERENCE, mayotte: bool = False) -> Decimal | None:
    """Monthly SMIC in force on ``on``, or None when the table starts later."""
    known = [value for value in table if value.effective <= on]
    return max(known, key=lambda v: v.effective).monthly_for(mayotte=mayotte) if known else None


def to_decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        number = Decimal(str(value).replace(",", ".").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() and abs(number) < MAX_AMOUNT else None


def salaire_brut(base: Decimal, taux) -> Decimal:
    """Monthly gross pay for a rate (%), rounded up to the cent."""
    return (Decimal(base) * Decimal(str(taux)) / 100).quantize(CENT, rounding=ROUND_CEILING)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class RemunerationPeriod:
    ordre: str  # "1.1", "1.2", "2.1" …
    date_debut: date
    date_fin: date
    contract_year: int
    age: int
    taux_minimal: int
    taux: Decimal
    type_salaire: str  # SMIC / SMC
    base: Decimal | None
    salaire_brut: Decimal | None

    def as_payload(self) -> dict:
        """The period as a ``contrat.remunerationsAnnuelles`` item of the norm (JSON-ready)."""
        data = {
            "ordre": self.ordre,
            "dateDebut": self.date_debut.isoformat(),
            "dateFin": self.date_fin.isoformat(),
            "taux": _number(self.taux),
            "tauxMinimal": self.taux_minimal,
            "typeSalaire": self.type_salaire,
        }
        if self.salaire_brut is not None:
            data["salaireBrut"] = float(self.salaire_brut)
        return data

    @property
    def description(self) -> str:
        rank = "1re" if self.contract_year == 1 else f"{self.contract_year}e"
        return f"{rank} année, {BRACKET_LABELS[age_bracket(self.age)]}"


def contract_years(date_debut: date, date_fin: date) -> list[tuple[int, date, date]]:
    """(number, first day, last day) of each contract year."""
    years = []
    number = 1
    start = date_debut
    while start <= date_fin:
        next_start = add_years(date_debut, number)
        years.append((number, start, min(next_start - ONE_DAY, date_fin)))
        start = next_start
        number += 1
    return years


def split_year(date_naissance: date, start: date, end: date) -> list[tuple[date, date, int]]:
    """(first day, last day, age) of the one or two periods of a contract year."""
    age = age_on(date_naissance, start)
    birthday = next_birthday_after(date_naissance, start)
    if birthday > end or age_bracket(age + 1) == age_bracket(age):
        return [(start, end, age)]
    new_rate_from = first_day_of_next_month(birthday)
    if new_rate_from > end:  # the birthday falls in the month that ends the period
        return [(start, end, age)]
    return [(start, new_rate_from - ONE_DAY, age), (new_rate_from, end, age + 1)]


def remuneration_periods(
    *,
    date_naissance: date,
    date_debut_contrat: date,
    date_fin_contrat: date,
    smic_table: Sequence[SmicValue] = SMIC_REFERENCE,
    mayotte: bool = False,
    smc=None,
    taux: Mapping[str, object] | None = None,
) -> tuple[RemunerationPeriod, ...]:
    """The pay periods of a contract with their minimum rate and gross pay.

    ``taux`` maps an ``ordre`` to a rate chosen by the employer (kept as is, even below the
    minimum: :func:`rules.cerfa_rules.validate_cerfa` flags it); other periods get the minimum.
    """
    smic = smic_in_force(date_debut_contrat, table=smic_table, mayotte=mayotte)
    smc_value = to_decimal(smc)
    chosen = dict(taux or {})
    periods: list[RemunerationPeriod] = []
    for number, start, end in contract_years(date_debut_contrat, date_fin_contrat):
        for index, (p_start, p_end, age) in enumerate(split_year(date_naissance, start, end), start=1):
            ordre = f"{number}.{index}"
            rate_min = minimum_rate(age, number)
            rate = to_decimal(chosen.get(ordre))
            rate = Decimal(rate_min) if rate is None else rate
            use_smc = age >= 21 and smc_value is not None and smic is not None and smc_value > smic
            base = smc_value if use_smc else smic
            periods.append(
                RemunerationPeriod(
                    ordre=ordre,
                    date_debut=p_start,
                    date_fin=p_end,
                    contract_year=number,
                    age=age,
                    taux_minimal=rate_min,
                    taux=rate,
                    type_salaire=TYPE_SMC if use_smc else TYPE_SMIC,
                    base=base,
                    salaire_brut=salaire_brut(base, rate) if base is not None else None,
                )
            )
    return tuple(periods)


def minimum_rate_between(periods: Sequence[RemunerationPeriod], start: date, end: date) -> RemunerationPeriod | None:
    """The computed period with the highest minimum rate overlapping ``start`` … ``end``."""
    overlapping = [p for p in periods if p.date_debut <= end and p.date_fin >= start]
    return max(overlapping, key=lambda p: p.taux_minimal) if overlapping else None
