from datetime import date

import pytest

from rules import nir

# A woman born in May 1999 in Paris (75), commune 056, order 123.
BODY = "2990575056123"
FULL = nir.complete(BODY)


def messages(problems):
    return [p.message for p in problems]


def test_a_consistent_nir_passes():
    assert nir.check_nir(FULL, field="apprenti.nir", sexe="F", date_naissance=date(1999, 5, 3), departement="75") == []
    assert nir.check_nir(BODY, field="apprenti.nir", sexe="F", date_naissance=date(1999, 5, 3), departement="75") == []


def test_spaces_are_ignored_and_empty_is_fine_when_optional():
    spaced = " ".join([FULL[0], FULL[1:3], FULL[3:5], FULL[5:7], FULL[7:10], FULL[10:13], FULL[13:]])
    assert nir.check_nir(spaced, field="n") == []
    assert nir.check_nir("", field="n") == []
    assert [p.code for p in nir.check_nir(None, field="n", required=True)] == ["obligatoire"]


@pytest.mark.parametrize(
    "value",
    ["299057505612", "29905750561234", "399057505612345", "2990075056123", "29905750561AB", "2990512A56123"],
)
def test_malformed_nirs_are_refused(value):
    problems = nir.check_nir(value, field="apprenti.nir")
    assert len(problems) == 1 and "13 caractères" in problems[0].message


def test_a_wrong_key_is_refused():
    wrong = BODY + f"{(nir.key_of(BODY) % 97) + 1:02d}"
    assert messages(nir.check_nir(wrong, field="apprenti.nir")) == [
        "La clé du NIR est erronée : vérifiez le numéro saisi."
    ]


@pytest.mark.parametrize(
    ("sexe", "naissance", "departement", "expected"),
    [
        ("M", date(1999, 5, 3), "75", "sexe"),
        ("F", date(2000, 5, 3), "75", "année"),
        ("F", date(1999, 6, 3), "75", "mois"),
        ("F", date(1999, 5, 3), "92", "département"),
    ],
)
def test_inconsistencies_are_named(sexe, naissance, departement, expected):
    problems = nir.check_nir(FULL, field="apprenti.nir", sexe=sexe, date_naissance=naissance, departement=departement)
    assert len(problems) == 1 and expected in problems[0].message and problems[0].code == "incoherent"


@pytest.mark.parametrize(
    ("body", "departement", "naissance"),
    [
        ("1050297105123", "971", date(2005, 2, 1)),  # Guadeloupe: département on 3 digits, commune on 2
        ("1050297611123", "976", date(2005, 2, 1)),  # Mayotte
        ("20502" + "2A004" + "123", "2A", date(2005, 2, 1)),
        ("20502" + "2B033" + "123", "2B", date(2005, 2, 1)),
        ("1050299134123", "99", date(2005, 2, 1)),  # born abroad (country code 134)
        ("1700220004123", "2A", date(1970, 2, 1)),  # Corsica before the 1976 split: former code 20
    ],
)
def test_overseas_corsica_and_abroad(body, departement, naissance):
    assert nir.check_nir(nir.complete(body), field="n", departement=departement, date_naissance=naissance) == []


def test_corsica_code_20_is_refused_after_1976():
    problems = nir.check_nir(
        nir.complete("1050220004123"), field="n", departement="2A", date_naissance=date(2005, 2, 1)
    )
    assert [p.code for p in problems] == ["incoherent"]


def test_overseas_nir_against_a_metropolitan_departement():
    problems = nir.check_nir(nir.complete("1050297105123"), field="n", departement="97")
    assert problems and "(971)" in problems[0].message


def test_unknown_birth_month_is_not_compared():
    body = "1053075056123"  # month 30: unknown month
    assert nir.check_nir(nir.complete(body), field="n", date_naissance=date(2005, 7, 1)) == []


def test_parse_gives_the_parts():
    parts = nir.parse("1050297105123")
    assert (parts.sex, parts.year, parts.month, parts.departement, parts.commune, parts.order, parts.key) == (
        "1",
        "05",
        "02",
        "971",
        "05",
        "123",
        None,
    )


def test_known_key():
    assert nir.complete("2550814168025") == "255081416802538"
