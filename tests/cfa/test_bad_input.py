"""Bad input through the norm: each a 4xx in the norm's shape, with the same French, field-addressed verdicts
as the portal's form (paths in the norm's names, from the request's root), and nothing stored — no dossier,
no journal entry, no pièce, no convention, no file on disk, no idempotency record."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Dossier, PieceJointe, TransitionLog
from echanges.models import Convention, IdempotencyRecord
from tests.cfa.conftest import BASE_URL, PDF, contrat
from tests.cfa.norm_client import NormError


@pytest.fixture
def nothing_stored(settings, db):
    """Counts what a refusal must not have stored, before and after the test."""
    media = Path(settings.MEDIA_ROOT)

    def snapshot():
        files = sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []
        return (
            Dossier.objects.count(),
            TransitionLog.objects.count(),
            PieceJointe.objects.count(),
            Convention.objects.count(),
            IdempotencyRecord.objects.count(),
            files,
        )

    before = snapshot()
    yield
    assert snapshot() == before


def _shape(error: NormError) -> None:
    assert list(error.body) == ["errors", "description"]
    assert all(set(e) == {"code", "description", "champ"} for e in error.body["errors"])


@pytest.mark.parametrize(
    ("changes", "champ"),
    [
        ({"contrat__typeContratApp": 99}, "cerfa.contrat.typeContratApp"),
        ({"employeur__typeEmployeur": "16bis"}, "cerfa.employeur.typeEmployeur"),
        ({"apprenti__nationalite": 9}, "cerfa.apprenti.nationalite"),
        ({"contrat__dateDebutContrat": "01/09/2026"}, "cerfa.contrat.dateDebutContrat"),
        ({"apprenti__dateNaissance": "2026-02-30T00:00:00+01:00"}, "cerfa.apprenti.dateNaissance"),
        ({"formation__dateFinFormation": "2020-01-01T00:00:00+01:00"}, "cerfa.formation.dateFinFormation"),
        ({"apprenti__nir": "123"}, "cerfa.apprenti.nir"),
        ({"organismeFormation__uaiCfa": "0000000X"}, "cerfa.organismeFormation.uaiCfa"),
        ({"versionCERFA": "FA13"}, "cerfa.versionCERFA"),
    ],
)
def test_a_cerfa_with_wrong_codes_or_dates_is_refused_by_field(cfa, employeur, nothing_stored, changes, champ):
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(contrat(employeur, cfa, **changes), idempotency_key="k")
    assert refused.value.status == 400
    _shape(refused.value)
    assert champ in refused.value.champs
    message = next(e["description"] for e in refused.value.body["errors"] if e["champ"] == champ)
    assert message[0].isupper() and message.endswith((".", ")"))


def test_the_verdicts_are_those_of_the_portal_form(cfa, employeur, nothing_stored):
    from rules.cerfa import validate_cerfa
    from rules.norme import cerfa_from_norme

    cerfa = contrat(employeur, cfa, contrat__dureeTravailHebdoHeures=45, formation__rncp="RNCP1")
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(cerfa)
    form = validate_cerfa(cerfa_from_norme(cerfa).payload, today=None)
    expected = {(f"cerfa.{p.field}", p.message) for p in form.problems}
    got = {(e["champ"], e["description"]) for e in refused.value.body["errors"]}
    assert expected and expected <= got


def test_an_incomplete_cerfa_names_every_missing_field(cfa, employeur, nothing_stored):
    cerfa = contrat(employeur, cfa)
    del cerfa["maitre1"]
    del cerfa["formation"]["rncp"]
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(cerfa)
    assert {"cerfa.maitre1.nom", "cerfa.formation.rncp"} <= refused.value.champs
    assert "obligatoire" in refused.value.codes


def test_a_cfa_siret_that_is_not_the_keys_is_refused(cfa, autre_cfa, employeur, nothing_stored):
    cerfa = contrat(employeur, cfa, organismeFormation__siret=autre_cfa.etab.siret)
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(cerfa)
    assert refused.value.status == 400 and refused.value.champs == {"cerfa.organismeFormation.siret"}


def test_an_employer_unknown_to_the_opco_is_refused(cfa, employeur, nothing_stored):
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(contrat(employeur, cfa, employeur__siret="73282932000074"))
    assert refused.value.status == 400 and refused.value.champs == {"cerfa.employeur.siret"}


@pytest.mark.parametrize(
    ("body", "champ"),
    [
        ("{", None),
        ("[]", None),
        ('{"cerfa": "texte"}', "cerfa"),
        ("{}", "cerfa"),
    ],
)
def test_a_body_that_is_not_a_deposit_is_a_400(cfa, nothing_stored, body, champ):
    response = Client().post(
        f"{BASE_URL}/v2/dossiers", body, content_type="application/json", headers=cfa.client.headers()
    )
    assert response.status_code == 400
    data = response.json()
    assert list(data) == ["errors", "description"]
    if champ:
        assert champ in {e["champ"] for e in data["errors"]}


def test_ten_megabytes_of_json_are_refused(cfa, nothing_stored):
    huge = json.dumps({"cerfa": {"apprenti": {"nom": "X" * (10 * 1024 * 1024)}}})
    response = Client().post(
        f"{BASE_URL}/v2/dossiers", huge, content_type="application/json", headers=cfa.client.headers()
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"].lower().startswith("requete_trop_volumineuse")


def _multipart(cfa, path: str, data: dict):
    return Client().post(BASE_URL + path, data, headers=cfa.client.headers())


@pytest.fixture
def dossier(cfa, employeur):
    return cfa.client.deposer_contrat(contrat(employeur, cfa))


def _convention_payload(cfa, employeur, dossier) -> dict:
    return {"numeroInterneDossier": dossier["numeroInterne"], "employeur": {"siret": employeur.siret}}


def test_a_convention_without_its_json_part(cfa, dossier, nothing_stored):
    response = _multipart(cfa, "/v1/conventions", {"fichier": SimpleUploadedFile("c.pdf", PDF, "application/pdf")})
    assert response.status_code == 400
    assert {e["champ"] for e in response.json()["errors"]} == {"convention"}


def test_a_convention_without_its_file(cfa, employeur, dossier, nothing_stored):
    data = {"convention": json.dumps(_convention_payload(cfa, employeur, dossier))}
    response = _multipart(cfa, "/v1/conventions", data)
    assert response.status_code == 400
    assert {(e["champ"], e["code"]) for e in response.json()["errors"]} == {("fichier", "obligatoire")}


def test_a_convention_whose_file_is_not_a_pdf(cfa, employeur, dossier, nothing_stored):
    data = {
        "convention": json.dumps(_convention_payload(cfa, employeur, dossier)),
        "fichier": SimpleUploadedFile("convention.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "application/pdf"),
    }
    response = _multipart(cfa, "/v1/conventions", data)
    assert response.status_code == 400
    assert {e["champ"] for e in response.json()["errors"]} == {"fichier"}


def test_a_convention_whose_json_is_broken(cfa, dossier, nothing_stored):
    data = {"convention": "{pas du json", "fichier": SimpleUploadedFile("c.pdf", PDF, "application/pdf")}
    response = _multipart(cfa, "/v1/conventions", data)
    assert response.status_code == 400 and response.json()["errors"][0]["champ"] == "convention"


def test_a_convention_sent_as_json_instead_of_multipart(cfa, employeur, dossier, nothing_stored):
    response = Client().post(
        f"{BASE_URL}/v1/conventions",
        json.dumps({"convention": _convention_payload(cfa, employeur, dossier)}),
        content_type="application/json",
        headers=cfa.client.headers(),
    )
    assert response.status_code == 400 and response.json()["errors"][0]["champ"] == "convention"


def test_a_document_without_objects_or_file(cfa, dossier, nothing_stored):
    response = _multipart(cfa, "/v1/documents", {"document": json.dumps({"typeFichier": "", "objets": []})})
    assert response.status_code == 400
    assert {e["champ"] for e in response.json()["errors"]} == {"document.typeFichier", "document.objets", "fichier"}


@pytest.mark.parametrize(
    "query",
    ["numeroPage=0", "numeroPage=abc", "numeroPage=1&dateDebut=hier", "dateDebut=2026-12-01&dateFin=2026-11-01"],
)
def test_feed_parameters_are_checked(cfa, query):
    response = Client().get(f"{BASE_URL}/v2/dossiers/etats?{query}", headers=cfa.client.headers())
    assert response.status_code == 400
    assert response.json()["errors"][0]["champ"] in ("numeroPage", "dateDebut", "dateFin")


def test_a_numero_interne_that_is_not_a_number(cfa):
    response = Client().get(f"{BASE_URL}/v2/dossiers?numeroInterne=abc", headers=cfa.client.headers())
    assert response.status_code == 400 and response.json()["errors"][0]["champ"] == "numeroInterne"


def test_an_unknown_route_is_the_norms_404(cfa):
    response = Client().get(f"{BASE_URL}/v3/dossiers", headers=cfa.client.headers())
    assert response.status_code == 404 and list(response.json()) == ["errors", "description"]


def test_a_field_that_is_neither_the_cerfas_nor_the_norms_is_refused(cfa, employeur, nothing_stored):
    cerfa = contrat(employeur, cfa)
    cerfa["contrat"]["primeExceptionnelle"] = 500
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(cerfa)
    assert refused.value.status == 400
    assert ("inconnu", "cerfa.contrat.primeExceptionnelle") in {
        (e["code"], e["champ"]) for e in refused.value.body["errors"]
    }
