"""Mes dossiers in a real browser, through the guide's journeys: a dashboard tile → the filtered list →
the synthesis; filters and sort kept in the URL; pièces jointes through the drop zone; a facture
deposited from a dossier; a rupture declared. axe-core on every page and state visited."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cases.models import Facture
from tests.factories import PDF_BYTES
from tests.portal.navigateur.conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def pdf(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES}


def test_dashboard_tile_then_filtered_list_then_synthesis(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    card = page.get_by_role("region", name="Mes dossiers en attente de pièces complémentaires")

    card.get_by_role("link", name="Contrats d'apprentissage").click()

    expect(page).to_have_url(re.compile(r"/dossiers/apprentissage/\?etat=en_attente_de_pieces&etablissement=\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contrats d'apprentissage")
    expect(page.locator(".filtres-actifs")).to_contain_text("En attente de pièces")
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and DURAND's dossier
    expect(table).to_contain_text(tenant_a.en_attente.reference)
    expect(page.get_by_role("link", name="Transmis")).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    page.get_by_role("link", name="DURAND, Léa").click()

    expect(page).to_have_url(f"{live_server.url}/dossiers/{tenant_a.en_attente.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier N° {tenant_a.en_attente.reference}")
    expect(page.get_by_role("region", name="Actions").get_by_role("link")).to_have_text(
        ["Afficher", "Ajouter une pièce jointe"]
    )
    assert_accessible(page)

    page.get_by_role("link", name="Retour à la liste des demandes").click()
    expect(page).to_have_url(f"{live_server.url}/dossiers/apprentissage/")


def test_filters_and_sort_stay_in_the_url_and_brouillons_are_a_tab(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/apprentissage/")

    page.get_by_text("Ajouter un filtre").click()
    page.get_by_label("Nom", exact=True).fill("martin")
    page.get_by_role("button", name="Filtrer").click()

    expect(page).to_have_url(re.compile(r"nom=martin"))
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(2)
    page.get_by_role("link", name=re.compile("^N° de dossier")).click()
    expect(page).to_have_url(re.compile(r"nom=martin.*tri=numero"))
    expect(page.get_by_role("columnheader", name=re.compile("N° de dossier"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert_accessible(page)

    page.goto(f"{live_server.url}/dossiers/apprentissage/?numero=abc")
    expect(page.get_by_role("alert").first).to_contain_text("Numéro de dossier invalide")
    expect(page.get_by_label("N° de dossier")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.goto(f"{live_server.url}/dossiers/apprentissage/")
    page.get_by_role("link", name="Brouillon", exact=True).click()
    expect(page).to_have_url(re.compile(r"vue=brouillon"))
    expect(page.get_by_role("link", name=re.compile("^Modifier"))).to_have_count(1)
    expect(page.get_by_role("link", name=re.compile(r"^\+ Créer"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Contrat de professionnalisation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contrats de professionnalisation")
    expect(page.get_by_role("table")).to_contain_text(tenant_a.pro.reference)
    assert_accessible(page)


def test_add_pieces_through_the_drop_zone(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{tenant_a.dossier.pk}/")
    page.get_by_role("link", name="Ajouter une pièce jointe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Ajouter des documents complémentaires pour la demande {tenant_a.dossier.reference}"
    )
    expect(page.get_by_text("Merci de ne pas déposer de factures dans cet emplacement")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Envoyer les fichiers").click()  # nothing chosen
    expect(page.get_by_role("alert")).to_contain_text("Ajoutez au moins un fichier.")
    expect(page.get_by_label("Documents à envoyer")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Documents à envoyer").set_input_files(
        [pdf("attestation employeur.pdf"), pdf("convention signée.pdf")]
    )
    expect(page.locator(".fichiers-choisis li")).to_have_text(
        ["attestation employeur.pdf (1 Ko)", "convention signée.pdf (1 Ko)"]
    )
    page.get_by_role("button", name="Envoyer les fichiers").click()

    expect(page.get_by_role("status").first).to_contain_text("2 fichiers envoyés")
    sent = page.get_by_role("region", name="Documents déjà envoyés")
    expect(sent).to_contain_text("attestation employeur.pdf")
    expect(sent).to_contain_text("convention signée.pdf")
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("Retour au dossier")).click()
    expect(page.get_by_role("region", name="Liste des pièces jointes")).to_contain_text("convention signée.pdf")


def test_deposit_a_facture_from_a_dossier(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{tenant_a.dossier.pk}/")
    page.get_by_role("link", name="Déposer votre facture").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Dépôt d'une facture - Dossier N° {tenant_a.dossier.reference}"
    )
    assert_accessible(page)

    page.get_by_label("Référence de la facture").fill("FAC-NAV-1")
    page.get_by_label("Date de la facture").fill("2026-11-02")
    page.get_by_label("Montant HT").fill("1 000,00")
    page.get_by_label("Montant TTC").fill("900")
    page.get_by_label("Joindre votre facture au format pdf").set_input_files(pdf("facture.pdf"))
    page.get_by_role("button", name="Envoyer").click()

    expect(page.get_by_role("alert")).to_contain_text("Le montant TTC ne peut pas être inférieur au montant HT.")
    expect(page.get_by_label("Montant TTC")).to_have_value("900")
    expect(page.get_by_label("Référence de la facture")).to_have_value("FAC-NAV-1")
    assert_accessible(page)

    page.get_by_label("Montant TTC").fill("1 200,00")
    page.get_by_label("Joindre votre facture au format pdf").set_input_files(pdf("facture.pdf"))
    page.get_by_label("Joindre vos pièces justificatives").set_input_files([pdf("emargement.pdf")])
    page.get_by_role("button", name="Envoyer").click()

    facture = Facture.objects.get(reference="FAC-NAV-1")
    expect(page).to_have_url(f"{live_server.url}/factures/{facture.pk}/")
    assert facture.pieces.count() == 1
    page.goto(f"{live_server.url}/dossiers/{tenant_a.dossier.pk}/")
    expect(page.get_by_role("region", name="Liste des factures déposées")).to_contain_text(f"N° {facture.numero}")
    assert_accessible(page)


def test_declare_a_rupture(page, live_server, tenant_a):
    sign_in(page, live_server, tenant_a.admin.email, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{tenant_a.dossier.pk}/")
    page.get_by_role("link", name="Déclarer une rupture de contrat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclarer une rupture de contrat")
    assert_accessible(page)

    page.get_by_role("button", name="Déclarer la rupture").click()
    expect(page.get_by_role("alert")).to_contain_text("La date de rupture est obligatoire.")
    assert_accessible(page)

    page.get_by_label("Date de rupture").fill("2026-12-01")
    page.get_by_label("Motif de la rupture").select_option(label="Rupture d'un commun accord")
    page.get_by_label("D'un commun accord").check()
    page.get_by_role("group", name=re.compile("poursuit-il")).get_by_label("Oui").check()
    page.get_by_label("Commentaire").fill("Départ en accord avec l'employeur")
    page.get_by_role("button", name="Déclarer la rupture").click()

    expect(page).to_have_url(f"{live_server.url}/dossiers/{tenant_a.dossier.pk}/")
    expect(page.get_by_role("status").first).to_contain_text("a été déclarée")
    expect(page.locator(".synthese-entete").first).to_contain_text("Rompu")
    history = page.get_by_role("region", name="Historique du dossier")
    expect(history).to_contain_text("Déclarer une rupture de contrat")
    expect(history).to_contain_text("Portail web")
    expect(page.get_by_role("link", name="Déclarer une rupture de contrat")).to_have_count(0)
    assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 768])
def test_laptop_and_tablet_widths_never_scroll_the_page_sideways(page, live_server, tenant_a, width):
    page.set_viewport_size({"width": width, "height": 1024})
    sign_in(page, live_server, tenant_a.gestionnaire.email, PASSWORD)
    d = tenant_a.dossier.pk
    for path in (
        "/dossiers/apprentissage/",
        "/dossiers/apprentissage/?vue=brouillon",
        "/dossiers/professionnalisation/",
        f"/dossiers/{d}/",
        f"/dossiers/{d}/pieces/",
        f"/dossiers/{d}/facture/",
        f"/dossiers/{d}/rupture/",
        "/notifications/",
    ):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.goto(f"{live_server.url}/dossiers/{d}/")
    expect(page.get_by_role("link", name="Déposer votre facture")).to_be_visible()
    assert_accessible(page)
