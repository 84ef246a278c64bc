from datetime import date

import pytest

from rules import formats
from rules.cerfa_dates import add_months, age_on, lasts_at_least, lasts_at_most, months_covered


def ok(check, value):
    return check(value, field="f") == []


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("MARTIN", True), ("Léa", True), ("N'Diaye", True), ("D’Artagnan", True), ("Jean-Éloi", True),
        ("de la Tour", True), ("Ångström", True), ("R2D2", False), ("Martin!", False), ("--", False),
        ("A" * 80, True), ("A" * 81, False), (42, False),
    ],
)  # fmt: skip
def test_names(value, valid):
    assert ok(formats.check_name, value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("92310", True), ("97600", True), ("2A004", False), ("9231", False), ("923100", False), (" 75011 ", True)],
)
def test_postal_codes(value, valid):
    assert ok(formats.check_postal_code, value) is valid


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("01 23 45 67 89", "+33123456789"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033612345678", "+33612345678"),
        ("+262 262 12 34 56", "+262262123456"),
        ("+33 06 12 34 56 78", None),
        ("0012345", None),
        ("612345678", None),
        ("01234567890", None),
        ("+33 6 12 34 56", None),
    ],
)
def test_phones(value, normalised):
    assert formats.normalise_phone(value) == normalised
    assert ok(formats.check_phone, value) is (normalised is not None)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("lea.martin@exemple.fr", True), ("a+b@sous.domaine.gouv.fr", True), ("lea@exemple", False),
        ("lea.exemple.fr", False), ("lea@@exemple.fr", False), ("léa@exemple.fr", False),
        ("a" * 69 + "@exemple.fr", True), ("a" * 70 + "@exemple.fr", False),
    ],
)  # fmt: skip
def test_emails(value, valid):
    assert ok(formats.check_email, value) is valid


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("4932Z", "4932Z"), ("49.32z", "4932Z"), ("0111Z", "0111Z"), ("493Z", None), ("4932", None), ("49.32ZZ", None)],
)
def test_naf(value, normalised):
    assert formats.normalise_naf(value) == normalised


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("1090", "1090"), ("16", "0016"), (16, "0016"), ("9999", "9999"), ("9998", "9998"), ("0000", None),
     ("12345", None), ("16a", None), (True, None)],
)  # fmt: skip
def test_idcc(value, normalised):
    assert formats.normalise_idcc(value) == normalised


@pytest.mark.parametrize(
    ("value", "normalised"),
    [("RNCP36542", "RNCP36542"), ("36542", "RNCP36542"), ("rncp 123", "RNCP123"), ("RNCP12", None),
     ("RNCP123456", None), ("RS1234", None)],
)  # fmt: skip
def test_rncp(value, normalised):
    assert formats.normalise_rncp(value) == normalised


@pytest.mark.parametrize(
    ("value", "valid"),
    [("50022137", True), ("32031213", True), ("4003120A", True), ("50022137T", True), ("5002213", False),
     ("500ABC37", False), ("50022137TT", False)],
)  # fmt: skip
def test_code_diplome(value, valid):
    assert ok(formats.check_code_diplome, value) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [("02B202212000000", True), ("075202409000123", True), ("0752024090NC123"[:15], False),
     ("07520240 9NC0123".replace(" ", ""), True), ("971202401000001", True), ("075202413000123", False),
     ("75202409000123", False), ("175202409000123", False)],
)  # fmt: skip
def test_numero_deca(value, valid):
    assert ok(formats.check_numero_deca, value) is valid


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 27), -3, date(2026, 8, 27)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2010, 11, 27), date(2026, 11, 26), 15),
        (date(2010, 11, 27), date(2026, 11, 27), 16),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


@pytest.mark.parametrize(
    ("start", "end", "at_least_6", "months"),
    [
        (date(2026, 9, 1), date(2027, 2, 27), False, 5),  # 5 months and 27 days
        (date(2026, 9, 1), date(2027, 2, 28), True, 6),  # exactly 6 months
        (date(2026, 11, 27), date(2027, 5, 25), False, 5),  # 5 months and 30 days
        (date(2026, 11, 27), date(2027, 5, 26), True, 6),
        (date(2026, 8, 31), date(2027, 2, 27), True, 6),  # month end: 31/08 + 6 months = 28/02
        (date(2026, 8, 31), date(2027, 2, 26), False, 5),
    ],
)
def test_durations(start, end, at_least_6, months):
    assert lasts_at_least(start, end, 6) is at_least_6
    assert months_covered(start, end) == months


def test_lasts_at_most():
    assert lasts_at_most(date(2026, 11, 27), date(2031, 5, 26), 54)
    assert not lasts_at_most(date(2026, 11, 27), date(2031, 5, 27), 54)
