"""The portal's tests: the guide's screens through Django's test client (fast, every case) and, under
``navigateur/``, the guide's journeys in Debian's Chromium driven by Playwright."""

from __future__ import annotations

import html as html_module
import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.worlds import Tenant, make_tenant


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
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


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_a(tenant_a) -> Client:
    return signed_in(tenant_a.admin)


@pytest.fixture
def gest_a(tenant_a) -> Client:
    return signed_in(tenant_a.gestionnaire)


@pytest.fixture
def admin_b(tenant_b) -> Client:
    return signed_in(tenant_b.admin)


def text_of(response) -> str:
    """The visible text of an HTML response, whitespace collapsed (tags and scripts removed)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|template)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", html))).strip()
