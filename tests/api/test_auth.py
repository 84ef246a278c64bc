"""Session login/logout/profile, CSRF, login throttling, X-API-KEY (invalid, revoked, expired, rate limit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey
from tests.api.conftest import API, errors_of

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"


def login(client, email, password=PASSWORD):
    return client.post(
        f"{API}/auth/connexion", {"email": email, "mot_de_passe": password}, content_type="application/json"
    )


def test_unauthenticated_calls_get_401_in_the_error_shape(tenant_a):
    response = Client().get(f"{API}/tableau-de-bord")

    assert response.status_code == 401
    assert errors_of(response)[0]["code"] == "non_authentifie"


def test_login_then_profile_lists_habilitations_and_logout(tenant_a):
    client = Client()

    response = login(client, tenant_a.admin.email)

    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "utilisateur"
    assert body["utilisateur"]["email"] == tenant_a.admin.email
    [habilitation] = body["habilitations"]
    assert habilitation["etablissement"]["siret"] == tenant_a.etab.siret
    assert habilitation["role"] == "admin_of"
    assert {d["code"] for d in habilitation["droits"]} >= {"gerer_utilisateurs", "gerer_cles"}
    assert client.get(f"{API}/auth/moi").status_code == 200
    assert client.post(f"{API}/auth/deconnexion").status_code == 204
    assert client.get(f"{API}/auth/moi").status_code == 401


def test_wrong_password_is_401_and_repeated_failures_are_throttled(tenant_a):
    client = Client()
    for _ in range(5):
        response = login(client, tenant_a.admin.email, "mauvais")
        assert response.status_code == 401
        assert errors_of(response)[0]["code"] == "identifiants_invalides"

    response = login(client, tenant_a.admin.email)  # even the right password now

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de requêtes" in response.json()["description"]


def test_inactive_user_cannot_log_in(tenant_a):
    tenant_a.gestionnaire.is_active = False
    tenant_a.gestionnaire.save()

    assert login(Client(), tenant_a.gestionnaire.email).status_code == 401


def test_csrf_is_required_on_unsafe_methods_with_a_session(tenant_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenant_a.gestionnaire)

    refused = client.post(f"{API}/notifications/lues")
    token = client.get(f"{API}/auth/csrf").json()["csrf_token"]
    accepted = client.post(f"{API}/notifications/lues", headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert errors_of(refused)[0]["code"] == "csrf"
    assert accepted.status_code == 200
    assert client.get(f"{API}/notifications").status_code == 200  # safe methods need no token


def test_login_itself_is_csrf_protected(tenant_a):
    client = Client(enforce_csrf_checks=True)

    assert login(client, tenant_a.admin.email).status_code == 403


def test_api_key_sees_its_siret_as_profile(tenant_a, key_a):
    body = key_a.get(f"{API}/auth/moi").json()

    assert body["type"] == "cle"
    assert body["cle"]["etablissement"]["siret"] == tenant_a.etab.siret
    assert body["habilitations"] == []


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("revoked_at", timezone.now(), "CLE_REVOQUEE"),
        ("expires_at", timezone.now() - timedelta(days=1), "CLE_EXPIREE"),
    ],
)
def test_revoked_or_expired_key_is_refused_with_a_clear_code(tenant_a, field, value, code):
    ApiKey.objects.filter(pk=tenant_a.key_obj.pk).update(**{field: value})

    response = Client(headers={"X-API-KEY": tenant_a.key}).get(f"{API}/dossiers?dispositif=apprentissage")

    assert response.status_code == 403
    assert errors_of(response)[0]["code"] == code


def test_unknown_key_is_refused(tenant_a):
    response = Client(headers={"X-API-KEY": "pof_nimportequoi"}).get(f"{API}/tableau-de-bord")

    assert response.status_code == 403
    assert errors_of(response)[0]["code"] == "CLE_INVALIDE"


def test_key_calls_are_rate_limited_per_key_with_retry_after(tenant_a, tenant_b, settings):
    settings.PORTAIL = {**settings.PORTAIL, "API_KEY_RATE_LIMIT": "3/60"}
    client = Client(headers={"X-API-KEY": tenant_a.key})
    statuses = [client.get(f"{API}/auth/moi").status_code for _ in range(4)]
    other = Client(headers={"X-API-KEY": tenant_b.key}).get(f"{API}/auth/moi")
    last = client.get(f"{API}/auth/moi")

    assert statuses == [200, 200, 200, 429]
    assert int(last["Retry-After"]) >= 1
    assert errors_of(last)[0]["code"] == "trop_de_requetes"
    assert other.status_code == 200  # the limit is per key


def test_key_use_is_recorded(tenant_a, key_a):
    key_a.get(f"{API}/auth/moi")

    assert ApiKey.objects.get(pk=tenant_a.key_obj.pk).last_used_at is not None


def test_key_needs_no_csrf_token(tenant_a):
    client = Client(enforce_csrf_checks=True, headers={"X-API-KEY": tenant_a.key})

    assert client.post(f"{API}/notifications/lues").status_code == 200


def test_notification_preferences_daily_digest_on_by_default(gest_a, tenant_a):
    assert gest_a.get(f"{API}/auth/moi/notifications").json() == {"mail_quotidien": True}

    response = gest_a.put(f"{API}/auth/moi/notifications", {"mail_quotidien": False}, content_type="application/json")

    assert response.json() == {"mail_quotidien": False}
    tenant_a.gestionnaire.refresh_from_db()
    assert tenant_a.gestionnaire.daily_digest is False


def test_a_key_has_no_notification_preferences_to_change(key_a):
    response = key_a.put(f"{API}/auth/moi/notifications", {"mail_quotidien": False}, content_type="application/json")

    assert response.status_code == 403
