"""Accounts people can use: sign in through the shared limiter, « mot de passe oublié », change
password, invitations (new address, existing account, wrong account, expired), preferences."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Habilitation, Invitation, User
from accounts.services import HabilitationInput, UserInput, invitation_create
from tests.portal.conftest import signed_in, text_of

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/connexion/", {"username": email, "password": password})


def invite(tenant, email="nouvelle.recrue@exemple.fr", role="gestionnaire_of", **extra):
    data = UserInput(
        email=email,
        nom=extra.get("nom", "RECRUE"),
        prenom=extra.get("prenom", "Nina"),
        habilitations=(HabilitationInput(etablissement_id=tenant.etab.pk, role=role),),
    )
    return invitation_create(actor=Actor.for_user(tenant.admin), data=data, now=timezone.now())


# --- Connexion --------------------------------------------------------------------------------


def test_home_leads_to_sign_in_then_to_the_dashboard(tenant_a):
    client = Client()

    first = client.get("/")
    assert first.status_code == 302 and first["Location"] == "/tableau-de-bord/"
    second = client.get("/tableau-de-bord/")
    assert second.status_code == 302 and second["Location"] == "/connexion/?next=/tableau-de-bord/"

    response = sign_in(client, tenant_a.admin.email)
    assert response.status_code == 302 and response["Location"] == "/tableau-de-bord/"
    assert "Mon tableau de bord" in text_of(client.get("/tableau-de-bord/"))


def test_email_is_case_insensitive_at_sign_in(tenant_a):
    assert sign_in(Client(), tenant_a.admin.email.upper()).status_code == 302


def test_wrong_password_then_throttled_with_a_french_wait_and_the_real_user_elsewhere_still_gets_in(tenant_a):
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        refused = sign_in(attacker, tenant_a.admin.email, "pas-le-bon")
        assert refused.status_code == 200
        assert "E-mail ou mot de passe incorrect." in text_of(refused)

    blocked = sign_in(attacker, tenant_a.admin.email)  # even the right password, from the attacker's address
    real_user = sign_in(Client(REMOTE_ADDR="198.51.100.4"), tenant_a.admin.email)

    assert blocked.status_code == 200 and "Trop de tentatives : réessayez dans" in text_of(blocked)
    assert real_user.status_code == 302


def test_sign_out_is_a_post(admin_a):
    assert admin_a.get("/deconnexion/").status_code == 405
    response = admin_a.post("/deconnexion/")
    assert response.status_code == 302 and response["Location"] == "/connexion/"
    assert admin_a.get("/tableau-de-bord/").status_code == 302


def test_an_opco_user_without_habilitation_gets_a_french_403(db):
    from tests.factories import UserFactory

    response = signed_in(UserFactory(opco=True)).get("/tableau-de-bord/")

    assert response.status_code == 403
    assert "aucun établissement" in text_of(response)


# --- Mot de passe oublié ------------------------------------------------------------------------


def test_forgotten_password_sends_a_portal_link_that_sets_a_new_password_and_lifts_the_delays(tenant_a, settings):
    settings.PORTAIL = {**settings.PORTAIL, "BASE_URL": "https://portail.exemple.fr"}
    for _ in range(6):
        sign_in(Client(), tenant_a.admin.email, "pas-le-bon")
    client = Client()

    sent = client.post("/mot-de-passe-oublie/", {"email": tenant_a.admin.email})
    unknown = client.post("/mot-de-passe-oublie/", {"email": "personne@exemple.fr"})

    assert sent["Location"] == unknown["Location"] == "/mot-de-passe-oublie/envoye/"
    [message] = mail.outbox
    assert message.subject == "Portail OF — choisissez un nouveau mot de passe"
    link = next(word for word in message.body.split() if word.startswith("https://portail.exemple.fr/reinitialiser/"))
    form_page = client.get(link.removeprefix("https://portail.exemple.fr"), follow=True)
    assert "Choisissez un nouveau mot de passe" in text_of(form_page)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "un-tout-nouveau-secret", "new_password2": "un-tout-nouveau-secret"},
    )
    assert done["Location"] == "/reinitialiser/termine/"
    assert sign_in(Client(), tenant_a.admin.email, "un-tout-nouveau-secret").status_code == 302


def test_change_password_asks_the_current_one(gest_a, tenant_a):
    wrong = gest_a.post(
        "/mon-compte/mot-de-passe/",
        {"old_password": "faux", "new_password1": "encore-un-secret-1", "new_password2": "encore-un-secret-1"},
    )
    right = gest_a.post(
        "/mon-compte/mot-de-passe/",
        {"old_password": PASSWORD, "new_password1": "encore-un-secret-1", "new_password2": "encore-un-secret-1"},
    )

    assert wrong.status_code == 200 and 'aria-invalid="true"' in wrong.content.decode()
    assert right.status_code == 302
    tenant_a.gestionnaire.refresh_from_db()
    assert tenant_a.gestionnaire.check_password("encore-un-secret-1")


# --- Invitations ---------------------------------------------------------------------------------


def test_invitation_of_a_new_address_lets_her_choose_a_password_then_sign_in(tenant_a):
    sent = invite(tenant_a)
    client = Client()
    assert not User.objects.filter(email="nouvelle.recrue@exemple.fr").exists()

    page = client.get(f"/invitation/{sent.token}/")
    mismatch = client.post(
        f"/invitation/{sent.token}/",
        {"mot_de_passe": "un-secret-bien-long", "mot_de_passe_confirmation": "un-autre-secret-long"},
    )
    accepted = client.post(
        f"/invitation/{sent.token}/",
        {"mot_de_passe": "un-secret-bien-long", "mot_de_passe_confirmation": "un-secret-bien-long"},
    )

    assert "Créez votre accès" in text_of(page) and tenant_a.etab.raison_sociale in text_of(page)
    assert "Les deux mots de passe ne sont pas identiques." in text_of(mismatch)
    assert accepted["Location"] == "/tableau-de-bord/"
    user = User.objects.get(email="nouvelle.recrue@exemple.fr")
    [habilitation] = Habilitation.objects.filter(user=user)
    assert habilitation.etablissement_id == tenant_a.etab.pk and habilitation.principal
    assert client.get(f"/invitation/{sent.token}/").status_code == 409  # one-time link
    assert sign_in(Client(), user.email, "un-secret-bien-long").status_code == 302


def test_invitation_of_an_existing_account_is_accepted_after_sign_in_and_keeps_her_principal(tenant_a, tenant_b):
    person = tenant_b.gestionnaire
    sent = invite(tenant_a, email=person.email)
    anonymous = Client().get(f"/invitation/{sent.token}/")
    other = signed_in(tenant_b.admin)

    assert "connectez-vous avec lui" in text_of(anonymous)
    assert other.post(f"/invitation/{sent.token}/").status_code == 403
    response = signed_in(person).post(f"/invitation/{sent.token}/")

    assert response["Location"] == "/tableau-de-bord/"
    principal = Habilitation.objects.get(user=person, principal=True)
    assert principal.etablissement_id == tenant_b.etab.pk
    assert Habilitation.objects.filter(user=person, etablissement=tenant_a.etab).exists()


def test_an_expired_or_unknown_invitation_is_explained(tenant_a):
    sent = invite(tenant_a)
    Invitation.objects.filter(pk=sent.invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    expired = Client().get(f"/invitation/{sent.token}/")
    unknown = Client().get("/invitation/nimporte-quoi/")

    assert expired.status_code == 409 and "a expiré" in text_of(expired)
    assert unknown.status_code == 404 and "n'est pas valable" in text_of(unknown)


# --- Gérer mes notifications ----------------------------------------------------------------------


def test_daily_digest_preference(gest_a, tenant_a):
    page = gest_a.get("/mon-compte/notifications/")
    saved = gest_a.post("/mon-compte/notifications/", {})

    assert 'name="mail_quotidien"' in page.content.decode() and "checked" in page.content.decode()
    assert saved.status_code == 302
    tenant_a.gestionnaire.refresh_from_db()
    assert tenant_a.gestionnaire.daily_digest is False
