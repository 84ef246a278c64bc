"""One JSON error shape everywhere, French messages, field paths."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import API, errors_of, fields_of

pytestmark = pytest.mark.django_db


def test_unknown_routes_answer_the_json_404(gest_a):
    for url in (f"{API}/nexistepas", f"{API}/dossiers/abc"):
        response = gest_a.get(url)
        assert response.status_code == 404
        assert errors_of(response)[0]["code"] == "introuvable"


def test_malformed_json_is_a_french_400(tenant_a):
    response = Client().post(f"{API}/auth/connexion", "{pas du json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON" in errors_of(response)[0]["description"]


def test_nested_validation_errors_carry_the_field_path(admin_a, tenant_a):
    body = {
        "email": "a@b.fr",
        "nom": "A",
        "prenom": "B",
        "habilitations": [{"etablissement_id": "abc", "role": "admin_of"}],
    }

    response = admin_a.post(f"{API}/habilitations/utilisateurs", body, content_type="application/json")

    assert response.status_code == 422
    assert fields_of(response) == {"habilitations[0].etablissement_id"}
    assert errors_of(response)[0]["description"] == "Nombre entier attendu."


def test_an_object_outside_the_scope_and_a_missing_object_answer_alike(gest_a, user_b, tenant_a):
    outside = user_b.get(f"{API}/dossiers/{tenant_a.dossier.pk}")
    missing = gest_a.get(f"{API}/dossiers/999999999")

    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
