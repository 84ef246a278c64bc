"""Every document converted to PDF by the real LibreOffice listener, read back with pypdf."""

import pytest

from cases.models import TypeCourrier
from documents import render_avis_paiement, render_cerfa, render_courrier, render_to_file
from tests.documents.conftest import EXPECTED_TEXTS, TODAY, assert_a4_pdf, pdf_text


def test_cerfa_pdf(pdf_listener, dossier):
    data = render_cerfa(dossier, "pdf", today=TODAY)

    reader = assert_a4_pdf(data)
    text = pdf_text(data)
    for expected in (
        "CONTRAT D'APPRENTISSAGE",
        "Cerfa n° 10103*14",
        "L'EMPLOYEUR",
        "L'APPRENTI(E)",
        "MAÎTRE(S) D'APPRENTISSAGE",
        "LE CONTRAT",
        "LA FORMATION",
        "SIGNATURES",
        "TRANSPORTS DUPONT",
        dossier.entreprise.siret,
        "MARTIN",
        "BERNARD",
        "07/09/2026",
        "31/08/2027",
        "RNCP36542",
        "1 234,56 €",
        "1 112,05 €",
        "Fait à",
        "Lyon",
        f"N° du dossier : {dossier.reference}",
        "Document édité le 20/11/2026",
    ):
        assert expected in text, expected
    assert reader.metadata.title == f"Contrat d'apprentissage {dossier.reference}"


def test_draft_cerfa_pdf(pdf_listener, brouillon):
    data = render_cerfa(brouillon, "pdf", today=TODAY)

    assert_a4_pdf(data)
    text = pdf_text(data)
    assert "Brouillon" in text
    assert brouillon.entreprise.siret in text
    assert "Document édité le 20/11/2026" in text


@pytest.mark.parametrize("type_", list(TypeCourrier))
def test_courrier_pdf(pdf_listener, type_, courrier_for):
    courrier = courrier_for(type_)

    data = render_courrier(courrier, "pdf", today=TODAY)

    assert_a4_pdf(data)
    text = pdf_text(data)
    assert courrier.destinataire_etablissement.raison_sociale in text
    assert "OPCO Mobilités" in text
    assert "Sèvres, le 20 novembre 2026" in text
    for expected in EXPECTED_TEXTS[type_]:
        assert expected in text, expected
    if courrier.dossier_id:
        assert courrier.dossier.reference in text


def test_accord_pdf_shows_the_amounts(pdf_listener, courrier_for):
    text = pdf_text(render_courrier(courrier_for(TypeCourrier.ACCORD), "pdf", today=TODAY))

    assert "Demandé" in text and "Pris en charge" in text
    assert text.count("6 795,83 €") >= 4  # the NPEC line and the total, demandé and pris en charge


def test_avis_de_paiement_pdf(pdf_listener, reglement, tmp_path):
    output = render_to_file(tmp_path / "sortie" / "avis.pdf", render_avis_paiement, reglement, "pdf", today=TODAY)

    data = output.read_bytes()
    assert_a4_pdf(data)
    text = pdf_text(data)
    for expected in EXPECTED_TEXTS[TypeCourrier.AVIS_PAIEMENT] + [
        "Règlement par virement",
        "25/11/2026",
        reglement.beneficiaire.raison_sociale,
        reglement.lignes.first().dossier.reference,
    ]:
        assert expected in text, expected
    assert [p.name for p in output.parent.iterdir()] == ["avis.pdf"]
