"""The world is built once for the whole package, inside a transaction rolled back at its end (the other
packages never see it); each test runs in a savepoint of it, and each case of a matrix in a savepoint of
its own, rolled back, so that no write changes another case's answer."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from tests.proprietes.monde import Monde, construire

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="package")
def media_monde(tmp_path_factory):
    return tmp_path_factory.mktemp("media-proprietes")


@pytest.fixture(autouse=True)
def _media_root(settings, media_monde):
    """The world's files stay readable by every test of the package (the root conftest gives each test a
    fresh MEDIA_ROOT)."""
    settings.MEDIA_ROOT = media_monde


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="package")
def monde(django_db_setup, django_db_blocker, media_monde) -> Monde:
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_monde, PASSWORD_HASHERS=FAST_HASHER):
        with transaction.atomic():
            started = time.perf_counter()
            world = construire()
            world.duree_construction = time.perf_counter() - started
            yield world
            transaction.set_rollback(True)


def pytest_terminal_summary(terminalreporter):
    """The matrix's size and time, for the note: routes × principals × owners, by interface and in all."""
    from tests.proprietes.test_matrice import STATS

    if not STATS:
        return
    write = terminalreporter.write_line
    write("")
    write("Matrice d'autorisations (routes × principaux × propriétaires = cas, secondes) :")
    by_interface: dict[str, list[dict]] = {}
    for stat in STATS.values():
        by_interface.setdefault(stat["interface"], []).append(stat)
    for interface, stats in [*sorted(by_interface.items()), ("total", list(STATS.values()))]:
        write(
            f"  {interface:<8} {len(stats):>4} règles de routes, "
            f"{max(s['principals'] for s in stats):>2} principaux au plus, "
            f"{max(s['owners'] for s in stats)} propriétaires : {sum(s['cases'] for s in stats):>6} cas en "
            f"{sum(s['seconds'] for s in stats):6.1f} s"
        )
