"""The public names used by the services keep working: check_draft, check_transmission_minimum, summary."""

from datetime import date

from rules import cerfa
from rules.identifiers import luhn_complete

TODAY = date(2026, 11, 20)
EMPLOYEUR = luhn_complete(luhn_complete("12345678") + "0001")
OF = luhn_complete(luhn_complete("87654321") + "0001")
# The shape of tests/factories.py cerfa_payload(complete=True).
FACTORY_LIKE = {
    "employeur": {"siret": EMPLOYEUR},
    "organismeFormation": {"siret": OF},
    "apprenti": {"nom": "MARTIN", "prenom": "Léa", "dateNaissance": "2005-03-14"},
    "formation": {
        "intituleQualification": "AMBULANCIER (DIPLOME D'ETAT)",
        "rncp": "RNCP36542",
        "dateDebutFormation": "2026-09-14",
        "dateFinFormation": "2027-06-30",
    },
    "contrat": {"dateDebutContrat": "2026-09-07", "dateFinContrat": "2027-08-31"},
}


def fields(problems):
    return [p.field for p in problems]


def test_the_draft_minimum_is_the_two_sirets():
    assert cerfa.DRAFT_REQUIRED == ("employeur.siret", "organismeFormation.siret")
    assert cerfa.check_draft({"employeur": {"siret": EMPLOYEUR}, "organismeFormation": {"siret": OF}}) == []
    assert [(p.field, p.message) for p in cerfa.check_draft({"employeur": {"siret": "123"}})] == [
        ("employeur.siret", "Le SIRET doit comporter exactement 14 chiffres."),
        ("organismeFormation.siret", "Le SIRET est obligatoire."),
    ]


def test_lenient_transmission_accepts_a_partial_but_consistent_cerfa():
    assert cerfa.check_transmission_minimum(FACTORY_LIKE) == []


def test_lenient_transmission_still_requires_the_minimum_fields():
    problems = cerfa.check_transmission_minimum(
        {"employeur": {"siret": EMPLOYEUR}, "organismeFormation": {"siret": OF}}
    )
    assert fields(problems) == list(cerfa.TRANSMISSION_REQUIRED)
    assert {p.code for p in problems} == {"obligatoire"}


def test_lenient_transmission_applies_every_rule_to_what_is_filled_in():
    payload = {**FACTORY_LIKE, "employeur": {"siret": EMPLOYEUR, "typeEmployeur": 22}}
    payload["contrat"] = {"dateDebutContrat": "2026-09-07", "dateFinContrat": "2026-12-31"}
    problems = cerfa.check_transmission_minimum(payload)
    assert set(fields(problems)) == {"employeur.typeEmployeur", "contrat.dateFinContrat", "formation.dateFinFormation"}
    invalid_date = {**FACTORY_LIKE, "contrat": {"dateDebutContrat": "07/09/2026", "dateFinContrat": "2027-08-31"}}
    assert [(p.field, p.message) for p in cerfa.check_transmission_minimum(invalid_date)] == [
        ("contrat.dateDebutContrat", "La date est invalide (format attendu : aaaa-mm-jj).")
    ]
    reversed_dates = {**FACTORY_LIKE, "contrat": {"dateDebutContrat": "2026-09-07", "dateFinContrat": "2026-09-01"}}
    assert "La date de fin du contrat précède sa date de début." in [
        p.message for p in cerfa.check_transmission_minimum(reversed_dates)
    ]


def test_lenient_transmission_uses_today_only_when_given():
    assert cerfa.check_transmission_minimum(FACTORY_LIKE, today=date(2027, 9, 1)) != []
    assert cerfa.check_transmission_minimum(FACTORY_LIKE, today=TODAY) == []


def test_complete_transmission_requires_the_whole_cerfa():
    problems = cerfa.check_transmission_minimum(FACTORY_LIKE, today=TODAY, complete=True)
    assert "employeur.denomination" in fields(problems) and "contrat.remunerationsAnnuelles" in fields(problems)
    assert (
        cerfa.check_transmission_minimum(cerfa.example_payload(EMPLOYEUR, OF, TODAY), today=TODAY, complete=True) == []
    )


def test_summary_is_unchanged():
    assert cerfa.summary(FACTORY_LIKE) == {
        "salarie_nom": "MARTIN",
        "salarie_prenom": "Léa",
        "salarie_date_naissance": date(2005, 3, 14),
        "formation_intitule": "AMBULANCIER (DIPLOME D'ETAT)",
        "formation_rncp": "RNCP36542",
        "formation_date_debut": date(2026, 9, 14),
        "formation_date_fin": date(2027, 6, 30),
        "contrat_date_debut": date(2026, 9, 7),
        "contrat_date_fin": date(2027, 8, 31),
    }


def test_dates_of_the_norm_are_date_times():
    assert cerfa.parse_date("2026-09-01T00:00:00+00:00") == date(2026, 9, 1)
    assert cerfa.parse_date("2026-02-30") is None and cerfa.parse_date(None) is None
