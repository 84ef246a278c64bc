"""The pages around the screens: the guide (HTML, PDF through the real converter, Markdown), the
accessibility statement, the French error pages, and downloads only through the reader's scope."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from tests.portal.conftest import text_of

pytestmark = pytest.mark.django_db


def test_the_guide_is_public_and_readable(tenant_a):
    response = Client().get("/guide/")

    assert response.status_code == 200
    text = text_of(response)
    assert "Guide utilisateur — Portail OF" in text and "Le formulaire de saisie du contrat d'apprentissage" in text
    assert response.content.decode().count("<h1") == 1


def test_the_guide_in_markdown(tenant_a):
    response = Client().get("/guide.md")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/markdown")
    assert "attachment" in response["Content-Disposition"]
    assert b"# Guide utilisateur" in response.content


def test_the_guide_in_pdf_through_the_real_converter(pdf_listener, tenant_a):
    response = Client().get("/guide.pdf")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Mes habilitations" in text and "Clé d'authentification" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert round(float(width) / 72 * 25.4) == 210 and round(float(height) / 72 * 25.4) == 297  # A4


def test_the_accessibility_statement(admin_a):
    response = admin_a.get("/accessibilite/")

    assert response.status_code == 200
    assert "Déclaration d'accessibilité" in text_of(response)
    assert 'id="choix-etablissement"' in response.content.decode()  # signed in: the usual header


def test_an_unknown_page_is_a_french_404_and_under_api_the_json_shape(admin_a):
    page = admin_a.get("/nulle-part/")
    api = Client().get("/api/nulle-part")

    assert page.status_code == 404 and "Page introuvable" in text_of(page)
    assert api.status_code == 404 and api.json()["errors"][0]["code"] == "introuvable"


def test_the_500_page_is_french_and_needs_nothing(rf):
    from portal.views.pages import page_500

    response = page_500(rf.get("/tableau-de-bord/"))

    assert response.status_code == 500
    assert "Le service rencontre un problème" in response.content.decode()


def test_media_files_are_never_served_by_url(admin_a, tenant_a):
    assert admin_a.get(f"/media/{tenant_a.piece.fichier.name}").status_code == 404


def test_downloads_apply_the_readers_scope(admin_a, admin_b, tenant_a):
    for url in (
        f"/fichiers/pieces/{tenant_a.piece.pk}/",
        f"/fichiers/courriers/{tenant_a.courrier.pk}/",
        f"/fichiers/factures/{tenant_a.facture.pk}/",
    ):
        mine = admin_a.get(url)
        theirs = admin_b.get(url)
        assert mine.status_code == 200, url
        assert mine["X-Content-Type-Options"] == "nosniff"
        assert theirs.status_code == 404, url
    assert Client().get(f"/fichiers/pieces/{tenant_a.piece.pk}/").status_code == 302  # sign in first
