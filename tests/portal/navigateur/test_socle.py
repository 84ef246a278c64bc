"""The portal's frame in a real browser: sign in, the dashboard and its tiles, the établissement
switcher, keyboard only, accessibility of the pages every journey starts from."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import EtablissementFactory
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_sign_in_then_dashboard_tile_leads_to_the_filtered_list(page, live_server, tenant_a):
    page.goto(live_server.url + "/")
    expect(page).to_have_url(f"{live_server.url}/connexion/?next=/tableau-de-bord/")
    assert_accessible(page)

    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon tableau de bord")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_accessible(page)
    card = page.get_by_role("region", name="Mes dossiers en attente de pièces complémentaires")
    tile = card.get_by_role("link", name="Contrats d'apprentissage")
    expect(tile).to_contain_text("1")


def test_wrong_password_is_told_in_french_and_keeps_the_email(page, live_server, tenant_a):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Adresse e-mail").fill(tenant_a.admin.email)
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("alert").first).to_contain_text("E-mail ou mot de passe incorrect.")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(tenant_a.admin.email)
    assert_accessible(page)


def test_the_switcher_changes_the_etablissement_everywhere(page, live_server, tenant_a):
    from accounts.models import Habilitation

    antenne = EtablissementFactory(raison_sociale="OF GENERIQUE ANTENNE")
    Habilitation.objects.create(user=tenant_a.admin, etablissement=antenne, role="admin_of")
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)

    page.get_by_label("Organisme de formation").select_option(label=f"OF GENERIQUE ANTENNE — {antenne.siret}")

    expect(page.locator(".sous-titre")).to_contain_text(antenne.siret)
    page.goto(f"{live_server.url}/guide/")
    expect(page.get_by_label("Organisme de formation")).to_have_value(str(antenne.pk))


def test_keyboard_only_reaches_the_content_and_the_menu(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused
