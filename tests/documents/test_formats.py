"""French formats: dates jj/mm/aaaa, amounts with a narrow no-break space, rates, yes/no."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from documents.formats import (
    NBSP,
    NNBSP,
    format_bool,
    format_date,
    format_montant,
    format_number,
    format_taux,
    normalize_spaces,
)


def test_dates_are_day_month_year():
    assert format_date(date(2005, 3, 14)) == "14/03/2005"
    assert format_date(datetime(2026, 11, 20, 23, 59)) == "20/11/2026"
    assert format_date(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("6795.83"), "6 795,83 €"),
        (6795.83, "6 795,83 €"),
        ("6795.83", "6 795,83 €"),
        (Decimal("0"), "0,00 €"),
        (Decimal("500"), "500,00 €"),
        (Decimal("713558.5"), "713 558,50 €"),
        (Decimal("1234567.891"), "1 234 567,89 €"),
        (Decimal("-1000"), "-1 000,00 €"),
        (Decimal("0.005"), "0,01 €"),
    ],
)
def test_amounts_in_french(value, expected):
    assert normalize_spaces(format_montant(value)) == expected


def test_amounts_use_no_break_spaces_consistently():
    text = format_montant(Decimal("6795.83"))

    assert text == f"6{NNBSP}795,83{NBSP}€"
    assert " " not in text  # never a breakable space inside an amount


def test_missing_or_invalid_amounts_are_blank():
    assert format_montant(None) == ""
    assert format_montant("") == ""
    assert format_montant("abc") == ""


def test_numbers_and_rates():
    assert normalize_spaces(format_number(1350, 0)) == "1 350"
    assert normalize_spaces(format_taux(53)) == "53 %"
    assert normalize_spaces(format_taux("53.5")) == "53,5 %"
    assert format_taux(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"), [(True, "Oui"), (False, "Non"), ("true", "Oui"), ("non", "Non"), (None, ""), (1, "Oui")]
)
def test_yes_no(value, expected):
    assert format_bool(value) == expected
