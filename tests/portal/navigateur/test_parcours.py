"""Journeys that cross the portal's edges, in Chromium: an OPCO gestionnaire's accord in the back office
becomes a courrier (the courrier pipeline's own service, real PDF) that the OF's users find in their
notifications; a forgotten password, from the e-mail to signing in again."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Courrier, LigneFinancement, StatutCourrier
from cases.services.courriers import courriers_issue_batch, courriers_pending
from tests.factories import DossierFactory, UserFactory
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_an_opco_accord_in_the_back_office_reaches_the_ofs_notifications(browser, live_server, tenant_a, pdf_listener):
    dossier = DossierFactory(
        of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, en_cours=True, salarie_nom="ACCORDEE"
    )
    LigneFinancement.objects.get_or_create(
        dossier=dossier, nature="npec", defaults={"montant_demande": Decimal("6795.83")}
    )
    opco = UserFactory(opco=True)
    opco_page = browser.new_page()
    of_page = browser.new_page()

    # The OPCO gestionnaire grants the dossier in the back office.
    opco_page.goto(f"{live_server.url}/admin/login/")
    opco_page.fill("#id_username", opco.email)
    opco_page.fill("#id_password", PASSWORD)
    opco_page.click("input[type=submit]")
    opco_page.goto(f"{live_server.url}/admin/cases/dossier/{dossier.pk}/change/")
    opco_page.get_by_role("link", name="Accorder").click()
    opco_page.get_by_role("button", name="Accorder").click()
    expect(opco_page.locator(".messagelist")).to_contain_text("Accord")

    # The courrier pipeline issues the letters it asked for (what the « courriers » flow runs).
    pending = courriers_pending(limit=50)
    assert Courrier.objects.filter(pk__in=pending, dossier=dossier).count() == 2  # to the OF and to the entreprise
    courriers_issue_batch(courrier_ids=pending, now=timezone.now())
    assert not Courrier.objects.filter(dossier=dossier).exclude(statut=StatutCourrier.EMIS).exists()

    # The OF's gestionnaire sees it: the badge, the list, the dossier and its letter.
    sign_in(of_page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    expect(of_page.get_by_role("link", name=re.compile(r"Notifications : 3 non lues"))).to_be_visible()
    of_page.get_by_role("link", name=re.compile("Notifications")).click()
    assert_accessible(of_page)
    row = of_page.get_by_role("row").filter(has_text=dossier.reference).filter(has_text="Organisme de formation")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("Examiner")).click()
    expect(of_page.get_by_role("heading", level=1)).to_contain_text(dossier.reference)
    expect(of_page.locator("body")).to_contain_text("Accordé")
    assert_accessible(of_page)
    letter = of_page.get_by_role("link", name=re.compile(r"Courrier d'accord \(Organisme de formation\)")).first
    pdf = of_page.request.get(live_server.url + letter.get_attribute("href"))  # the browser's own session
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")


def test_a_forgotten_password_from_the_email_to_signing_in_again(page, live_server, tenant_a, settings):
    settings.PORTAIL = {**settings.PORTAIL, "BASE_URL": live_server.url}
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    assert_accessible(page)
    page.get_by_label("Adresse e-mail de votre compte").fill(tenant_a.gestionnaire.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")

    [message] = mail.outbox
    link = re.search(r"http://\S+/reinitialiser/\S+/", message.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisissez un nouveau mot de passe")
    page.get_by_label(re.compile("^Nouveau mot de passe")).fill("court")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("court")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("^Nouveau mot de passe")).fill("un-secret-tout-neuf")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("un-secret-tout-neuf")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe enregistré")

    page.get_by_role("link", name="Se connecter").click()
    sign_in(page, live_server, tenant_a.gestionnaire.email, "un-secret-tout-neuf")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon tableau de bord")
