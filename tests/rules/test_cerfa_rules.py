"""The CERFA rules at their boundaries, on a complete valid payload changed one field at a time.

Reference payload (``example_payload`` on 20/11/2026): signed 20/11/2026, contract 27/11/2026 →
26/11/2028, apprentice born 13/10/2008 (18 at the start), training 04/12/2026 → 26/10/2028.
"""

import copy
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.cerfa_rules import validate_cerfa
from rules.cerfa_schema import FIELDS, example_payload, get_path, parse_date
from rules.identifiers import luhn_complete
from rules.remuneration import remuneration_periods

TODAY = date(2026, 11, 20)
EMPLOYEUR = luhn_complete(luhn_complete("12345678") + "0001")
OF = luhn_complete(luhn_complete("87654321") + "0001")
BASE = example_payload(EMPLOYEUR, OF, TODAY)


def set_path(payload: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    node = payload
    for part in parents:
        node = node.setdefault(part, {})
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value


DELETE = object()


def reprice(payload: dict) -> None:
    """Recompute the pay periods after a change of dates."""
    naissance, debut, fin = (
        parse_date(get_path(payload, p))
        for p in ("apprenti.dateNaissance", "contrat.dateDebutContrat", "contrat.dateFinContrat")
    )
    if not (naissance and debut and fin) or fin < debut:
        return
    periods = remuneration_periods(date_naissance=naissance, date_debut_contrat=debut, date_fin_contrat=fin)
    payload["contrat"]["remunerationsAnnuelles"] = [p.as_payload() for p in periods]
    payload["contrat"]["salaireEmbauche"] = float(periods[0].salaire_brut)


def build(changes: dict | None = None, *, price: bool = True) -> dict:
    payload = copy.deepcopy(BASE)
    changes = changes or {}
    if "apprenti.dateNaissance" in changes and "apprenti.nir" not in changes:
        del payload["apprenti"]["nir"]  # built for the reference birth date
    for path, value in changes.items():
        set_path(payload, path, value)
    if price:
        reprice(payload)
    return payload


def verdict(changes=None, *, today=TODAY, price=True):
    return validate_cerfa(build(changes, price=price), today=today)


def codes_at(v, field):
    return {p.code for p in v.problems if p.field == field}


def fields_of(v):
    return {p.field for p in v.problems}


# --- The reference payload -----------------------------------------------------------------


def test_the_example_payload_is_complete_and_valid():
    v = validate_cerfa(BASE, today=TODAY)
    assert v.problems == ()
    assert v.is_valid and v.is_complete and v.completeness == 100
    assert v.completeness_by_block == {
        "employeur": 100,
        "apprenti": 100,
        "maitres": 100,
        "contrat": 100,
        "formation": 100,
        "synthese": 100,
    }
    assert v.age_debut_contrat == 18
    assert [p.ordre for p in v.remuneration] == ["1.1", "2.1"]


def test_the_example_payload_works_on_other_days():
    for today in (date(2024, 2, 29), date(2025, 12, 31), date(2027, 6, 1)):
        v = validate_cerfa(example_payload(EMPLOYEUR, OF, today), today=today)
        assert v.problems == (), today


# --- Ages ------------------------------------------------------------------------------------

MINOR = {
    "apprenti.responsableLegal": {"nom": "MARTIN", "prenom": "Anne", "memeAdresse": True},
}


@pytest.mark.parametrize(
    ("naissance", "derogation", "field", "code"),
    [
        ("2011-11-28", None, "apprenti.dateNaissance", "age"),  # 14 the day before the 15th birthday
        ("2011-11-28", 11, "apprenti.dateNaissance", "age"),
        ("2011-11-27", None, "contrat.typeDerogation", "age"),  # exactly 15: dérogation 11 needed
        ("2011-11-27", 11, None, None),
        ("2011-11-27", 50, None, None),
        ("2010-11-28", None, "contrat.typeDerogation", "age"),  # 15 years and 364 days
        ("2010-11-27", None, None, None),  # exactly 16
        ("2010-11-27", 11, "contrat.typeDerogation", "incoherent"),
    ],
)
def test_young_apprentices(naissance, derogation, field, code):
    v = verdict({**MINOR, "apprenti.dateNaissance": naissance, "contrat.typeDerogation": derogation or DELETE})
    age_problems = {(p.field, p.code) for p in v.problems if p.code in ("age", "incoherent")}
    assert age_problems == ({(field, code)} if field else set())


@pytest.mark.parametrize(
    ("naissance", "changes", "expected"),
    [
        ("1997-11-28", {}, set()),  # 28 the day before the 29th birthday
        ("1997-11-27", {}, set()),  # exactly 29: still in the normal range
        ("1996-11-28", {}, set()),  # 29 years and 364 days
        ("1997-11-27", {"contrat.typeDerogation": 12}, {("contrat.typeDerogation", "incoherent")}),
        ("1996-11-27", {}, {("contrat.typeDerogation", "age"), ("contrat.typeContratApp", "age")}),  # exactly 30
        ("1996-11-27", {"contrat.typeDerogation": 12}, {("contrat.typeContratApp", "age")}),
        ("1996-11-27", {"contrat.typeDerogation": 12, "contrat.typeContratApp": 21}, set()),
        ("1996-11-27", {"contrat.typeDerogation": 50, "contrat.typeContratApp": 23}, set()),
        ("1996-11-27", {"apprenti.handicap": True}, set()),
        ("1996-11-27", {"apprenti.inscriptionSportifDeHautNiveau": True}, set()),
        ("1996-11-27", {"apprenti.projetCreationRepriseEntreprise": True}, set()),
        ("1991-11-27", {"contrat.typeDerogation": 12, "contrat.typeContratApp": 22}, set()),  # exactly 35
        ("1990-11-28", {"contrat.typeDerogation": 12, "contrat.typeContratApp": 22}, set()),  # 35 and 364 days
        (
            "1990-11-27",
            {"contrat.typeDerogation": 12, "contrat.typeContratApp": 22},
            {("apprenti.dateNaissance", "age")},
        ),
        ("1970-01-01", {"apprenti.handicap": True}, set()),  # no limit for RQTH
    ],
)
def test_older_apprentices(naissance, changes, expected):
    v = verdict({"apprenti.dateNaissance": naissance, "contrat.smc": 0, **changes})
    assert {(p.field, p.code) for p in v.problems if p.code in ("age", "incoherent")} == expected


def test_a_birth_date_in_the_future_is_refused():
    v = verdict({"apprenti.dateNaissance": "2026-11-21"}, price=False)
    assert "La date de naissance ne peut pas être dans le futur." in [p.message for p in v.problems]


# --- Minors and their legal representative ----------------------------------------------------


@pytest.mark.parametrize(
    ("naissance", "changes", "needs_representative"),
    [
        ("2008-11-20", {}, False),  # 18 on the day of signature
        ("2008-11-21", {}, True),  # 17 at signature, 18 at the start
        ("2008-11-21", {"apprenti.apprentiMineurNonEmancipe": False}, False),  # emancipated
        ("2009-11-28", {"apprenti.apprentiMineurNonEmancipe": True}, True),
    ],
)
def test_minors_need_a_legal_representative(naissance, changes, needs_representative):
    v = verdict({"apprenti.dateNaissance": naissance, **changes})
    assert ("apprenti.responsableLegal.nom" in fields_of(v)) is needs_representative
    if needs_representative:
        assert "apprenti.responsableLegal.adresse.commune" in fields_of(v)
        assert v.block("apprenti").completeness < 100


def test_a_representative_at_the_same_address_needs_no_address():
    v = verdict({**MINOR, "apprenti.dateNaissance": "2009-11-28"})
    assert not any(f.startswith("apprenti.responsableLegal") for f in fields_of(v))
    assert v.block("apprenti").is_complete


def test_an_adult_cannot_be_declared_minor():
    v = verdict({"apprenti.apprentiMineurNonEmancipe": True})
    assert codes_at(v, "apprenti.apprentiMineurNonEmancipe") == {"incoherent"}


# --- Maîtres d'apprentissage ------------------------------------------------------------------


@pytest.mark.parametrize(("naissance", "refused"), [("2008-11-27", False), ("2008-11-28", True)])
def test_the_maitre_is_18_at_the_start(naissance, refused):
    v = verdict({"maitre1.dateNaissance": naissance})
    assert ("age" in codes_at(v, "maitre1.dateNaissance")) is refused


def test_maitre2_is_empty_or_complete():
    assert verdict({"maitre2": None}).is_valid
    assert verdict({"maitre2": {}}).is_valid
    complete = {"nom": "PETIT", "prenom": "Jeanne", "dateNaissance": "1975-01-02"}
    assert verdict({"maitre2": complete}).is_valid
    v = verdict({"maitre2": {"nom": "PETIT"}})
    assert {"maitre2", "maitre2.prenom", "maitre2.dateNaissance"} <= fields_of(v)
    assert v.block("maitres").completeness < 100
    assert {p.field for p in v.problems if v.problems} <= {"maitre2", "maitre2.prenom", "maitre2.dateNaissance"}


def test_maitre2_is_a_different_person():
    same = {k: BASE["maitre1"][k] for k in ("nom", "prenom", "dateNaissance")}
    assert "maitre2.nom" in fields_of(verdict({"maitre2": same}))


# --- Contract dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fin", "refused"),
    [
        ("2027-05-25", True),  # 5 months and 30 days
        ("2027-05-26", False),  # exactly 6 months
        ("2031-05-26", False),  # exactly 54 months
        ("2031-05-27", True),  # 54 months and 1 day
    ],
)
def test_contract_duration(fin, refused):
    v = verdict({"contrat.dateFinContrat": fin})
    assert ("duree" in codes_at(v, "contrat.dateFinContrat")) is refused


def test_a_contract_of_more_than_3_years_gets_a_warning_unless_justified():
    long = {"contrat.dateFinContrat": "2030-11-26", "formation.dateFinFormation": "2030-10-26"}
    assert "contrat.dateFinContrat" in {w.field for w in verdict(long).warnings}
    assert "contrat.dateFinContrat" not in {w.field for w in verdict({**long, "apprenti.handicap": True}).warnings}


def test_the_end_may_not_precede_the_start():
    v = verdict({"contrat.dateFinContrat": "2026-11-26"}, price=False)
    assert "La date de fin du contrat précède sa date de début." in [p.message for p in v.problems]


def test_a_contract_already_over_cannot_be_deposited():
    v = verdict(today=date(2028, 11, 27))
    assert codes_at(v, "contrat.dateFinContrat") == {"hors_delai"}
    assert "contrat.dateFinContrat" not in fields_of(verdict(today=date(2028, 11, 26)))
    assert "contrat.dateFinContrat" not in fields_of(verdict(today=None))


def test_signature_rules():
    assert "contrat.dateConclusion" in fields_of(verdict({"contrat.dateConclusion": "2026-11-28"}, today=None))
    assert "contrat.dateConclusion" not in fields_of(verdict({"contrat.dateConclusion": "2026-11-27"}, today=None))
    assert "contrat.dateConclusion" in fields_of(verdict({"contrat.dateConclusion": "2026-11-21"}))


@pytest.mark.parametrize(
    ("pratique", "refused"),
    [("2026-11-26", True), ("2026-11-27", False), ("2027-02-27", False), ("2027-02-28", True)],
)
def test_practical_training_starts_within_3_months(pratique, refused):
    v = verdict({"contrat.dateFormationPratiqueEmployeur": pratique, "formation.dateDebutFormation": "2026-11-27"})
    assert ("contrat.dateFormationPratiqueEmployeur" in fields_of(v)) is refused


@pytest.mark.parametrize(
    ("debut_formation", "refused"),
    [
        ("2026-08-26", True),  # 3 months and 1 day before the contract
        ("2026-08-27", False),  # exactly 3 months before
        ("2027-02-27", False),  # exactly 3 months after
        ("2027-02-28", True),
    ],
)
def test_training_starts_within_3_months_of_the_contract(debut_formation, refused):
    v = verdict({"formation.dateDebutFormation": debut_formation})
    assert ("formation.dateDebutFormation" in fields_of(v)) is refused


@pytest.mark.parametrize(("fin", "refused"), [("2029-01-26", False), ("2029-01-27", True)])
def test_the_contract_ends_at_most_3_months_after_the_training(fin, refused):
    v = verdict({"contrat.dateFinContrat": fin})  # training ends 26/10/2028
    assert ("incoherent" in codes_at(v, "contrat.dateFinContrat")) is refused


def test_the_training_ends_within_the_contract():
    v = verdict({"formation.dateFinFormation": "2028-11-27"})
    assert codes_at(v, "formation.dateFinFormation") == {"incoherent"}


@pytest.mark.parametrize(
    ("fin_formation", "refused"), [("2027-06-02", True), ("2027-06-03", False)]
)  # training starts 04/12/2026
def test_the_training_lasts_at_least_6_months(fin_formation, refused):
    v = verdict({"formation.dateFinFormation": fin_formation, "contrat.dateFinContrat": "2027-08-31"})
    assert ("duree" in codes_at(v, "formation.dateFinFormation")) is refused


def test_too_few_cfa_hours_is_a_warning():
    v = verdict({"formation.dureeFormation": 803})  # 25 % of 1 607 h × 24 months / 12 = 803.5
    assert v.is_valid and "formation.dureeFormation" in {w.field for w in v.warnings}
    assert "formation.dureeFormation" not in {w.field for w in verdict({"formation.dureeFormation": 804}).warnings}


# --- Contract types, avenants, dérogations ---------------------------------------------------------


def test_an_avenant_needs_the_contract_number_and_an_effect_date_within_the_contract():
    v = verdict({"contrat.typeContratApp": 36})
    assert codes_at(v, "contrat.numeroContratPrecedent") == {"obligatoire"}
    assert codes_at(v, "contrat.dateEffetAvenant") == {"obligatoire"}
    avenant = {"contrat.typeContratApp": 36, "contrat.numeroContratPrecedent": "075202611000123"}
    for effet, refused in (("2026-11-26", True), ("2026-11-27", False), ("2028-11-26", False), ("2028-11-27", True)):
        v = verdict({**avenant, "contrat.dateEffetAvenant": effet})
        assert ("contrat.dateEffetAvenant" in fields_of(v)) is refused, effet


def test_a_badly_formed_contract_number_is_refused():
    v = verdict({"contrat.typeContratApp": 21, "contrat.numeroContratPrecedent": "123"})
    assert "contrat.numeroContratPrecedent" in fields_of(v)


@pytest.mark.parametrize("type_employeur", [21, 22, 25, 29])
def test_public_employers_are_refused_with_the_reason(type_employeur):
    v = verdict({"employeur.typeEmployeur": type_employeur})
    (problem,) = [p for p in v.problems if p.field == "employeur.typeEmployeur"]
    assert problem.code == "employeur_public" and "secteur public" in problem.message
    assert v.block("employeur").completeness < 100


@pytest.mark.parametrize("type_employeur", [11, 12, 13, 14, 15, 16, "16"])
def test_private_employers_are_accepted(type_employeur):
    assert verdict({"employeur.typeEmployeur": type_employeur}).is_valid


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("employeur.typeEmployeur", 17),
        ("contrat.typeContratApp", 12),
        ("contrat.typeDerogation", 13),
        ("apprenti.nationalite", 4),
        ("apprenti.derniereClasse", 2),
        ("apprenti.departementNaissance", "20"),
        ("apprenti.sexe", "X"),
        ("formation.typeDiplome", 99),
    ],
)
def test_unknown_codes_are_refused(path, value):
    assert path in fields_of(verdict({path: value}))


def test_departement_codes_accept_padded_forms():
    assert verdict({"apprenti.departementNaissance": "075"}).is_valid


# --- Rémunération ---------------------------------------------------------------------------------


def test_a_rate_below_the_minimum_is_refused_and_a_raised_rate_accepted():
    low = build()
    low["contrat"]["remunerationsAnnuelles"][1]["taux"] = 50
    v = validate_cerfa(low, today=TODAY)
    (problem,) = v.problems
    assert (problem.field, problem.code) == ("contrat.remunerationsAnnuelles[1].taux", "taux_minimal")
    assert "50 %" in problem.message and "51 %" in problem.message
    high = build()
    high["contrat"]["remunerationsAnnuelles"][1]["taux"] = 51.5
    assert validate_cerfa(high, today=TODAY).is_valid


def test_a_gross_pay_below_the_minimum_is_refused():
    payload = build()
    payload["contrat"]["salaireEmbauche"] = 783.90  # minimum 783,91
    payload["contrat"]["remunerationsAnnuelles"][0]["salaireBrut"] = 783.90
    v = validate_cerfa(payload, today=TODAY)
    assert fields_of(v) == {"contrat.salaireEmbauche", "contrat.remunerationsAnnuelles[0].salaireBrut"}
    assert "783,91 €" in v.problems[0].message


def test_periods_must_cover_the_contract():
    payload = build()
    payload["contrat"]["remunerationsAnnuelles"][1]["dateDebut"] = "2027-11-28"
    v = validate_cerfa(payload, today=TODAY)
    assert codes_at(v, "contrat.remunerationsAnnuelles") == {"incoherent"}


def test_the_periods_of_a_birthday_split_are_checked_by_date():
    payload = build({"apprenti.dateNaissance": "2008-03-15"})  # 18 at the start, no split (18 → 19, 19 → 20)
    assert [p["ordre"] for p in payload["contrat"]["remunerationsAnnuelles"]] == ["1.1", "2.1"]
    payload = build({"apprenti.dateNaissance": "2009-03-15", **MINOR})  # 17 at the start, 18 on 15/03/2027
    periods = payload["contrat"]["remunerationsAnnuelles"]
    assert [(p["ordre"], p["tauxMinimal"]) for p in periods] == [("1.1", 27), ("1.2", 43), ("2.1", 51)]
    assert validate_cerfa(payload, today=TODAY).is_valid
    periods[1]["taux"] = 27  # the 18-year-old rate was not applied from 01/04/2027
    v = validate_cerfa(payload, today=TODAY)
    assert codes_at(v, "contrat.remunerationsAnnuelles[1].taux") == {"taux_minimal"}


def test_the_smc_is_required_when_the_apprentice_reaches_21():
    v = verdict({"apprenti.dateNaissance": "2006-01-10"})  # 20 at the start, 22 at the end
    assert codes_at(v, "contrat.smc") == {"obligatoire"}
    assert verdict({"apprenti.dateNaissance": "2006-01-10", "contrat.smc": 0}).is_valid


def test_a_higher_smc_raises_the_minimum():
    payload = build({"apprenti.dateNaissance": "2004-01-10", "contrat.smc": 1900})
    v = validate_cerfa(payload, today=TODAY)  # priced on the SMIC by the test helper: too low
    assert codes_at(v, "contrat.salaireEmbauche") == {"taux_minimal"}
    assert "1 007,00 €" in [p for p in v.problems if p.field == "contrat.salaireEmbauche"][0].message


def test_mayotte_employers_use_the_mayotte_smic():
    v = verdict({"employeur.adresse": {"adresse1": "1 rue du Port", "codePostal": "97600", "commune": "MAMOUDZOU"}})
    assert v.is_valid
    assert v.remuneration[0].base == Decimal("1415.05")


# --- Formats inside the payload --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("employeur.siret", "12345678901234"),
        ("organismeFormation.siret", "1234"),
        ("organismeFormation.uaiCfa", "0751234B"),
        ("organismeFormation.uaiCfa", "751234A"),
        ("formation.rncp", "RNCP12"),
        ("formation.codeDiplome", "ABC"),
        ("employeur.naf", "49321"),
        ("employeur.codeIdcc", "00000"),
        ("employeur.adresse.codePostal", "9231"),
        ("apprenti.telephone", "12345"),
        ("apprenti.courriel", "lea.martin"),
        ("apprenti.nom", "MART1N"),
        ("maitre1.prenom", "P@ul"),
        ("apprenti.nir", "2081175056042"),  # born in October 2008, not November
        ("contrat.dateDebutContrat", "2026-02-30"),
        ("contrat.dureeTravailHebdoHeures", 41),
        ("formation.dureeFormation", 0),
        ("contrat.travailRisque", "peut-être"),
        ("employeur.nombreDeSalaries", -1),
    ],
)
def test_format_errors_are_addressed_to_the_field(path, value):
    assert path in fields_of(verdict({path: value}, price=False))


def test_nir_consistency_with_the_apprentice():
    assert "apprenti.nir" in fields_of(verdict({"apprenti.sexe": "M"}))
    assert "apprenti.nir" in fields_of(verdict({"apprenti.departementNaissance": "92"}))
    assert verdict({"apprenti.nir": BASE["apprenti"]["nir"][:13]}).is_valid


def test_40_hours_and_minutes():
    assert "contrat.dureeTravailHebdoMinutes" in fields_of(
        verdict({"contrat.dureeTravailHebdoHeures": 40, "contrat.dureeTravailHebdoMinutes": 30})
    )
    assert verdict({"contrat.dureeTravailHebdoHeures": 39, "contrat.dureeTravailHebdoMinutes": 30}).is_valid


def test_idcc_specials_need_no_label_and_other_opcos_get_a_warning():
    v = verdict({"employeur.codeIdcc": "9999", "employeur.libelleIdcc": DELETE})
    assert v.is_valid and "employeur.codeIdcc" not in {w.field for w in v.warnings}
    v = verdict({"employeur.codeIdcc": "1486"})
    assert v.is_valid and "employeur.codeIdcc" in {w.field for w in v.warnings}


def test_a_different_training_site_must_be_described():
    v = verdict({"organismeFormation.lieuFormationIdentique": False})
    assert {
        "organismeFormationLieuFormationPrincipal.denomination",
        "organismeFormationLieuFormationPrincipal.adresse.commune",
    } <= fields_of(v)


# --- Attestations, completeness, grouping ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "block"),
    [
        ("employeur.attestationPieces", "synthese"),
        ("synthese.attestationMandat", "synthese"),
        ("employeur.attestationEligibilite", "maitres"),
    ],
)
def test_attestations_must_be_given(path, block):
    v = verdict({path: False})
    assert codes_at(v, path) == {"obligatoire"}
    assert [p.field for p in v.block(block).problems] == [path]
    assert not v.is_complete


def test_the_place_of_signature_is_required():
    v = verdict({"contrat.lieuSignatureContrat": ""})
    assert v.block("synthese").completeness == 66 and v.block("synthese").missing == ("contrat.lieuSignatureContrat",)


def test_an_empty_payload_is_incomplete_everywhere():
    v = validate_cerfa({}, today=TODAY)
    assert not v.is_valid and not v.is_complete and v.completeness == 0
    assert set(v.completeness_by_block.values()) == {0}
    assert all(p.code == "obligatoire" for p in v.problems)
    assert [b.key for b in v.blocks] == ["employeur", "apprenti", "maitres", "contrat", "formation", "synthese"]


def test_completeness_counts_filled_and_valid_required_fields():
    payload = build({"employeur.courriel": "pas-un-courriel", "employeur.telephone": DELETE})
    block = validate_cerfa(payload, today=TODAY).block("employeur")
    assert len(block.required) == 12 and len(block.satisfied) == 10 and block.completeness == 83
    assert set(block.missing) == {"employeur.courriel", "employeur.telephone"}


def test_problems_of_list_items_belong_to_their_block():
    payload = build()
    payload["contrat"]["remunerationsAnnuelles"][0]["taux"] = 10
    v = validate_cerfa(payload, today=TODAY)
    assert [p.field for p in v.problems_by_block["contrat"]] == ["contrat.remunerationsAnnuelles[0].taux"]
    assert "contrat.remunerationsAnnuelles" in v.block("contrat").missing


def test_as_dict_is_json_ready():
    import json

    data = validate_cerfa({"employeur": {"siret": "1"}}, today=TODAY).as_dict()
    json.dumps(data)
    assert data["blocs"][0]["erreurs"][0] == {
        "code": "invalide",
        "description": "Le SIRET doit comporter exactement 14 chiffres.",
        "champ": "employeur.siret",
    }


def test_values_of_the_wrong_type_never_crash():
    weird = {
        "employeur": "x",
        "apprenti": {"dateNaissance": 20080101, "nir": 12, "sexe": 1, "adresse": []},
        "contrat": {"remunerationsAnnuelles": {"a": 1}, "typeContratApp": True, "dateDebutContrat": None},
        "maitre1": [],
        "formation": {"dureeFormation": "beaucoup"},
    }
    v = validate_cerfa(weird, today=TODAY)
    assert not v.is_valid
    assert validate_cerfa(None, today=TODAY).completeness == 0  # type: ignore[arg-type]


# --- Robustness ------------------------------------------------------------------------------------

any_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["2026-02-30", "1e400", "NaN", "-0", "2026-11-27T00:00:00+00:00", "RNCP123", "2A"]),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(FIELDS)), any_value, max_size=12))
def test_any_value_in_any_field_gives_a_verdict(changes):
    payload = copy.deepcopy(BASE)
    for path, value in changes.items():
        set_path(payload, path, value)
    v = validate_cerfa(payload, today=TODAY)
    assert 0 <= v.completeness <= 100
    assert all(p.message for p in v.problems)
