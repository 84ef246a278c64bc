"""The norm's mappings (rules.norme): dates with offset ⇄ civil dates of Paris, the cerfa object ⇄ our
CERFA payload, the natural key of a contract, our states in the norm's codes."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from rules import norme
from rules.cerfa import example_payload, validate_cerfa
from rules.lifecycles import EtatDossier, EtatFacture

TODAY = date(2026, 11, 20)
EMPLOYEUR, CFA = "73282932000074", "35600000000048"
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-01T00:00:00+02:00", date(2026, 9, 1)),
        ("2026-08-31T22:00:00+00:00", date(2026, 9, 1)),  # midnight in Paris, written in UTC
        ("2026-08-31T22:00:00Z", date(2026, 9, 1)),
        ("2026-12-31T23:00:00+00:00", date(2027, 1, 1)),  # winter: UTC+1
        ("2026-09-01T23:30:00-05:00", date(2026, 9, 2)),
        ("2026-09-01", date(2026, 9, 1)),
        ("2026-09-01T10:00:00", date(2026, 9, 1)),  # no offset: Paris time
    ],
)
def test_a_norm_date_is_its_civil_date_in_paris(value, expected):
    assert norme.date_from_norme(value) == expected


@pytest.mark.parametrize("value", ["", "01/09/2026", "2026-13-01T00:00:00+00:00", "2026-02-30", "0999-01-01", 20260901])
def test_what_is_not_a_date_is_refused(value):
    assert norme.date_from_norme(value) is None


def test_dates_are_answered_at_midnight_in_paris_with_their_offset():
    assert norme.date_to_norme(date(2026, 9, 1)) == "2026-09-01T00:00:00+02:00"
    assert norme.date_to_norme("2026-12-01") == "2026-12-01T00:00:00+01:00"
    assert norme.date_to_norme(None) is None
    moment = datetime(2026, 11, 20, 9, 30, 12, 999, tzinfo=ZoneInfo("UTC"))
    assert norme.datetime_to_norme(moment) == "2026-11-20T10:30:12+01:00"


def test_query_moments_cover_a_whole_day_when_plain():
    start = norme.moment_from_norme("2026-11-20")
    end = norme.moment_from_norme("2026-11-20", end=True)
    assert (end - start).days == 1 and start.isoformat() == "2026-11-20T00:00:00+01:00"
    assert norme.moment_from_norme("2026-11-20T08:00:00+00:00").isoformat() == "2026-11-20T08:00:00+00:00"
    assert norme.moment_from_norme("hier") is None


def _norm_cerfa() -> dict:
    payload = example_payload(EMPLOYEUR, CFA, TODAY)
    payload.pop("synthese")

    def convert(node):
        if isinstance(node, dict):
            return {k: convert(v) for k, v in node.items()}
        if isinstance(node, list):
            return [convert(v) for v in node]
        if isinstance(node, str) and len(node) == 10 and node[4] == "-":
            return datetime.combine(date.fromisoformat(node), time(0, 0), tzinfo=PARIS).isoformat()
        return node

    cerfa = convert(payload)
    cerfa.update(
        {"versionCERFA": "10103*14", "CERFASignatureProbante": True, "etat": "TRANSMIS", "commentaireEtat": ""}
    )
    cerfa["contrat"].update({"noContrat": "", "noAvenant": 0, "dateRupture": None})
    cerfa["maitre2"] = None
    cerfa["apprenti"]["sexe"] = 2
    return cerfa


def test_a_norm_cerfa_becomes_our_payload_and_passes_the_same_rules():
    received = norme.cerfa_from_norme(_norm_cerfa())

    payload = received.payload
    assert received.problems == ()
    assert received.version_cerfa == "10103*14" and received.signature_probante is True
    assert not set(payload) & {"versionCERFA", "CERFASignatureProbante", "etat", "commentaireEtat", "maitre2"}
    assert not set(payload["contrat"]) & {"noContrat", "noAvenant", "dateRupture"}
    assert payload["contrat"]["dateDebutContrat"] == (TODAY.replace(day=27)).isoformat()
    assert payload["contrat"]["remunerationsAnnuelles"][0]["dateDebut"] == payload["contrat"]["dateDebutContrat"]
    assert payload["apprenti"]["sexe"] == "F"
    assert payload["synthese"] == {"attestationMandat": True}
    assert validate_cerfa(payload, today=TODAY).is_valid


def test_bad_dates_and_versions_are_named_by_their_norm_path():
    cerfa = _norm_cerfa()
    cerfa["contrat"]["dateDebutContrat"] = "01/09/2026"
    cerfa["contrat"]["remunerationsAnnuelles"][1]["dateFin"] = "2027-02-30T00:00:00+01:00"
    cerfa["versionCERFA"] = "FA13"

    problems = {p.field for p in norme.cerfa_from_norme(cerfa).problems}

    assert problems == {"contrat.dateDebutContrat", "contrat.remunerationsAnnuelles[1].dateFin", "versionCERFA"}


def test_an_avenant_takes_its_contract_number_from_no_contrat():
    cerfa = _norm_cerfa()
    cerfa["contrat"].update({"typeContratApp": 31, "noContrat": "076202209037237"})
    assert norme.cerfa_from_norme(cerfa).payload["contrat"]["numeroContratPrecedent"] == "076202209037237"


def test_our_payload_is_answered_with_dates_with_offset_and_without_the_portal_block():
    payload = example_payload(EMPLOYEUR, CFA, TODAY)
    answered = norme.cerfa_to_norme(payload)
    assert "synthese" not in answered
    assert answered["contrat"]["dateConclusion"] == "2026-11-20T00:00:00+01:00"
    assert norme.cerfa_from_norme(answered).payload["contrat"] == payload["contrat"]


def test_the_natural_key_of_a_contract_ignores_formatting():
    payload = example_payload(EMPLOYEUR, CFA, TODAY)
    same = example_payload(EMPLOYEUR, CFA, TODAY)
    nir = same["apprenti"]["nir"]
    same["apprenti"]["nir"] = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    same["contrat"]["typeContratApp"] = "11"
    assert norme.cle_contrat(payload) == norme.cle_contrat(same) is not None
    other = example_payload(EMPLOYEUR, CFA, TODAY)
    other["contrat"]["typeContratApp"] = 21
    assert norme.cle_contrat(other) != norme.cle_contrat(payload)
    del other["apprenti"]["nir"]
    assert norme.cle_contrat(other) is None


def test_every_state_of_ours_has_a_norm_code():
    shown = set(EtatDossier) - norme.HIDDEN_DOSSIER_STATES
    assert set(norme.ETATS_DOSSIER) == shown
    assert set(norme.ETATS_FACTURE) == set(EtatFacture)
    assert {norme.etat_dossier(e)[0] for e in shown} == {c.value for c in norme.EtatDossierNorme}
    assert norme.etat_dossier(EtatDossier.ACCORDE) == ("ENGAGE", "")
    assert norme.etat_dossier(EtatDossier.RUPTURE)[0] == "RUPTU"
    assert norme.etat_facture(EtatFacture.PAYEE)[0] == "REGLE"
    assert norme.our_dossier_states("EN_COURS_INSTRUCTION") == {EtatDossier.EN_COURS, EtatDossier.EN_ATTENTE_PIECES}


def test_natures_of_invoice_lines_and_frais_annexes():
    assert norme.nature_ligne("pedagogie") == "pedagogie"
    assert norme.nature_ligne("PREMIER_EQUIPEMENT") == norme.nature_ligne("PREMIEREQUIPEMENT") == "premier_equipement"
    assert norme.nature_ligne("REPAS") is None
    assert norme.nature_frais("hebergement") == "Hebergement" and norme.nature_frais("npec") is None


def test_codes_and_numbers_typed_as_text_are_answered_as_the_norm_types_them():
    payload = example_payload(EMPLOYEUR, CFA, TODAY)
    payload["employeur"]["typeEmployeur"] = "16"
    payload["contrat"]["dureeTravailHebdoHeures"] = "35"
    payload["contrat"]["salaireEmbauche"] = "1234.56"
    payload["contrat"]["travailRisque"] = "non"
    payload["contrat"]["remunerationsAnnuelles"][0]["taux"] = "53"
    payload["employeur"]["nombreDeSalaries"] = "beaucoup"

    answered = norme.cerfa_to_norme(payload)

    assert answered["employeur"]["typeEmployeur"] == 16
    assert answered["contrat"]["dureeTravailHebdoHeures"] == 35
    assert answered["contrat"]["salaireEmbauche"] == 1234.56
    assert answered["contrat"]["travailRisque"] is False
    assert answered["contrat"]["remunerationsAnnuelles"][0]["taux"] == 53.0
    assert answered["employeur"]["nombreDeSalaries"] == "beaucoup"  # left as it is when it is not a number
    assert answered["apprenti"]["sexe"] == "F" and answered["employeur"]["codeIdcc"] == "0016"
