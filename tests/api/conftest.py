"""A small world for the API: OF A (the guide's OF GENERIQUE) with an administrator, a gestionnaire, a
key and dossiers of every dispositif; OF B with the same; an OPCO gestionnaire."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from tests.factories import UserFactory
from tests.worlds import Tenant, make_courrier, make_key, make_reglement, make_tenant  # noqa: F401 — re-exported

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # PBKDF2's cost is for production; the API tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tenant_a(db) -> Tenant:
    return make_tenant("OF GENERIQUE")


@pytest.fixture
def tenant_b(db) -> Tenant:
    return make_tenant("AUTRE ORGANISME")


@pytest.fixture
def opco(db) -> User:
    return UserFactory(opco=True)


def session_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def key_client(raw: str) -> Client:
    return Client(headers={"X-API-KEY": raw})


@pytest.fixture
def admin_a(tenant_a) -> Client:
    return session_client(tenant_a.admin)


@pytest.fixture
def gest_a(tenant_a) -> Client:
    return session_client(tenant_a.gestionnaire)


@pytest.fixture
def key_a(tenant_a) -> Client:
    return key_client(tenant_a.key)


@pytest.fixture
def user_b(tenant_b) -> Client:
    return session_client(tenant_b.admin)


@pytest.fixture
def key_b(tenant_b) -> Client:
    return key_client(tenant_b.key)


@pytest.fixture
def opco_client(opco) -> Client:
    return session_client(opco)


def errors_of(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"description", "errors"}, body
    assert body["errors"], body
    return body["errors"]


def codes_of(response) -> set[str]:
    return {e["code"] for e in errors_of(response)}


def fields_of(response) -> set[str]:
    return {e["champ"] for e in errors_of(response)}
