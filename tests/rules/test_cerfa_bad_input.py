"""Whatever a user or a client types into a CERFA field, the rules answer with French problems, never an
exception: 5 000-digit numbers, years 0001 or 9999, superscript digits, non-text SIRETs."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from rules.cerfa import check_draft, check_transmission_minimum, example_payload, summary, validate_cerfa
from rules.cerfa_rules import as_int
from rules.cerfa_schema import FIELDS, parse_date
from rules.identifiers import luhn_complete
from rules.referentiels import CODE_LISTS

TODAY = date(2026, 12, 1)
SIRET = luhn_complete(luhn_complete("12345678") + "0001")
ABSURD = ("9" * 5000, "0001-01-01", "9999-12-31", "--5", "²", "\x00", "x" * 5000, True, 10**30, 1e308)


def _set(payload: dict, path: str, value) -> dict:
    node = payload
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return payload


@pytest.mark.parametrize("value", ABSURD, ids=repr)
def test_no_value_in_any_field_raises(value):
    base = example_payload(SIRET, SIRET, TODAY)
    for path in FIELDS:
        payload = _set(copy.deepcopy(base), path, value)
        verdict = validate_cerfa(payload, today=TODAY)
        check_transmission_minimum(payload, today=TODAY, complete=True)
        summary(payload)
        assert isinstance(verdict.problems, tuple)


def test_huge_numbers_are_not_numbers_and_say_so_in_french():
    payload = _set(example_payload(SIRET, SIRET, TODAY), "contrat.dureeTravailHebdoHeures", "9" * 5000)
    payload = _set(payload, "contrat.typeContratApp", "1" * 5000)

    problems = {p.field: p.message for p in validate_cerfa(payload, today=TODAY).problems}

    assert problems["contrat.dureeTravailHebdoHeures"] == "Un nombre entier est attendu."
    assert problems["contrat.typeContratApp"].startswith("La valeur « 1111")
    assert as_int("--5") is None and as_int("²") is None and as_int("-12") == -12 and as_int(" 35 ") == 35
    assert CODE_LISTS["typeContratApp"].normalise("²") is None


def test_years_out_of_any_contract_are_invalid_dates():
    payload = _set(example_payload(SIRET, SIRET, TODAY), "contrat.dateDebutContrat", "0001-01-01")
    payload = _set(payload, "contrat.dateFinContrat", "9999-12-31")

    problems = {p.field: p.message for p in validate_cerfa(payload, today=TODAY).problems}

    assert problems["contrat.dateDebutContrat"] == "La date est invalide (format attendu : aaaa-mm-jj)."
    assert problems["contrat.dateFinContrat"] == "La date est invalide (format attendu : aaaa-mm-jj)."
    assert parse_date("2026-09-01") == date(2026, 9, 1)


def test_a_siret_that_is_not_text_is_refused_not_crashed_on():
    problems = check_draft({"employeur": {"siret": 12345678900011}, "organismeFormation": {"siret": True}})

    assert [(p.field, p.message) for p in problems] == [
        ("employeur.siret", "Le SIRET doit comporter exactement 14 chiffres."),
        ("organismeFormation.siret", "Le SIRET doit comporter exactement 14 chiffres."),
    ]
