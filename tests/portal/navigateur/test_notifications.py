"""Notifications in a real browser: the bell → the list → « Examiner » opens the dossier; « Tout
marquer comme lu » brings the badge to 0; « Supprimer » and « Tout supprimer » ask in the dialog
(keyboard, « Annuler » closes it, « Confirmer » deletes). axe-core on every page and dialog state."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cases.models import Destinataire, Notification
from tests.factories import NOW
from tests.portal.navigateur.conftest import assert_accessible, sign_in
from tests.worlds import make_courrier

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def bell(page, count: int):
    return page.get_by_role("link", name=f"Notifications : {count} non lue{'s' if count > 1 else ''}")


def test_examine_opens_the_dossier_and_the_badge_drops(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)

    bell(page, 1).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    row = page.get_by_role("row").filter(has_text=tenant_a.dossier.reference)
    expect(row).to_contain_text("Un nouveau courrier a été déposé dans votre dossier.")
    expect(row).to_contain_text("Non lue")
    assert_accessible(page)

    row.get_by_role("link", name=re.compile("^Examiner")).click()

    expect(page).to_have_url(f"{live_server.url}/dossiers/{tenant_a.dossier.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier N° {tenant_a.dossier.reference}")
    expect(bell(page, 0)).to_be_visible()
    assert_accessible(page)


def test_mark_all_read_then_delete_all_through_the_dialog(page, live_server, tenant_a):
    courrier = make_courrier(tenant_a.en_attente, destinataire=Destinataire.ENTREPRISE)
    Notification.objects.create(user=tenant_a.gestionnaire, courrier=courrier, created_at=NOW)
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    expect(bell(page, 2)).to_be_visible()
    bell(page, 2).click()

    page.get_by_role("button", name="Tout marquer comme lu").click()

    expect(bell(page, 0)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("2 notifications marquées comme lues.")
    expect(page.get_by_role("button", name=re.compile("^Marquer comme lue"))).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name="Tout supprimer").click()
    dialog = page.get_by_role("dialog", name="Tout supprimer")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Vous êtes sur le point de supprimer toutes les notifications")
    expect(dialog).to_contain_text("Voulez-vous continuer ?")
    expect(page).to_have_url(f"{live_server.url}/notifications/")  # a dialog, not a new page
    assert_accessible(page)

    dialog.get_by_role("button", name="Annuler").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("row")).to_have_count(3)

    page.get_by_role("link", name="Tout supprimer").click()
    page.get_by_role("dialog", name="Tout supprimer").get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("status").first).to_contain_text("2 notifications supprimées.")
    expect(page.get_by_role("cell", name="Aucune notification.")).to_be_visible()
    assert Notification.objects.filter(user=tenant_a.gestionnaire, deleted_at__isnull=True).count() == 0
    assert_accessible(page)


def test_mark_one_read_and_delete_one_with_the_keyboard(page, live_server, tenant_a):
    courrier = make_courrier(tenant_a.en_attente)
    Notification.objects.create(user=tenant_a.gestionnaire, courrier=courrier, created_at=NOW)
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    page.goto(f"{live_server.url}/notifications/?tri=nom")

    durand = page.get_by_role("row").filter(has_text="DURAND")
    durand.get_by_role("button", name=re.compile("^Marquer comme lue")).click()

    expect(page).to_have_url(f"{live_server.url}/notifications/?tri=nom")
    expect(bell(page, 1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="DURAND")).to_contain_text("Lue")

    page.get_by_role("row").filter(has_text="DURAND").get_by_role("link", name=re.compile("^Supprimer")).focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Supprimer la notification")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Annuler")).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Confirmer")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/notifications/?tri=nom")
    expect(page.get_by_role("row").filter(has_text="DURAND")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="MARTIN")).to_have_count(1)
    assert_accessible(page)


def test_the_confirmation_works_without_javascript(page, browser, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    page.goto(f"{live_server.url}/notifications/tout-supprimer/")  # the page a script-less browser gets
    expect(page.get_by_role("heading", level=1)).to_have_text("Tout supprimer")
    assert_accessible(page)

    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    nojs = context.new_page()
    sign_in(nojs, live_server, tenant_a.gestionnaire.email, PASSWORD)
    nojs.goto(f"{live_server.url}/notifications/")
    nojs.get_by_role("link", name="Tout supprimer").click()

    expect(nojs).to_have_url(f"{live_server.url}/notifications/tout-supprimer/")
    expect(nojs.get_by_role("heading", level=1)).to_have_text("Tout supprimer")
    nojs.get_by_role("button", name="Confirmer").click()
    expect(nojs.get_by_role("cell", name="Aucune notification.")).to_be_visible()
    context.close()
