"""Mes habilitations in a real browser: the issue's « invitation → choose a password → sign in » journey,
a key generated (shown once, copied), then revoked through the dialog, and the other screens and dialogs
of the section. Every page and dialog state visited is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import ApiKey, Habilitation, Invitation, User
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def sign_out(page) -> None:
    page.locator(".menu-utilisateur summary").click()
    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def test_invitation_then_choose_a_password_then_sign_in(page, live_server, tenant_a, settings):
    settings.PORTAIL = {**settings.PORTAIL, "BASE_URL": live_server.url}
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes habilitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Utilisateurs")
    assert_accessible(page)
    page.get_by_role("link", name="+ Créer un utilisateur").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un utilisateur")
    assert_accessible(page)

    page.get_by_role("textbox", name="Nom", exact=True).fill("LOISEAU")
    page.get_by_role("textbox", name="Prénom").fill("Julie")
    page.get_by_role("textbox", name="E-mail").fill("pas-une-adresse")
    page.get_by_label("Sexe").select_option(label="Féminin")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert").first).to_contain_text("Adresse e-mail invalide.")
    expect(page.get_by_role("textbox", name="Nom", exact=True)).to_have_value("LOISEAU")
    assert_accessible(page)

    page.get_by_role("textbox", name="E-mail").fill("julie.loiseau@exemple.fr")
    block = page.get_by_role("group", name=re.compile("^OF GENERIQUE"))
    expect(block.get_by_label("Rattacher l'utilisateur à cet établissement")).to_be_checked()
    block.get_by_label("Gestionnaire OF").check()
    block.get_by_label("Consulter les règlements").uncheck()
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "Invitation envoyée à julie.loiseau@exemple.fr : la personne choisit son mot de passe"
    )
    pending = page.get_by_role("table", name=re.compile("^Invitations en attente"))
    expect(pending.get_by_role("cell", name="julie.loiseau@exemple.fr", exact=True)).to_be_visible()
    assert_accessible(page)
    assert not User.objects.filter(email="julie.loiseau@exemple.fr").exists()

    [message] = mail.outbox
    link = next(word for word in message.body.split() if "/invitation/" in word)
    assert link.startswith(f"{live_server.url}/invitation/")
    sign_out(page)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Créez votre accès")
    assert_accessible(page)
    page.get_by_label("Choisissez votre mot de passe").fill("un-secret-bien-long-2026")
    page.get_by_label("Confirmez le mot de passe").fill("un-secret-bien-long-2026")
    page.get_by_role("button", name="Créer mon accès").click()
    expect(page).to_have_url(f"{live_server.url}/tableau-de-bord/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon tableau de bord")
    assert_accessible(page)
    user = User.objects.get(email="julie.loiseau@exemple.fr")
    habilitation = Habilitation.objects.get(user=user)
    assert habilitation.etablissement_id == tenant_a.etab.pk and habilitation.role == "gestionnaire_of"
    assert not habilitation.consulter_reglements and habilitation.deposer_factures

    sign_out(page)
    sign_in(page, live_server, "julie.loiseau@exemple.fr", "un-secret-bien-long-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon tableau de bord")
    page.goto(f"{live_server.url}/invitation/{link.rsplit('/invitation/', 1)[1]}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Action impossible")  # a one-time link


def test_generate_a_key_copy_it_then_revoke_it_through_the_dialog(page, live_server, tenant_a, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    previous = tenant_a.key_obj
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)

    page.goto(f"{live_server.url}/habilitations/utilisateurs/")
    page.get_by_role("navigation", name="Mes habilitations").get_by_role("link", name="Clé d'authentification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clé d'authentification")
    expect(page.get_by_text(f"pof_{previous.prefix}_…").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="+ Générer ma clé d'authentification").click()
    dialog = page.get_by_role("dialog", name="Générer ma clé d'authentification")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"La clé actuelle (pof_{previous.prefix}_…) sera révoquée")
    assert_accessible(page)
    dialog.get_by_role("link", name="Annuler").click()
    expect(dialog).to_be_hidden()

    page.get_by_role("link", name="+ Générer ma clé d'authentification").click()
    page.get_by_role("dialog").get_by_role("button", name="Générer la clé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre nouvelle clé d'authentification")
    expect(page.get_by_role("alert")).to_contain_text("Copiez cette clé maintenant : elle ne sera plus jamais affichée")
    field = page.get_by_label("Clé d'authentification")
    raw = field.input_value()
    assert raw.startswith("pof_") and ApiKey.objects.get(key_hash=ApiKey.hash_of(raw)).revoked_at is None
    expect(field).to_have_attribute("readonly", "")
    assert_accessible(page)
    page.get_by_role("button", name="Copier").click()
    expect(page.get_by_role("button", name="Copiée ✓")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw

    page.reload()  # the answer of the POST is not shown again
    expect(page.get_by_role("heading", level=1)).to_have_text("Clé d'authentification")
    assert raw not in page.content()
    expect(page.get_by_role("status").first).to_contain_text("aucune nouvelle clé n'a été générée")
    assert ApiKey.objects.filter(etablissement=tenant_a.etab).count() == 2
    new = ApiKey.objects.get(key_hash=ApiKey.hash_of(raw))
    expect(page.get_by_text(f"pof_{new.prefix}_…").first).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=f"Révoquer la clé pof_{new.prefix}_…").click()
    dialog = page.get_by_role("dialog", name=f"Révoquer la clé pof_{new.prefix}_… ?")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Révoquer la clé").click()
    expect(page.get_by_role("status").first).to_contain_text("est révoquée")
    expect(page.get_by_text("Aucune clé d'authentification n'est active pour ce SIRET.")).to_be_visible()
    assert_accessible(page)
    new.refresh_from_db()
    assert new.revoked_at is not None


def test_users_rights_deactivation_invitations_and_etablissements_keyboard_and_screens(page, live_server, tenant_a):
    person = tenant_a.gestionnaire
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/habilitations/utilisateurs/inviter/")
    page.get_by_role("textbox", name="Nom", exact=True).fill("RECRUE")
    page.get_by_role("textbox", name="Prénom").fill("Nina")
    page.get_by_role("textbox", name="E-mail").fill("nina.recrue@exemple.fr")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("Invitation envoyée à nina.recrue@exemple.fr")

    # Cancel the invitation through the dialog.
    page.get_by_role("link", name="Annuler l'invitation de nina.recrue@exemple.fr").click()
    dialog = page.get_by_role("dialog", name="Annuler l'invitation de nina.recrue@exemple.fr ?")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Annuler l'invitation").click()
    expect(page.get_by_role("status").first).to_contain_text("L'invitation de nina.recrue@exemple.fr est annulée")
    assert Invitation.objects.get().cancelled_at is not None

    # Voir / modifier a user, with the keyboard only for the rights.
    page.get_by_role("link", name=f"Modifier Camille {person.nom}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voir l'utilisateur")
    assert_accessible(page)
    block = page.get_by_role("group", name=re.compile("^OF GENERIQUE"))
    saisir = block.get_by_label("Saisir des contrats d'apprentissage")
    saisir.focus()
    page.keyboard.press("Space")
    expect(saisir).not_to_be_checked()
    block.get_by_label("Gérer les clés d'authentification").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert").first).to_contain_text("est réservé aux administrateurs")
    assert_accessible(page)
    page.get_by_role("group", name=re.compile("^OF GENERIQUE")).get_by_label(
        "Gérer les clés d'authentification"
    ).uncheck()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("sont enregistrés")
    assert not Habilitation.objects.get(user=person).saisir_contrats

    # Deactivate through the dialog.
    page.get_by_role("link", name="Désactiver l'utilisateur").click()
    dialog = page.get_by_role("dialog", name=re.compile("^Désactiver l'utilisateur"))
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Désactiver l'utilisateur").click()
    expect(page.get_by_role("status").first).to_contain_text("est désactivé")
    person.refresh_from_db()
    assert not person.is_active

    # Établissements: the list, the sheet, the contact fields.
    page.get_by_role("navigation", name="Mes habilitations").get_by_role("link", name="Établissements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La liste des établissements")
    assert_accessible(page)
    page.get_by_role("link", name="OF GENERIQUE").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("OF GENERIQUE")
    page.get_by_label("Numéro de téléphone").fill("12")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert").first).to_contain_text("Numéro de téléphone invalide.")
    assert_accessible(page)
    page.get_by_label("Numéro de téléphone").fill("01 23 45 67 89")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status").first).to_contain_text("Les coordonnées de OF GENERIQUE sont enregistrées.")
    assert_accessible(page)


def test_a_gestionnaire_reads_the_section_and_the_tablet_layout_holds(page, live_server, tenant_a):
    page.set_viewport_size({"width": 768, "height": 1024})
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)

    for url, title in (
        ("/habilitations/utilisateurs/", "Utilisateurs"),
        (f"/habilitations/utilisateurs/{tenant_a.admin.pk}/", "Voir l'utilisateur"),
        ("/habilitations/etablissements/", "La liste des établissements"),
        (f"/habilitations/etablissements/{tenant_a.etab.pk}/", "OF GENERIQUE"),
        ("/factures/", "Mes factures"),
        ("/paiements/", "Les paiements OPCO"),
        (f"/factures/{tenant_a.facture.pk}/", f"Facture N° {tenant_a.facture.numero}"),
    ):
        page.goto(live_server.url + url)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, url
        assert_accessible(page)

    page.goto(f"{live_server.url}/habilitations/cle/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    assert_accessible(page)
