"""Mes règlements in a real browser: the factures list → a filter → the synthesis → a pièce complémentaire
(refused, then deposited) appears; the paiements list → a règlement → « Imprimer » opens its avis de
paiement. Every page and state visited is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Courrier, Destinataire, StatutCourrier
from tests.factories import PDF_BYTES
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_factures_list_filter_synthesis_and_a_piece_complementaire(page, live_server, tenant_a):
    facture = tenant_a.facture
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)

    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes règlements").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes factures")
    expect(page.get_by_role("link", name=f"Facture N° {tenant_a.paid.numero}")).to_be_visible()
    assert_accessible(page)

    page.get_by_text("Ajouter un filtre").click()
    page.get_by_label("Référence", exact=True).fill(facture.reference)
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(rf"reference={facture.reference}"))
    expect(page.get_by_role("link", name=f"Facture N° {tenant_a.paid.numero}")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("link", name=f"Facture N° {facture.numero}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Facture N° {facture.numero}")
    expect(page.get_by_role("link", name="Afficher votre facture")).to_have_attribute(
        "href", f"/fichiers/factures/{facture.pk}/"
    )
    assert_accessible(page)

    drop = page.get_by_label("Glisser et déposer vos nouveaux fichiers ici, ou choisir des fichiers")
    drop.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"pas un document"})
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_role("alert").first).to_contain_text("Le type du fichier « notes.txt » n'est pas accepté")
    expect(drop).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    drop = page.get_by_label("Glisser et déposer vos nouveaux fichiers ici, ou choisir des fichiers")
    drop.set_input_files(
        [
            {"name": "certificat-realisation.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
            {"name": "emargements.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES},
        ]
    )
    expect(page.locator(".fichiers-choisis li")).to_have_count(2)  # the chosen files are listed
    page.get_by_role("button", name="Déposer", exact=True).click()

    expect(page.get_by_role("status").first).to_contain_text("2 pièces sont ajoutées à la facture.")
    pieces = page.get_by_role("table", name=f"Pièces complémentaires de la facture N° {facture.numero}")
    expect(pieces.get_by_role("link", name=re.compile("certificat-realisation.pdf"))).to_be_visible()
    expect(pieces.get_by_role("link", name=re.compile("emargements.pdf"))).to_be_visible()
    assert_accessible(page)


def test_the_payees_tab_and_a_wrong_filter_in_the_browser(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/factures/")

    page.get_by_role("navigation", name="Vues des factures").get_by_role("link", name="Payé").click()
    expect(page.get_by_role("link", name=f"Facture N° {tenant_a.paid.numero}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Facture N° {tenant_a.facture.numero}")).to_have_count(0)
    page.get_by_role("link", name=re.compile("^Montant TTC")).click()
    expect(page).to_have_url(re.compile(r"vue=payees&tri=montant_ttc"))
    assert_accessible(page)

    page.goto(f"{live_server.url}/factures/?montant_ttc_min=beaucoup")
    expect(page.get_by_role("alert").first).to_contain_text("Saisissez un montant en euros")
    expect(page.get_by_label("Montant TTC minimal (€)")).to_have_value("beaucoup")
    assert_accessible(page)


def test_paiements_list_then_a_reglement_then_imprimer(page, live_server, tenant_a):
    reglement = tenant_a.reglement
    avis = Courrier(
        cle=f"test:avis:{reglement.pk}",
        type="avis_paiement",
        destinataire=Destinataire.OF,
        destinataire_etablissement=tenant_a.etab,
        of_etablissement=tenant_a.etab,
        reglement=reglement,
        statut=StatutCourrier.EMIS,
        created_at=timezone.now(),
        emis_at=timezone.now(),
    )
    avis.fichier.save("avis.pdf", ContentFile(PDF_BYTES), save=False)
    avis.save()
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)

    page.goto(f"{live_server.url}/factures/")
    page.get_by_role("navigation", name="Mes règlements").get_by_role("link", name="Les paiements OPCO").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les paiements OPCO")
    assert_accessible(page)

    page.get_by_role("link", name=f"Règlement {reglement.reference_virement}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Règlement N° {reglement.numero}")
    expect(page.get_by_text("Règlement par virement")).to_be_visible()
    expect(page.get_by_role("link", name=f"Facture N° {tenant_a.paid.numero}")).to_be_visible()
    assert_accessible(page)

    imprimer = page.get_by_role("link", name=re.compile("^Imprimer"))
    expect(imprimer).to_have_attribute("href", f"/fichiers/avis/{reglement.pk}/")
    response = page.request.get(live_server.url + imprimer.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
