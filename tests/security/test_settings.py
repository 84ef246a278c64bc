"""Production is the default: DEBUG off unless asked for, no start without a secret key of its own,
``check --deploy`` clean with the README's production variables, a CSP on every page (the API's docs and
the back office included), no cache for an answer that carries a new API key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "prod-" + "k3Jx9-Qw2ZrT8vLm4NpB7cYd1HsF6gUe0aOi5tVy" * 2


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PORTAIL_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DATABASE_URL": "sqlite:////tmp/portail-settings-check.sqlite3", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_value(env: dict, name: str) -> str:
    result = run(env, "shell", "-c", f"from django.conf import settings; print(settings.{name})")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_debug_is_off_unless_asked_for():
    assert settings_value({"DJANGO_SECRET_KEY": STRONG_KEY}, "DEBUG") == "False"
    assert settings_value({"DJANGO_DEBUG": "true"}, "DEBUG") == "True"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "n'est pas défini"),
        ("dev-only-insecure-key-change-me-in-production", "valeur connue"),
        ("remplacer-par-une-longue-valeur-aleatoire", "valeur connue"),
        ("demo-only-insecure-key-portail-of-never-use-it-in-production-0123456789", "valeur connue"),
        ("django-insecure-" + "x1y2z3" * 10, "valeur connue"),
        ("courte", "trop courte"),
    ],
)
def test_outside_debug_a_missing_or_known_secret_key_stops_the_start(key, reason):
    env = {} if key is None else {"DJANGO_SECRET_KEY": key}

    result = run(env, "check")

    assert result.returncode != 0
    assert "Démarrage refusé" in result.stderr and reason in result.stderr


def test_check_deploy_is_clean_with_the_documented_production_variables():
    env = {
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "portail.opco.example",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://portail.opco.example",
        "PORTAIL_HTTPS": "true",
        "PORTAIL_TRUSTED_PROXIES": "1",
    }

    result = run(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert settings_value(env, "SECURE_PROXY_SSL_HEADER") == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert settings_value(env, "PORTAIL['TRUSTED_PROXIES']") == "1"


def test_without_the_https_variables_check_deploy_says_what_is_missing():
    result = run({"DJANGO_SECRET_KEY": STRONG_KEY}, "check", "--deploy")

    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/docs", "/admin/login/", "/connexion/", "/api/v1/openapi.json", "/nulle-part/"]
)
def test_every_page_has_the_content_security_policy(client, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_api_docs_page_runs_no_inline_script(client):
    page = client.get("/api/v1/docs").content.decode()

    assert "<script>" not in page and "onload=" not in page and "style=" not in page
    assert '<script type="application/json"' in page  # data, not code: allowed by the policy


@pytest.mark.django_db
def test_the_api_answer_that_carries_a_new_key_is_never_cached(admin_a, tenant_a):
    response = admin_a.post(
        "/api/v1/habilitations/cles", {"etablissement_id": tenant_a.etab.pk}, content_type="application/json"
    )

    assert response.status_code == 201 and response.json()["cle"].startswith("pof_")
    assert response["Cache-Control"] == "no-store"
