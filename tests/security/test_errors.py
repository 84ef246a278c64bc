"""Hostile requests get a clear 4xx in the API's one error shape (and a French page in the portal), HEAD
works on GET routes, and a lost database is a 503 — never a 500."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

API = "/api/v1"
SHAPE = {"description", "errors"}


def json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == SHAPE and body["errors"] and {"code", "description", "champ"} <= set(body["errors"][0])
    return body


def test_a_wrong_method_is_a_405_in_the_error_shape_with_allow(admin_a):
    response = admin_a.get(f"{API}/opco/dossiers")

    body = json_error(response, 405)
    assert response["Allow"] == "POST" and "permises : POST" in body["description"]


def test_head_works_on_get_routes_without_a_body(admin_a):
    get = admin_a.get(f"{API}/tableau-de-bord")
    head = admin_a.head(f"{API}/tableau-de-bord")
    page = admin_a.head("/dossiers/apprentissage/")

    assert head.status_code == 200 and head.content == b""
    assert int(head["Content-Length"]) == len(get.content)
    assert page.status_code == 200 and page.content == b""


def test_unknown_api_paths_are_a_404_in_the_error_shape(admin_a):
    json_error(admin_a.get(f"{API}/nulle-part"), 404)
    json_error(admin_a.get("/api/v2/dossiers"), 404)


def test_a_body_over_the_limit_is_a_413_before_being_read(admin_a, tenant_a, settings):
    settings.MAX_REQUEST_BYTES = 1000

    api = admin_a.post(f"{API}/dossiers/{tenant_a.en_attente.pk}/pieces", b"x" * 2000, content_type="application/pdf")
    portal = admin_a.post("/mon-compte/notifications/", {"x": "y" * 2000})

    json_error(api, 413)
    assert portal.status_code == 413 and "Envoi trop volumineux" in portal.content.decode()


def test_json_fields_over_the_form_limit_are_a_413(admin_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = admin_a.put(
        f"{API}/auth/moi/notifications", '{"mail_quotidien": "' + "x" * 2000 + '"}', content_type="application/json"
    )

    json_error(response, 413)


def test_a_url_too_long_is_a_414(admin_a):
    json_error(admin_a.get(f"{API}/dossiers?dispositif=apprentissage&nom=" + "x" * 5000), 414)
    assert admin_a.get("/factures/?reference=" + "x" * 5000).status_code == 414


def test_multipart_without_boundary_on_a_session_write_is_a_400_not_a_crash(admin_a, tenant_a):
    api = admin_a.generic(
        "POST", f"{API}/dossiers/{tenant_a.en_attente.pk}/pieces", b"--x\r\n", content_type="multipart/form-data"
    )
    portal = admin_a.generic("POST", "/mon-compte/notifications/", b"--x\r\n", content_type="multipart/form-data")

    assert json_error(api, 400)["errors"][0]["code"] == "formulaire_illisible"
    assert portal.status_code == 400 and "Formulaire illisible" in portal.content.decode()


def test_nul_in_a_header_or_the_path_is_a_400(admin_a):
    json_error(admin_a.get(f"{API}/tableau-de-bord", headers={"X-Etablissement": "1\x00"}), 400)
    json_error(admin_a.get(f"{API}/dossiers%00"), 400)


def test_an_id_beyond_64_bits_is_a_404(admin_a):
    json_error(admin_a.get(f"{API}/dossiers/{10**20}"), 404)
    assert admin_a.get(f"/dossiers/{10**20}/").status_code == 404


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_a_lost_database_is_a_503_json_in_the_api_and_a_french_page_in_the_portal(error, admin_a, monkeypatch):
    def down(*args, **kwargs):
        raise error

    monkeypatch.setattr("api.routers.tableau_de_bord.dashboard", down, raising=False)
    monkeypatch.setattr("portal.views.tableau_de_bord.dashboard", down, raising=False)
    api = admin_a.get(f"{API}/tableau-de-bord")
    portal = admin_a.get("/tableau-de-bord/")

    assert json_error(api, 503)["errors"][0]["code"] == "service_indisponible"
    assert api["Retry-After"] == "5"
    assert portal.status_code == 503 and "Service momentanément indisponible" in portal.content.decode()


def test_a_database_gone_before_the_view_is_a_503_too(admin_a, monkeypatch):
    from django.contrib.sessions.backends import cached_db

    def down(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(cached_db.SessionStore, "load", down)
    client = Client(raise_request_exception=False)
    client.cookies = admin_a.cookies

    json_error(client.get(f"{API}/tableau-de-bord"), 503)
    assert client.get("/tableau-de-bord/").status_code == 503


def test_every_operation_declares_its_400_and_the_error_shape_in_the_openapi_document(client):
    schema = client.get(f"{API}/openapi.json").json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "414", "503"):
                response = operation["responses"].get(status)
                assert response, f"{method.upper()} {path} : {status} non déclaré"
                assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErreurOut")
            if operation.get("requestBody"):
                assert "413" in operation["responses"], f"{method.upper()} {path} : 413 non déclaré"
