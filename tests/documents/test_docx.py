"""Context → DOCX: A4 pages, the expected texts, every field filled in, no converter needed."""

import io
import zipfile

import pytest
from docx import Document

from cases.models import TypeCourrier
from documents import document_filename, render_avis_paiement, render_cerfa, render_courrier
from documents.errors import DocumentError
from tests.documents.conftest import EXPECTED_TEXTS, TODAY, assert_a4_docx, docx_text


def xml_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")}


def assert_no_placeholder_left(data: bytes) -> None:
    for name, xml in xml_parts(data).items():
        assert "{{" not in xml and "}}" not in xml, name


def test_cerfa_docx_is_a4_and_complete(dossier):
    data = render_cerfa(dossier, "docx", today=TODAY)

    assert data.startswith(b"PK")
    doc = assert_a4_docx(data)
    text = docx_text(data)
    for expected in (
        "CONTRAT D'APPRENTISSAGE",
        "Cerfa n° 10103*14",
        "L'EMPLOYEUR",
        "L'APPRENTI(E)",
        "Représentant légal",
        "LE(S) MAÎTRE(S) D'APPRENTISSAGE",
        "LE CONTRAT",
        "Rémunération",
        "LA FORMATION",
        "SIGNATURES",
        "Fait à : Lyon",
        "TRANSPORTS DUPONT",
        "MARTIN",
        "BERNARD",
        "07/09/2026",
        "RNCP36542",
        "1 234,56 €",
        "966,21 €",
        f"N° du dossier : {dossier.reference}",
        "Document édité le 20/11/2026",
    ):
        assert expected in text, expected
    assert doc.core_properties.title == f"Contrat d'apprentissage {dossier.reference}"
    assert_no_placeholder_left(data)


def test_draft_cerfa_docx_shows_blank_fields(brouillon):
    data = render_cerfa(brouillon, "docx", today=TODAY)

    text = docx_text(data)
    assert_a4_docx(data)
    assert "Brouillon" in text
    lines = text.splitlines()
    assert "Nom de naissance de l'apprenti(e) : " in lines  # the label, then nothing
    assert "Date de début d'exécution du contrat : " in lines
    assert f"N° SIRET de l'établissement d'exécution du contrat : {brouillon.entreprise.siret}" in lines
    assert "Document édité le 20/11/2026" in text
    assert_no_placeholder_left(data)


@pytest.mark.parametrize("type_", list(TypeCourrier))
def test_courrier_docx(type_, courrier_for):
    courrier = courrier_for(type_)

    data = render_courrier(courrier, "docx", today=TODAY)

    assert_a4_docx(data)
    text = docx_text(data)
    assert courrier.destinataire_etablissement.raison_sociale in text
    assert "OPCO Mobilités" in text  # letterhead, signature
    assert "Sèvres, le 20 novembre 2026" in text
    assert "Objet : " in text
    assert "Madame, Monsieur," in text
    for expected in EXPECTED_TEXTS[type_]:
        assert expected in text, expected
    assert_no_placeholder_left(data)


def test_courrier_docx_letterhead_follows_the_setting(courrier_for, settings):
    settings.PORTAIL_OPCO_NAME = "OPCO Démo"
    settings.PORTAIL_OPCO_ADDRESS = ("1 rue de l'Exemple", "75009 PARIS")

    data = render_courrier(courrier_for(TypeCourrier.ACCORD), "docx", today=TODAY)

    doc = Document(io.BytesIO(data))
    header = "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    assert "OPCO Démo" in header
    assert "1 rue de l'Exemple — 75009 PARIS" in header


def test_an_empty_sender_address_leaves_no_blank_line(courrier_for, settings):
    settings.PORTAIL_OPCO_ADDRESS = ()

    data = render_courrier(courrier_for(TypeCourrier.ACCORD), "docx", today=TODAY)

    header = [p.text for p in Document(io.BytesIO(data)).sections[0].header.paragraphs]
    contact = "Tél. 01 00 00 00 00 — gestion@opco-mobilites.example"
    assert header == ["OPCO Mobilités", "Opérateur de compétences", contact]


def test_avis_de_paiement_docx(reglement):
    data = render_avis_paiement(reglement, "docx", today=TODAY)

    assert_a4_docx(data)
    text = docx_text(data)
    for expected in EXPECTED_TEXTS[TypeCourrier.AVIS_PAIEMENT] + [
        "Le bénéficiaire",
        "La transaction",
        "Les factures",
        "Règlement par virement",
        reglement.beneficiaire.siret,
        reglement.lignes.first().dossier.reference,
        "Document édité le 20/11/2026",
    ]:
        assert expected in text, expected
    assert_no_placeholder_left(data)


def test_unknown_format_is_refused(dossier):
    with pytest.raises(DocumentError, match="Format de document inconnu"):
        render_cerfa(dossier, "odt")


def test_download_names(dossier, courrier_for, reglement):
    assert document_filename(dossier) == f"cerfa-{dossier.reference}.pdf"
    assert document_filename(reglement, "docx") == "reglement-0063618.docx"
    courrier = courrier_for(TypeCourrier.ACCORD)
    assert document_filename(courrier) == f"accord-of-{courrier.dossier.reference}.pdf"


def test_user_text_with_braces_is_never_taken_for_a_field(dossier):
    from tests.documents.conftest import make_courrier

    courrier = make_courrier(
        TypeCourrier.REFUS,
        dossier=dossier,
        contexte={"motif_libelle": "Autre motif", "explication": "Voir {{opco_nom}} et {{champ_inconnu}}."},
    )

    text = docx_text(render_courrier(courrier, "docx", today=TODAY))

    assert "Voir {{opco_nom}} et {{champ_inconnu}}." in text
