"""Every operation of the OpenAPI document, fuzzed by schemathesis against the WSGI application in this
process (real PostgreSQL in CI, autocommit like production): with an OF administrator's session (CSRF token
on writes), an OPCO gestionnaire's session and the SIRET's key. Bounded and deterministic: ``EXAMPLES``
generated cases per operation and per caller, the same on every run.

Each answer must be no server error (5xx — the 503 of a missing PDF converter aside, which the operation
declares) and must match the response schema the document declares for its status.
"""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import ApiKey
from config.wsgi import application
from tests.worlds import make_key, make_tenant

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = 12
CSRF = "a" * 8 + "Zb3" * 8  # a 32-character CSRF secret, sent as cookie and header
CHECKS = [not_a_server_error, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def session_cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.LimitedModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def real_ids(world) -> dict[str, int]:
    """Path parameters that name an object of the caller's world (half the cases use them)."""
    return {
        "dossier_id": world.dossier.pk,
        "facture_id": world.facture.pk,
        "reglement_id": world.reglement.pk,
        "courrier_id": world.courrier.pk,
        "notification_id": world.notification.pk,
        "piece_id": world.piece.pk,
        "user_id": world.gestionnaire.pk,
        "etablissement_id": world.etab.pk,
        "cle_id": world.key_obj.pk,
    }


def fuzz(operation, headers: dict, cookies: dict, ids: dict, statuses: Counter, failures: list[str]) -> None:
    """``EXAMPLES`` cases of one operation, sent with the caller's credentials and checked."""

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if case.path_parameters and hash(repr(case.path_parameters)) % 2 == 0:
            for name in case.path_parameters:
                if name in ids:
                    case.path_parameters[name] = ids[name]
        # The caller's own credentials only (schemathesis fills the security schemes with made-up values).
        for name in ("X-API-KEY", "x-api-key"):
            (case.headers or {}).pop(name, None)
        (case.cookies or {}).pop(django_settings.SESSION_COOKIE_NAME, None)
        response = case.call(headers=headers, cookies=cookies)
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as exc:  # noqa: BLE001 - collected, reported together by the test
            summary = re.sub(r"\s+", " ", str(exc))[:600]
            failures.append(f"{case.method} {case.formatted_path} → {response.status_code}: {summary}")

    run()


@pytest.mark.parametrize("caller", ["cle", "session_of", "session_opco"])
def test_every_operation_answers_without_server_error_and_as_documented(caller, opco, pdf_listener, settings):
    settings.PORTAIL = {**settings.PORTAIL, "API_KEY_RATE_LIMIT": "1000000/60"}  # the key's limit is tested elsewhere
    world = make_tenant("OF GENERIQUE")
    make_tenant("AUTRE ORGANISME")
    ids = real_ids(world)
    failures: list[str] = []
    statuses: Counter = Counter()
    started = time.monotonic()
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) >= 70

    for operation in operations:
        headers = {}
        cookies = {}
        if caller == "cle":
            key = ApiKey.objects.filter(etablissement=world.etab, revoked_at__isnull=True).first()
            raw = world.key if key is not None and key.pk == world.key_obj.pk else None
            if raw is None:
                world.key_obj, world.key = make_key(world.etab, world.admin)
                raw = world.key
            headers["X-API-KEY"] = raw
        else:
            user = world.admin if caller == "session_of" else opco
            cookies = {
                django_settings.SESSION_COOKIE_NAME: session_cookie(user),
                django_settings.CSRF_COOKIE_NAME: CSRF,
            }
            headers["X-CSRFToken"] = CSRF

        fuzz(operation, headers, cookies, ids, statuses, failures)

    elapsed = time.monotonic() - started
    print(f"\n{caller}: {len(operations)} opérations, {sum(statuses.values())} requêtes en {elapsed:.1f} s, {statuses}")
    assert not failures, f"{len(failures)} réponse(s) non conformes :\n" + "\n".join(failures[:40])
    assert not any(status >= 500 and status != 503 for status in statuses)
