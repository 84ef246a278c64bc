"""Playwright in Debian's Chromium (``apt-get install chromium``; ``playwright install`` cannot
download here) against pytest-django's live server, with an accessibility check (axe-core) helper."""

from __future__ import annotations

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

# The live server runs in a thread while Playwright's sync API holds an event loop in the test's
# thread: the ORM calls of the test itself are safe (one thread each), tell Django so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(autouse=True)
def _no_csp_violation(page):
    """Every page of a journey runs under the real Content-Security-Policy: a blocked script, style or
    image (an inline ``<script>``, a ``style=`` attribute, an ``on…=`` handler) fails the test."""
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    yield
    assert not violations, "Violation de la CSP :\n" + "\n".join(violations)


_axe = Axe()


def assert_accessible(page, *, allowed: tuple[str, ...] = ()) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = _axe.run(page)
    bad = [
        v for v in results.response["violations"] if v["impact"] in ("serious", "critical") and v["id"] not in allowed
    ]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in bad
    )
    assert not bad, f"{page.url} :\n{details}"


def sign_in(page, live_server, email: str, password: str) -> None:
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/tableau-de-bord/")
