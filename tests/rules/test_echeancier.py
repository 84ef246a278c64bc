"""The échéancier of an apprenticeship contract's NPEC, to the cent (rules/echeancier.py).

The worked examples are written out by hand in each test's docstring: the regulation (R6332-25,
décret 2025-585) gives the percentages and the prorata rules, not full examples; where a public
example exists (a contract of 12 months and 3 days prorated on 3/365 of the annual NPEC), it is used.
"""

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.echeancier import (
    Regime,
    Statut,
    annees_execution,
    check_ligne,
    echeancier,
    echeancier_du_contrat,
    engagement,
    months_started,
    participation_employeur,
    statut,
)


def rows(e):
    return [(x.codification, x.date_ouverture, x.montant) for x in e.echeances]


# --- Before 1 July 2025: 40 / 30 / 30 per year, every month started is due --------------------------


def test_two_years_before_the_reform():
    """8 000 €/an, 1/9/2024 → 31/8/2026: per year 40 % (3 200) month 1, 30 % (2 400) month 7 and
    30 % (2 400) month 10."""
    e = echeancier(
        montant_annuel=D("8000"),
        date_conclusion=date(2024, 8, 20),
        date_debut=date(2024, 9, 1),
        date_fin=date(2026, 8, 31),
    )
    assert e.regime is Regime.AVANT_2025 and e.engagement == D("16000.00")
    assert rows(e) == [
        ("E1", date(2024, 9, 1), D("3200.00")),
        ("E2", date(2025, 3, 1), D("2400.00")),
        ("E3", date(2025, 6, 1), D("2400.00")),
        ("E4", date(2025, 9, 1), D("3200.00")),
        ("E5", date(2026, 3, 1), D("2400.00")),
        ("E6", date(2026, 6, 1), D("2400.00")),
    ]


def test_thirteen_months_before_the_reform():
    """13 months: a full year (3 200 + 2 400 + 2 400) and one month started of the second year,
    8 000 × 1/12 = 666,666… → 666,67 €, in one instalment (a year of one month)."""
    e = echeancier(
        montant_annuel=D("8000"),
        date_conclusion=date(2024, 8, 20),
        date_debut=date(2024, 9, 1),
        date_fin=date(2025, 9, 30),
    )
    assert e.engagement == D("8666.67")
    assert rows(e)[-1] == ("E4", date(2025, 9, 1), D("666.67"))
    assert e.total_echeances == D("8666.67")


def test_under_a_year_before_the_reform_is_50_percent_then_the_balance():
    """8 months started of 6 000 €/an: 4 000 €, 50 % (2 000) in month 1, the balance in month 8."""
    e = echeancier(
        montant_annuel=D("6000"),
        date_conclusion=date(2025, 1, 10),
        date_debut=date(2025, 1, 15),
        date_fin=date(2025, 9, 1),
    )
    assert months_started(date(2025, 1, 15), date(2025, 9, 1)) == 8
    assert rows(e) == [("E1", date(2025, 1, 15), D("2000.00")), ("E2", date(2025, 8, 15), D("2000.00"))]


def test_every_month_started_is_due():
    """One day into a new month counts the month: 15/1 → 15/2 is two months started."""
    assert engagement(
        D("1200"), date_conclusion=date(2025, 1, 1), date_debut=date(2025, 1, 15), date_fin=date(2025, 2, 15)
    ) == D("200.00")
    assert engagement(
        D("1200"), date_conclusion=date(2025, 1, 1), date_debut=date(2025, 1, 15), date_fin=date(2025, 2, 14)
    ) == D("100.00")


# --- From 1 July 2025 (décret 2025-585): daily prorata, 40 / 30 / 20 / 10 ---------------------------


def test_twelve_months_and_three_days_are_paid_on_368_days():
    """The public example: 12 months and 3 days → the annual NPEC plus 3/365 of it.
    9 000 + 9 000 × 3 / 365 = 9 000 + 73,97 = 9 073,97 €."""
    e = echeancier(
        montant_annuel=D("9000"),
        date_conclusion=date(2025, 8, 1),
        date_debut=date(2025, 9, 1),
        date_fin=date(2026, 9, 3),
    )
    years = annees_execution(date(2025, 9, 1), date(2026, 9, 3), Regime.DECRET_2025)
    assert [(y.jours, y.jours_annee) for y in years] == [(365, 365), (3, 365)]
    assert e.engagement == D("9073.97")


def test_thirteen_months_after_the_reform():
    """8 000 €/an, 1/9/2025 → 30/9/2026. Year 1: 3 200 (month 1), 2 400 (month 7), 1 600 (month 10) and
    the 800 balance after service fait, opened with the next year's advance (1/9/2026). Year 2: 30/365 of
    8 000 = 657,53 € (engagement 8 657,534… → 8 657,53): 40 % = 263,01 €, balance 394,52 € on 1/10/2026."""
    e = echeancier(
        montant_annuel=D("8000"),
        date_conclusion=date(2025, 8, 20),
        date_debut=date(2025, 9, 1),
        date_fin=date(2026, 9, 30),
    )
    assert e.regime is Regime.DECRET_2025 and e.engagement == D("8657.53")
    assert rows(e) == [
        ("E1", date(2025, 9, 1), D("3200.00")),
        ("E2", date(2026, 3, 1), D("2400.00")),
        ("E3", date(2026, 6, 1), D("1600.00")),
        ("E4", date(2026, 9, 1), D("800.00")),
        ("E5", date(2026, 9, 1), D("263.01")),
        ("E6", date(2026, 10, 1), D("394.52")),
    ]
    solde = e.echeances[3]
    assert (solde.nature, solde.date_debut, solde.date_fin) == ("solde", date(2025, 9, 1), date(2026, 8, 31))


def test_thirty_six_months_level_6_deducts_750_from_the_first_instalment():
    """9 000 €/an over 3 years, a level-6 certification: engagement 27 000 €, the employer's 750 € come
    off E1 (3 600 → 2 850); the twelve échéances sum to 26 250 €."""
    e = echeancier_du_contrat(
        montant_annuel=D("9000"),
        date_conclusion=date(2025, 8, 20),
        date_debut=date(2025, 9, 1),
        date_fin=date(2028, 8, 31),
        niveau_certification=6,
        type_contrat=11,
    )
    assert (e.engagement, e.participation, len(e.echeances)) == (D("27000.00"), D("750.00"), 12)
    assert [x.montant for x in e.echeances[:4]] == [D("2850.00"), D("2700.00"), D("1800.00"), D("900.00")]
    assert e.echeances[-1].date_ouverture == date(2028, 9, 1)
    assert e.total_echeances == D("26250.00")


def test_a_new_employer_after_a_rupture_owes_200():
    e = echeancier_du_contrat(
        montant_annuel=D("9000"),
        date_conclusion=date(2025, 8, 20),
        date_debut=date(2025, 9, 1),
        date_fin=date(2026, 8, 31),
        niveau_certification=7,
        type_contrat=23,
    )
    assert e.participation == D("200.00") and e.echeances[0].montant == D("3400.00")


def test_no_participation_below_level_6_or_before_the_reform():
    common = {"date_debut_pratique": date(2025, 9, 1), "type_contrat": 11}
    assert participation_employeur(date_conclusion=date(2025, 8, 1), niveau_certification=5, **common) == 0
    assert participation_employeur(date_conclusion=date(2025, 6, 30), niveau_certification=7, **common) == 0
    assert participation_employeur(date_conclusion=date(2025, 7, 1), niveau_certification=6, **common) == 750


# --- Ruptures --------------------------------------------------------------------------------------


def test_rupture_at_day_40_after_the_reform():
    """9 000 €/an, 2 years from 1/9/2025, broken on 10/10/2025 (day 40): engagement 9 000 × 40/365 =
    986,30 €. Level 6 and within the 45 days of practical training: the participation is 50 % of it,
    493,15 €. E1 (planned 3 600) is capped at 986,30 and bears the participation: 493,15 €."""
    e = echeancier_du_contrat(
        montant_annuel=D("9000"),
        date_conclusion=date(2025, 8, 20),
        date_debut=date(2025, 9, 1),
        date_fin=date(2027, 8, 31),
        niveau_certification=6,
        type_contrat=11,
        date_rupture=date(2025, 10, 10),
    )
    assert (e.engagement, e.participation) == (D("986.30"), D("493.15"))
    assert rows(e) == [("E1", date(2025, 9, 1), D("493.15"))]
    assert e.echeances[0].date_fin == date(2025, 10, 10)


def test_rupture_at_month_8_after_the_reform():
    """Broken on 30/4/2026: 242 days, 9 000 × 242/365 = 5 967,12 €. E1 (3 600) and E2 (2 700, opened on
    1/3/2026) were open: E2 is capped at 5 967,12 − 3 600 = 2 367,12; nothing is left for a balance.
    Level 6 beyond the 45 days: 750 € off E1 → 2 850 €; total 5 217,12 €."""
    e = echeancier_du_contrat(
        montant_annuel=D("9000"),
        date_conclusion=date(2025, 8, 20),
        date_debut=date(2025, 9, 1),
        date_fin=date(2027, 8, 31),
        niveau_certification=6,
        type_contrat=11,
        date_rupture=date(2026, 4, 30),
    )
    assert (e.engagement, e.participation) == (D("5967.12"), D("750.00"))
    assert rows(e) == [("E1", date(2025, 9, 1), D("2850.00")), ("E2", date(2026, 3, 1), D("2367.12"))]


def test_rupture_leaves_a_balance_when_the_open_instalments_do_not_reach_the_prorata():
    """Level 4, broken on 31/5/2026 (273 days): 9 000 × 273/365 = 6 731,51 €; E1 3 600 + E2 2 700 =
    6 300, the 431,51 € left are a balance opened the day after the rupture."""
    e = echeancier(
        montant_annuel=D("9000"),
        date_conclusion=date(2025, 8, 20),
        date_debut=date(2025, 9, 1),
        date_fin=date(2027, 8, 31),
        date_rupture=date(2026, 5, 31),
    )
    assert rows(e) == [
        ("E1", date(2025, 9, 1), D("3600.00")),
        ("E2", date(2026, 3, 1), D("2700.00")),
        ("E3", date(2026, 6, 1), D("431.51")),
    ]


def test_ruptures_before_the_reform_count_months_started():
    """9 000 €/an from 1/9/2024. Day 40 (10/10/2024): 2 months started, 1 500 €, all in E1.
    Month 8 (30/4/2025): 8 months, 6 000 €: E1 3 600 and E2 capped at 2 400."""
    common = {
        "montant_annuel": D("9000"),
        "date_conclusion": date(2024, 8, 20),
        "date_debut": date(2024, 9, 1),
        "date_fin": date(2026, 8, 31),
    }
    assert rows(echeancier(**common, date_rupture=date(2024, 10, 10))) == [("E1", date(2024, 9, 1), D("1500.00"))]
    assert rows(echeancier(**common, date_rupture=date(2025, 4, 30))) == [
        ("E1", date(2024, 9, 1), D("3600.00")),
        ("E2", date(2025, 3, 1), D("2400.00")),
    ]


def test_avenant_changing_the_end_date():
    """2 years from 1/9/2025 extended to 31/12/2027: the third year of execution (1/9/2027 → 31/8/2028)
    has 366 days; 122 of them are covered: 9 000 × 122/366 = 3 000 €. E9 advance 1 200 €, the 1 800 €
    balance opens on 1/1/2028."""
    common = {"montant_annuel": D("9000"), "date_conclusion": date(2025, 8, 20), "date_debut": date(2025, 9, 1)}
    before = echeancier(**common, date_fin=date(2027, 8, 31))
    after = echeancier(**common, date_fin=date(2027, 12, 31))
    assert rows(after)[:8] == rows(before)
    assert after.engagement == D("21000.00")
    assert rows(after)[8:] == [("E9", date(2027, 9, 1), D("1200.00")), ("E10", date(2028, 1, 1), D("1800.00"))]


# --- Status and the invoice check -----------------------------------------------------------------


def test_statut_of_an_echeance():
    today = date(2026, 3, 15)
    common = {"total": D("100"), "ouverture": date(2026, 3, 1), "today": today}
    assert statut(regle=D("0"), en_instruction=D("0"), **common) is Statut.A_FACTURER
    assert statut(regle=D("0"), en_instruction=D("0"), **{**common, "ouverture": date(2026, 4, 1)}) is Statut.A_VENIR
    assert statut(regle=D("0"), en_instruction=D("40"), **common) is Statut.EN_INSTRUCTION
    assert statut(regle=D("40"), en_instruction=D("0"), **common) is Statut.PARTIELLEMENT_PAYEE
    assert statut(regle=D("100"), en_instruction=D("0"), **common) is Statut.PAYEE
    assert Statut.EN_INSTRUCTION.label == "En instruction OPCO" and Statut.A_FACTURER.label == "À facturer"


def test_a_line_above_the_rest_or_before_the_opening_is_refused_with_the_reason():
    common = {"total": D("3200"), "regle": D("0"), "en_instruction": D("1000"), "ouverture": date(2026, 3, 1)}
    assert check_ligne(montant=D("2200"), today=date(2026, 3, 1), **common) is None
    assert check_ligne(montant=D("2200.01"), today=date(2026, 3, 1), **common) == (
        "montant",
        "Le montant dépasse le reste à facturer de l'échéance (2 200,00 €).",
    )
    assert check_ligne(montant=D("10"), today=date(2026, 2, 28), **common) == (
        "echeance",
        "Cette échéance ne peut être facturée qu'à partir du 01/03/2026.",
    )


# --- Properties ----------------------------------------------------------------------------------

contracts = st.tuples(
    st.dates(min_value=date(2023, 1, 1), max_value=date(2027, 12, 31)),  # conclusion
    st.integers(min_value=0, max_value=60),  # days from conclusion to start
    st.integers(min_value=180, max_value=4 * 365 + 200),  # length in days
    st.decimals(min_value=D("1000"), max_value=D("30000"), places=2),
    st.sampled_from([None, 3, 4, 5, 6, 7, 8]),
    st.sampled_from([11, 21, 22, 23]),
)


@settings(max_examples=300, deadline=None)
@given(contracts, st.floats(min_value=0, max_value=1))
def test_the_echeances_sum_to_the_engagement_minus_the_participation(contract, cut):
    conclusion, delay, length, annual, niveau, kind = contract
    debut = conclusion + timedelta(days=delay)
    fin = debut + timedelta(days=length)
    rupture = debut + timedelta(days=int(length * cut)) if cut < 0.9 else None
    e = echeancier_du_contrat(
        montant_annuel=annual,
        date_conclusion=conclusion,
        date_debut=debut,
        date_fin=fin,
        niveau_certification=niveau,
        type_contrat=kind,
        date_rupture=rupture,
    )
    assert e.total_echeances == e.engagement - e.participation
    assert all(x.montant > 0 for x in e.echeances)
    assert [x.numero for x in e.echeances] == list(range(1, len(e.echeances) + 1))
    assert [x.date_ouverture for x in e.echeances] == sorted(x.date_ouverture for x in e.echeances)
    assert e.engagement <= engagement(annual, date_conclusion=conclusion, date_debut=debut, date_fin=fin)


@settings(max_examples=300, deadline=None)
@given(contracts, st.integers(min_value=0, max_value=4 * 365), st.integers(min_value=1, max_value=400))
def test_a_later_rupture_never_pays_less(contract, first, later):
    """What the CFA is paid for the contract (the OPCO's échéances plus the employer's participation)
    never decreases when the rupture comes later. (The OPCO's part alone may: past the 45 days the
    employer's participation jumps from 50 % of the prorata to the 750 € flat amount.)"""
    conclusion, delay, length, annual, niveau, kind = contract
    debut = conclusion + timedelta(days=delay)
    fin = debut + timedelta(days=length)
    r1 = debut + timedelta(days=min(first, length))
    r2 = min(r1 + timedelta(days=later), fin)
    common = {
        "montant_annuel": annual,
        "date_conclusion": conclusion,
        "date_debut": debut,
        "date_fin": fin,
        "niveau_certification": niveau,
        "type_contrat": kind,
    }
    e1 = echeancier_du_contrat(**common, date_rupture=r1)
    e2 = echeancier_du_contrat(**common, date_rupture=r2)
    assert e1.total_echeances + e1.participation <= e2.total_echeances + e2.participation
