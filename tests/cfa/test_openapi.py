"""The norm's own OpenAPI document (/api/cfa/openapi.json): valid, in the norm's names, every route with the
three headers and the norm's error shape; its documentation page works offline."""

import pytest
from django.test import Client

from tests.cfa.conftest import BASE_URL

NORM_ROUTES = {
    ("post", "/api/cfa/v1/factures"),
    ("get", "/api/cfa/v1/status"),
    ("post", "/api/cfa/v1/dossiers"),
    ("post", "/api/cfa/v2/dossiers"),
    ("get", "/api/cfa/v1/dossiers"),
    ("get", "/api/cfa/v2/dossiers"),
    ("get", "/api/cfa/v1/dossiers/etats"),
    ("get", "/api/cfa/v2/dossiers/etats"),
    ("get", "/api/cfa/v1/dossiers/liste"),
    ("post", "/api/cfa/v2/dossiers/rupture/employeur"),
    ("post", "/api/cfa/v1/conventions"),
    ("get", "/api/cfa/v2/factures/etats"),
    ("post", "/api/cfa/v1/documents"),
    ("get", "/api/cfa/v2/cfakeyinfo"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get(f"{BASE_URL}/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_is_valid_openapi(schema):
    from openapi_spec_validator import validate

    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_it_has_every_route_of_the_norm_and_only_those(schema):
    routes = {(method, path) for path, ops in schema["paths"].items() for method in ops}
    assert routes == NORM_ROUTES


def test_every_operation_names_the_norms_headers_and_errors(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            refs = {p.get("$ref", "").rpartition("/")[2] for p in op["parameters"]}
            assert {"EDITEUR", "LOGICIEL", "VERSION"} <= refs, (method, path)
            assert ("Idempotency-Key" in refs) == (method == "post"), (method, path)
            for code in ("400", "429", "500"):
                assert op["responses"][code]["content"]["application/json"]["schema"]["$ref"].endswith("ErreurNorme")
            if "cfakeyinfo" not in path:
                assert op["security"] == [{"X-API-KEY": []}]
                assert "403" in op["responses"]
    assert schema["components"]["securitySchemes"]["X-API-KEY"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-KEY",
        "description": schema["components"]["securitySchemes"]["X-API-KEY"]["description"],
    }


def test_the_cerfa_is_described_in_the_norms_names(schema):
    cerfa = schema["components"]["schemas"]["Cerfa"]["properties"]
    assert {"versionCERFA", "employeur", "apprenti", "maitre1", "contrat", "formation", "organismeFormation"} <= set(
        cerfa
    )
    assert "synthese" not in cerfa
    contrat = cerfa["contrat"]["properties"]
    assert contrat["dateDebutContrat"]["format"] == "date-time"
    assert contrat["typeContratApp"]["type"] == "integer" and 11 in contrat["typeContratApp"]["enum"]
    assert contrat["remunerationsAnnuelles"]["type"] == "array"
    body = schema["paths"]["/api/cfa/v2/dossiers"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    deposit = schema["components"]["schemas"][body["$ref"].rpartition("/")[2]]
    assert deposit["properties"]["cerfa"] == {"$ref": "#/components/schemas/Cerfa"}
    multipart = schema["paths"]["/api/cfa/v1/conventions"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert set(multipart["schema"]["required"]) == {"convention", "fichier"}
    states = schema["components"]["schemas"]["EtatsDossiersOut"]["properties"]
    assert set(states) == {"total", "count", "page", "EtatDossierResult"}


def test_the_docs_page_is_served_offline(db):
    page = Client().get(f"{BASE_URL}/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/cfa/docs/assets/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    assert Client().get(f"{BASE_URL}/docs/assets/swagger-ui-bundle.js").status_code == 200
