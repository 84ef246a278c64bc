"""The OpenAPI document (valid structure, every response described, errors included), the offline
docs, and the number of SQL queries of every list and detail endpoint (bounded, independent of page size)."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases.models import Notification
from tests.api.conftest import API, make_courrier, make_reglement, session_client
from tests.factories import NOW, DossierFactory, FactureFactory

pytestmark = pytest.mark.django_db
MAX_QUERIES = 10


@pytest.fixture
def schema(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_is_structurally_valid(schema):
    from openapi_spec_validator import validate

    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] and schema["info"]["version"]
    components = schema["components"]["schemas"]
    for ref in set(_refs(schema)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[-1] in components, ref
    operation_ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for path, ops in schema["paths"].items():
        declared = set(re.findall(r"{(\w+)}", path))
        for method, op in ops.items():
            assert method in {"get", "post", "put", "patch", "delete"}
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == declared, (path, method)
    json.dumps(schema)


def test_every_response_is_described_success_and_errors(schema):
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            assert any(code.startswith("2") for code in responses), (path, method)
            for code, response in responses.items():
                assert response.get("description"), (path, method, code)
                if int(code) >= 400:
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErreurOut"), (path, method, code)
            if op.get("security"):
                assert {"401", "403", "429"} <= set(responses), (path, method)
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in responses, (path, method)
            if "{" in path:
                assert "404" in responses, (path, method)


def test_both_authentications_are_declared(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {(s["type"], s["in"], s["name"]) for s in schemes.values()} >= {
        ("apiKey", "header", "X-API-KEY"),
        ("apiKey", "cookie", "sessionid"),
    }


def test_error_shape_is_documented(schema):
    erreur = schema["components"]["schemas"]["ErreurOut"]
    assert set(erreur["properties"]) == {"description", "errors"}


def test_docs_work_offline(db):
    page = Client().get(f"{API}/docs")
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)

    assert page.status_code == 200
    assert assets and all(a.startswith(f"{API}/docs/assets/") for a in assets), assets
    for asset in assets:
        assert Client().get(asset).status_code == 200
    assert Client().get(f"{API}/docs/assets/settings.py").status_code == 404


# --- Query counts ---------------------------------------------------------------------------------


@pytest.fixture
def crowded(tenant_a):
    """Enough rows of everything for two different page sizes."""
    dossiers = DossierFactory.create_batch(30, of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise)
    for d in dossiers[:12]:
        courrier = make_courrier(d)
        Notification.objects.create(user=tenant_a.gestionnaire, courrier=courrier, created_at=NOW)
    accorde = DossierFactory(of_etablissement=tenant_a.etab, accorde=True)
    factures = FactureFactory.create_batch(12, dossier=accorde, etat="payee")
    for f in factures:
        make_reglement(f)
    return tenant_a


LISTS = [
    "/dossiers?dispositif=apprentissage&tri=nom&etat=transmis",
    "/notifications?tri=-date",
    "/factures?tri=montant_ttc",
    "/paiements?tri=-date_paiement",
    "/habilitations/utilisateurs",
]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.content)
    return len(queries)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("auth", ["session", "key"])
def test_list_queries_are_bounded_and_independent_of_page_size(crowded, url, auth):
    client = session_client(crowded.gestionnaire) if auth == "session" else Client(headers={"X-API-KEY": crowded.key})

    def with_page(query: str) -> str:
        return f"{API}{url}&{query}" if "?" in url else f"{API}{url}?{query}"

    count_queries(client, with_page("taille=1"))  # warm-up: a key's first call records its use
    small = count_queries(client, with_page("taille=5&page=2"))  # rows + COUNT
    large = count_queries(client, with_page("taille=50"))  # every row on one page: no COUNT needed

    assert large <= small <= MAX_QUERIES


DETAILS = [
    "/tableau-de-bord",
    "/dossiers/{t.dossier.pk}",
    "/factures/{t.paid.pk}",
    "/paiements/{t.reglement.pk}",
    "/notifications/{t.notification.pk}",
    "/notifications/{t.notification.pk}/examiner",
    "/dossiers/{t.dossier.pk}/pieces",
    "/habilitations/etablissements",
    "/habilitations/etablissements/{t.etab.pk}",
    "/auth/moi",
]


@pytest.mark.parametrize("template", DETAILS)
def test_detail_queries_are_bounded(crowded, template):
    client = session_client(crowded.gestionnaire)

    assert count_queries(client, API + template.format(t=crowded)) <= MAX_QUERIES


def test_synthesis_queries_do_not_grow_with_its_content(tenant_a):
    client = session_client(tenant_a.gestionnaire)
    before = count_queries(client, f"{API}/dossiers/{tenant_a.dossier.pk}")
    for _ in range(5):
        make_courrier(tenant_a.dossier)
        FactureFactory(dossier=tenant_a.dossier)

    assert count_queries(client, f"{API}/dossiers/{tenant_a.dossier.pk}") == before


def test_export_queries_do_not_grow_with_rows(crowded):
    client = session_client(crowded.gestionnaire)
    few = count_queries(client, f"{API}/factures/export?format=csv&numero={crowded.paid.numero}")
    many = count_queries(client, f"{API}/factures/export?format=xlsx")

    assert few == many <= MAX_QUERIES


# --- Responses built without ninja's validation still match their declared schemas -----------------


@pytest.mark.parametrize(
    ("template", "schema_name"),
    [
        ("/tableau-de-bord", "TableauDeBordOut"),
        ("/dossiers?dispositif=apprentissage&taille=50", "PageOut[DossierLigneOut]"),
        ("/dossiers/{t.dossier.pk}", "DossierOut"),
        ("/notifications", "PageOut[NotificationOut]"),
        ("/notifications/{t.notification.pk}/examiner", "ExamenOut"),
        ("/factures?taille=50", "PageOut[FactureLigneOut]"),
        ("/factures/{t.paid.pk}", "FactureOut"),
        ("/paiements", "PageOut[PaiementLigneOut]"),
        ("/paiements/{t.reglement.pk}", "PaiementOut"),
    ],
)
def test_fast_responses_match_their_schema(crowded, template, schema_name):
    from api import schemas

    if schema_name.startswith("PageOut["):
        model = schemas.PageOut[getattr(schemas, schema_name[len("PageOut[") : -1])]
    else:
        model = getattr(schemas, schema_name)
    response = session_client(crowded.gestionnaire).get(API + template.format(t=crowded))

    assert response.status_code == 200
    model.model_validate(response.json())
    assert set(response.json()) == set(model.model_fields)
