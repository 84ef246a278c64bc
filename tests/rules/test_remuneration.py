"""Minimum pay, worked out by hand to the cent (grid D6222-26, birthday rule D6222-34)."""

from datetime import date
from decimal import Decimal

import pytest

from rules.remuneration import (
    SMIC_REFERENCE,
    SmicValue,
    age_bracket,
    contract_years,
    minimum_rate,
    remuneration_periods,
    salaire_brut,
    smic_in_force,
)

D = Decimal


def rows(periods):
    return [(p.ordre, p.date_debut, p.date_fin, p.age, p.taux_minimal, p.type_salaire, p.salaire_brut) for p in periods]


@pytest.mark.parametrize(
    ("age", "year", "rate"),
    [
        (15, 1, 27), (17, 1, 27), (18, 1, 43), (20, 1, 43), (21, 1, 53), (25, 1, 53), (26, 1, 100),
        (17, 2, 39), (18, 2, 51), (21, 2, 61), (30, 2, 100),
        (17, 3, 55), (20, 3, 67), (25, 3, 78),
        (17, 4, 55), (19, 4, 67), (22, 4, 78), (26, 4, 100),
        (19, 5, 67),  # a 5th year (54-month contract) keeps the 4th year's rates
    ],
)  # fmt: skip
def test_grid(age, year, rate):
    assert minimum_rate(age, year) == rate


@pytest.mark.parametrize(("age", "bracket"), [(17, 0), (18, 1), (20, 1), (21, 2), (25, 2), (26, 3)])
def test_brackets(age, bracket):
    assert age_bracket(age) == bracket


@pytest.mark.parametrize(
    ("on", "mayotte", "expected"),
    [
        (date(2022, 12, 31), False, None),
        (date(2023, 1, 1), False, D("1709.28")),
        (date(2023, 4, 30), False, D("1709.28")),
        (date(2023, 5, 1), False, D("1747.20")),
        (date(2024, 1, 1), False, D("1766.92")),
        (date(2024, 10, 31), False, D("1766.92")),
        (date(2024, 11, 1), False, D("1801.80")),
        (date(2025, 12, 31), False, D("1801.80")),
        (date(2026, 1, 1), False, D("1823.03")),
        (date(2023, 1, 1), True, D("1290.68")),
        (date(2023, 5, 1), True, D("1319.50")),
        (date(2024, 1, 1), True, D("1334.67")),
        (date(2024, 11, 1), True, D("1361.97")),
        (date(2026, 1, 1), True, D("1415.05")),
    ],
)
def test_smic_in_force(on, mayotte, expected):
    assert smic_in_force(on, mayotte=mayotte) == expected


def test_the_smic_table_is_data():
    table = (*SMIC_REFERENCE, SmicValue(date(2027, 1, 1), D("12.30"), D("1865.54"), D("9.60"), D("1456.03")))
    assert smic_in_force(date(2027, 3, 1), table=table) == D("1865.54")
    assert smic_in_force(date(2027, 3, 1)) == D("1823.03")


@pytest.mark.parametrize(
    ("base", "taux", "expected"),
    [
        (D("1801.80"), 27, D("486.49")),  # 486.486
        (D("1801.80"), 43, D("774.78")),  # 774.774
        (D("1766.92"), 27, D("477.07")),  # 477.0684
        (D("1823.03"), 53, D("966.21")),  # 966.2059
        (D("1823.03"), 100, D("1823.03")),
        (D("1900.00"), 53, D("1007.00")),  # exact: no rounding
        (D("1823.03"), "60.5", D("1102.94")),  # 1102.93315
        (D("1709.28"), 39, D("666.62")),  # 666.6192
    ],
)
def test_salaire_brut_is_rounded_up_to_the_cent(base, taux, expected):
    assert salaire_brut(base, taux) == expected


def test_contract_years_run_anniversary_to_anniversary():
    assert contract_years(date(2026, 9, 7), date(2028, 8, 31)) == [
        (1, date(2026, 9, 7), date(2027, 9, 6)),
        (2, date(2027, 9, 7), date(2028, 8, 31)),
    ]


def test_birthday_inside_a_year_splits_it_from_the_first_of_the_next_month():
    # Born 15/03/2008: 17 at the start, 18 on 15/03/2026 -> 43 % from 01/04/2026. SMIC 1 801,80.
    periods = remuneration_periods(
        date_naissance=date(2008, 3, 15), date_debut_contrat=date(2025, 9, 1), date_fin_contrat=date(2027, 8, 31)
    )
    assert rows(periods) == [
        ("1.1", date(2025, 9, 1), date(2026, 3, 31), 17, 27, "SMIC", D("486.49")),
        ("1.2", date(2026, 4, 1), date(2026, 8, 31), 18, 43, "SMIC", D("774.78")),
        ("2.1", date(2026, 9, 1), date(2027, 8, 31), 18, 51, "SMIC", D("918.92")),
    ]


def test_no_split_when_the_birthday_falls_in_the_month_that_ends_the_year():
    # Born 10/08/2007, 18 on 10/08/2025, the year ends 31/08/2025. SMIC 1 766,92.
    periods = remuneration_periods(
        date_naissance=date(2007, 8, 10), date_debut_contrat=date(2024, 9, 1), date_fin_contrat=date(2025, 8, 31)
    )
    assert rows(periods) == [("1.1", date(2024, 9, 1), date(2025, 8, 31), 17, 27, "SMIC", D("477.07"))]


def test_birthday_in_the_month_before_the_end_still_splits():
    periods = remuneration_periods(
        date_naissance=date(2007, 7, 31), date_debut_contrat=date(2024, 9, 1), date_fin_contrat=date(2025, 8, 31)
    )
    assert rows(periods) == [
        ("1.1", date(2024, 9, 1), date(2025, 7, 31), 17, 27, "SMIC", D("477.07")),
        ("1.2", date(2025, 8, 1), date(2025, 8, 31), 18, 43, "SMIC", D("759.78")),  # 759.7756
    ]


def test_a_contract_starting_on_the_birthday_takes_the_new_age_from_day_one():
    periods = remuneration_periods(
        date_naissance=date(2005, 10, 1), date_debut_contrat=date(2026, 10, 1), date_fin_contrat=date(2028, 9, 30)
    )
    assert rows(periods) == [
        ("1.1", date(2026, 10, 1), date(2027, 9, 30), 21, 53, "SMIC", D("966.21")),
        ("2.1", date(2027, 10, 1), date(2028, 9, 30), 22, 61, "SMIC", D("1112.05")),
    ]


def test_a_birthday_the_day_after_the_start_splits_the_first_year():
    periods = remuneration_periods(
        date_naissance=date(2005, 10, 2), date_debut_contrat=date(2026, 10, 1), date_fin_contrat=date(2028, 9, 30)
    )
    assert rows(periods) == [
        ("1.1", date(2026, 10, 1), date(2026, 10, 31), 20, 43, "SMIC", D("783.91")),
        ("1.2", date(2026, 11, 1), date(2027, 9, 30), 21, 53, "SMIC", D("966.21")),
        ("2.1", date(2027, 10, 1), date(2028, 9, 30), 21, 61, "SMIC", D("1112.05")),
    ]


def test_four_years_crossing_18():
    # Born 20/12/2009, 16 at the start. SMIC 1 823,03 throughout.
    periods = remuneration_periods(
        date_naissance=date(2009, 12, 20), date_debut_contrat=date(2026, 9, 1), date_fin_contrat=date(2030, 8, 31)
    )
    assert rows(periods) == [
        ("1.1", date(2026, 9, 1), date(2027, 8, 31), 16, 27, "SMIC", D("492.22")),
        ("2.1", date(2027, 9, 1), date(2027, 12, 31), 17, 39, "SMIC", D("710.99")),
        ("2.2", date(2028, 1, 1), date(2028, 8, 31), 18, 51, "SMIC", D("929.75")),
        ("3.1", date(2028, 9, 1), date(2029, 8, 31), 18, 67, "SMIC", D("1221.44")),
        ("4.1", date(2029, 9, 1), date(2030, 8, 31), 19, 67, "SMIC", D("1221.44")),
    ]


def test_smc_is_the_base_from_21_when_higher_than_the_smic():
    periods = remuneration_periods(
        date_naissance=date(2006, 6, 15),
        date_debut_contrat=date(2026, 9, 1),
        date_fin_contrat=date(2027, 8, 31),
        smc="1900.00",
    )
    assert rows(periods) == [
        ("1.1", date(2026, 9, 1), date(2027, 6, 30), 20, 43, "SMIC", D("783.91")),
        ("1.2", date(2027, 7, 1), date(2027, 8, 31), 21, 53, "SMC", D("1007.00")),
    ]


def test_a_lower_smc_leaves_the_smic_as_base():
    periods = remuneration_periods(
        date_naissance=date(2004, 1, 20),
        date_debut_contrat=date(2026, 9, 1),
        date_fin_contrat=date(2027, 8, 31),
        smc=1800,
    )
    assert rows(periods) == [("1.1", date(2026, 9, 1), date(2027, 8, 31), 22, 53, "SMIC", D("966.21"))]


def test_26_and_over_earn_at_least_the_smic_or_the_smc():
    periods = remuneration_periods(
        date_naissance=date(1995, 5, 5),
        date_debut_contrat=date(2026, 9, 1),
        date_fin_contrat=date(2027, 8, 31),
        smc="1950.50",
    )
    assert rows(periods) == [("1.1", date(2026, 9, 1), date(2027, 8, 31), 31, 100, "SMC", D("1950.50"))]


def test_mayotte_has_its_own_smic():
    periods = remuneration_periods(
        date_naissance=date(2007, 1, 10),
        date_debut_contrat=date(2026, 2, 1),
        date_fin_contrat=date(2027, 1, 31),
        mayotte=True,
    )
    assert rows(periods) == [("1.1", date(2026, 2, 1), date(2027, 1, 31), 19, 43, "SMIC", D("608.48"))]


def test_the_smic_in_force_at_the_start_of_the_contract_is_the_base():
    # Started in October 2024: the November 2024 increase is not applied by the pay table.
    periods = remuneration_periods(
        date_naissance=date(2006, 1, 1), date_debut_contrat=date(2024, 10, 1), date_fin_contrat=date(2025, 9, 30)
    )
    assert rows(periods) == [("1.1", date(2024, 10, 1), date(2025, 9, 30), 18, 43, "SMIC", D("759.78"))]


def test_born_on_29_february_gets_older_on_1_march():
    periods = remuneration_periods(
        date_naissance=date(2008, 2, 29), date_debut_contrat=date(2025, 9, 1), date_fin_contrat=date(2026, 8, 31)
    )
    assert [(p.ordre, p.date_debut, p.date_fin) for p in periods] == [
        ("1.1", date(2025, 9, 1), date(2026, 3, 31)),
        ("1.2", date(2026, 4, 1), date(2026, 8, 31)),
    ]


def test_a_raised_rate_is_kept_and_priced():
    periods = remuneration_periods(
        date_naissance=date(2006, 1, 1),
        date_debut_contrat=date(2026, 9, 1),
        date_fin_contrat=date(2027, 8, 31),
        taux={"1.1": 60},
    )
    assert (periods[0].taux, periods[0].taux_minimal, periods[0].salaire_brut) == (D(60), 43, D("1093.82"))


def test_a_54_month_contract_has_a_fifth_year():
    periods = remuneration_periods(
        date_naissance=date(2000, 1, 1), date_debut_contrat=date(2026, 9, 1), date_fin_contrat=date(2031, 2, 28)
    )
    assert [(p.ordre, p.taux_minimal) for p in periods] == [
        ("1.1", 100), ("2.1", 100), ("3.1", 100), ("4.1", 100), ("5.1", 100)
    ]  # fmt: skip
    assert periods[-1].date_fin == date(2031, 2, 28)


def test_no_smic_known_gives_no_amount():
    periods = remuneration_periods(
        date_naissance=date(2004, 1, 1), date_debut_contrat=date(2022, 9, 1), date_fin_contrat=date(2023, 8, 31)
    )
    assert periods[0].salaire_brut is None and periods[0].taux_minimal == 43


def test_as_payload_is_json_ready():
    period = remuneration_periods(
        date_naissance=date(2008, 3, 15), date_debut_contrat=date(2025, 9, 1), date_fin_contrat=date(2026, 8, 31)
    )[0]
    assert period.as_payload() == {
        "ordre": "1.1",
        "dateDebut": "2025-09-01",
        "dateFin": "2026-03-31",
        "taux": 27,
        "tauxMinimal": 27,
        "typeSalaire": "SMIC",
        "salaireBrut": 486.49,
    }
