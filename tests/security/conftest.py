import pytest
from django.core.cache import cache

from tests.api.conftest import admin_a, gest_a, key_a, key_b, opco, tenant_a, tenant_b, user_b  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()
