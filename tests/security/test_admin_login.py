"""The back office's login goes through the shared limiter: an attacker who guessed 40 times from one
address is stopped there — even with the right password — while the real user, from her own address,
signs in; a password reset lifts the delay. Every failure and success is logged."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from accounts.services.login import login_unlock
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "gestion-opco-solide-42"
ATTACKER, REAL_USER = "203.0.113.66", "198.51.100.7"


def admin_login(address: str, email: str, password: str) -> tuple[Client, object]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/admin/login/?next=/admin/", {"username": email, "password": password})
    return client, response


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def gestionnaire(db):
    user = UserFactory(opco=True, email="gestion@opco.example")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_forty_wrong_passwords_then_the_right_one_from_the_same_address_is_refused(gestionnaire, caplog):
    caplog.set_level(logging.INFO, logger="portail.connexions")
    for _ in range(40):
        client, response = admin_login(ATTACKER, gestionnaire.email, "mauvais-mot-de-passe")
        assert response.status_code == 200 and not signed_in(client)

    client, response = admin_login(ATTACKER, gestionnaire.email, PASSWORD)

    assert not signed_in(client)
    assert "Trop de tentatives" in response.content.decode()
    failures = [r for r in caplog.records if "Connexion refusée (back-office)" in r.getMessage()]
    assert len(failures) == 41 and ATTACKER in failures[-1].getMessage()


def test_the_real_user_from_her_own_address_still_signs_in_and_it_is_logged(gestionnaire, caplog):
    caplog.set_level(logging.INFO, logger="portail.connexions")
    for _ in range(40):
        admin_login(ATTACKER, gestionnaire.email, "mauvais-mot-de-passe")

    client, response = admin_login(REAL_USER, gestionnaire.email, PASSWORD)

    assert response.status_code == 302 and signed_in(client)
    assert any(
        "Connexion réussie (back-office)" in r.getMessage() and REAL_USER in r.getMessage() for r in caplog.records
    )


def test_a_password_reset_lifts_the_delay_even_from_the_attackers_address(gestionnaire):
    for _ in range(40):
        admin_login(ATTACKER, gestionnaire.email, "mauvais-mot-de-passe")

    login_unlock(gestionnaire.email)  # what the reset and change views call
    client, response = admin_login(ATTACKER, gestionnaire.email, PASSWORD)

    assert signed_in(client)


def test_the_lock_message_is_the_same_for_an_unknown_account(gestionnaire):
    for _ in range(6):
        admin_login(ATTACKER, "personne@opco.example", "x")

    _, response = admin_login(ATTACKER, "personne@opco.example", "x")

    assert "Trop de tentatives" in response.content.decode()


def test_behind_a_trusted_proxy_the_limit_follows_the_forwarded_address(gestionnaire, settings):
    settings.PORTAIL = {**settings.PORTAIL, "TRUSTED_PROXIES": 1}
    proxy = "10.0.0.2"
    for _ in range(10):
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}")
        client.post("/admin/login/", {"username": gestionnaire.email, "password": "mauvais"})

    # Same proxy, another client: not slowed down by the attacker (the spoofed left-most entry is ignored).
    client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"{ATTACKER}, {REAL_USER}")
    response = client.post("/admin/login/?next=/admin/", {"username": gestionnaire.email, "password": PASSWORD})

    assert response.status_code == 302 and signed_in(client)
