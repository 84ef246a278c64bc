"""Fixtures of the documents tests: a real LibreOffice listener for the session, domain objects,
and readers for the produced DOCX and PDF files."""

from __future__ import annotations

import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from docx import Document
from pypdf import PdfReader

from cases.models import Courrier, Destinataire, LigneReglement, ModeReglement, Reglement, TypeCourrier
from documents.formats import normalize_spaces
from rules.lifecycles import EtatDossier, EtatFacture
from tests.factories import NOW, DossierFactory, EtablissementFactory, FactureFactory

TODAY = date(2026, 11, 20)
A4_POINTS = (595.3, 841.9)
_cle = itertools.count(1)


# --- Readers -------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of every page, on one line (a wrapped sentence stays searchable), spaces normalised."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(normalize_spaces("\n".join(page.extract_text() or "" for page in reader.pages)).split())


def assert_a4_pdf(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4_POINTS[0]) <= 1, box
        assert abs(float(box.height) - A4_POINTS[1]) <= 1, box
    return reader


def _container_texts(container) -> list[str]:
    texts = [p.text for p in container.paragraphs]
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                texts += _container_texts(cell)
    return texts


def docx_text(data: bytes) -> str:
    """Body, tables, headers and footers of a DOCX, spaces normalised."""
    doc = Document(io.BytesIO(data))
    texts = _container_texts(doc)
    for section in doc.sections:
        texts += _container_texts(section.header) + _container_texts(section.footer)
    return normalize_spaces("\n".join(texts))


def assert_a4_docx(data: bytes):
    doc = Document(io.BytesIO(data))
    for section in doc.sections:
        assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
        for side in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin):
            assert side is not None and 5 <= side.mm <= 40
    return doc


# --- Domain objects ----------------------------------------------------------------------------------------


def full_payload(employeur, of) -> dict:
    """A complete CERFA in the norm's names, written out here so that these tests read plainly."""
    return {
        "versionCERFA": "10103*14",
        "employeur": {
            "siret": employeur.siret,
            "denomination": "TRANSPORTS DUPONT",
            "adresse": {"adresse1": "12 avenue de la Gare", "codePostal": "69003", "commune": "LYON"},
            "telephone": "0472000000",
            "courriel": "rh@dupont.example",
            "typeEmployeur": 12,
            "employeurSpecifique": 0,
            "naf": "4941A",
            "nombreDeSalaries": 1250,
            "codeIdcc": "0016",
            "libelleIdcc": "Convention collective nationale des transports routiers",
            "caisseComplementaire": "AGIRC-ARRCO",
            "attestationEligibilite": True,
            "attestationPieces": True,
        },
        "apprenti": {
            "nom": "MARTIN",
            "prenom": "Léa",
            "dateNaissance": "2005-03-14",
            "sexe": "F",
            "nationalite": 1,
            "regimeSocial": 2,
            "departementNaissance": "069",
            "communeNaissance": "LYON",
            "adresse": {"numero": "3", "voie": "rue des Lilas", "codePostal": "69007", "commune": "LYON"},
            "handicap": False,
            "situationAvantContrat": 1,
            "diplomePrepare": 41,
            "derniereClasse": "01",
            "intituleDiplomePrepare": "Baccalauréat professionnel",
            "diplome": 41,
        },
        "maitre1": {
            "nom": "BERNARD",
            "prenom": "Marc",
            "dateNaissance": "1978-05-02",
            "emploiOccupe": "Ambulancier chef",
            "niveauDiplomeObtenu": 4,
        },
        "contrat": {
            "typeContratApp": 11,
            "modeContractuel": 1,
            "dateConclusion": "2026-08-28",
            "dateDebutContrat": "2026-09-07",
            "dateFinContrat": "2027-08-31",
            "dureeTravailHebdoHeures": 35,
            "dureeTravailHebdoMinutes": 0,
            "travailRisque": False,
            "salaireEmbauche": 1234.56,
            "lieuSignatureContrat": "Lyon",
            "remunerationsAnnuelles": [
                {
                    "ordre": "1.1",
                    "dateDebut": "2026-09-07",
                    "dateFin": "2027-03-31",
                    "taux": 53,
                    "typeSalaire": "SMIC",
                    "salaireBrut": 966.21,
                },
                {
                    "ordre": "1.2",
                    "dateDebut": "2027-04-01",
                    "dateFin": "2027-08-31",
                    "taux": 61,
                    "typeSalaire": "SMIC",
                    "salaireBrut": 1112.05,
                },
            ],
        },
        "formation": {
            "rncp": "RNCP36542",
            "codeDiplome": "40025214",
            "typeDiplome": 41,
            "intituleQualification": "AMBULANCIER (DIPLOME D'ETAT)",
            "dateDebutFormation": "2026-09-14",
            "dateFinFormation": "2027-06-30",
            "dureeFormation": 1350,
        },
        "organismeFormation": {
            "siret": of.siret,
            "denomination": "CFA DES METIERS DU TRANSPORT",
            "uaiCfa": of.uai,
            "formationInterne": False,
        },
    }


@pytest.fixture
def of_cfa(db):
    return EtablissementFactory(
        raison_sociale="CFA DES METIERS DU TRANSPORT",
        adresse="5 rue de l'Industrie",
        code_postal="69100",
        ville="Villeurbanne",
    )


@pytest.fixture
def employeur(db):
    return EtablissementFactory(
        entreprise=True,
        raison_sociale="TRANSPORTS DUPONT",
        adresse="12 avenue de la Gare",
        code_postal="69003",
        ville="Lyon",
    )


@pytest.fixture
def dossier(of_cfa, employeur):
    """A transmitted apprenticeship dossier with a complete CERFA and an accord (6 795,83 € NPEC)."""
    return DossierFactory(
        of_etablissement=of_cfa,
        entreprise=employeur,
        etat=EtatDossier.ACCORDE,
        numero_depot="069202609000123",
        transmitted_at=NOW,
        donnees=full_payload(employeur, of_cfa),
    )


@pytest.fixture
def brouillon(of_cfa, employeur):
    return DossierFactory(
        of_etablissement=of_cfa,
        entreprise=employeur,
        brouillon=True,
        donnees={"employeur": {"siret": employeur.siret}, "organismeFormation": {"siret": of_cfa.siret}},
    )


def make_courrier(type_: str, *, dossier=None, facture=None, reglement=None, contexte=None, destinataire=None):
    of = dossier.of_etablissement if dossier else (facture.emetteur if facture else reglement.beneficiaire)
    target = destinataire or of
    return Courrier.objects.create(
        cle=f"test:{next(_cle)}",
        type=type_,
        destinataire=Destinataire.OF if target == of else Destinataire.ENTREPRISE,
        destinataire_etablissement=target,
        of_etablissement=of,
        dossier=dossier,
        facture=facture,
        reglement=reglement,
        contexte=contexte or {},
        created_at=NOW,
    )


@pytest.fixture
def reglement(dossier):
    f1 = FactureFactory(
        dossier=dossier, etat=EtatFacture.PAYEE, montant_ht=Decimal("3262.00"), montant_ttc=Decimal("3262.00")
    )
    f2 = FactureFactory(
        dossier=dossier, etat=EtatFacture.PAYEE, montant_ht=Decimal("3533.83"), montant_ttc=Decimal("3533.83")
    )
    reglement = Reglement.objects.create(
        numero="0063618",
        reference_virement="TLS/237081",
        date_paiement=date(2026, 11, 25),
        mode=ModeReglement.VIREMENT,
        beneficiaire=dossier.of_etablissement,
        montant_total_ttc=Decimal("6795.83"),
        created_at=NOW,
    )
    for facture in (f1, f2):
        LigneReglement.objects.create(
            reglement=reglement, facture=facture, dossier=dossier, montant_ttc=facture.montant_ttc
        )
    return reglement


PIECES = [
    {"code": "CONVENTION_FORMATION", "libelle": "Convention de formation signée"},
    {"code": "ATTESTATION_MA", "libelle": "Attestation d'éligibilité du maître d'apprentissage"},
]


def courrier_of_type(type_: str, dossier, reglement=None):
    """A courrier of each type, with the ``contexte`` the services record."""
    if type_ == TypeCourrier.DEMANDE_PIECES:
        return make_courrier(type_, dossier=dossier, contexte={"pieces": PIECES, "commentaire": "Merci de signer."})
    if type_ == TypeCourrier.RELANCE:
        return make_courrier(
            type_, dossier=dossier, contexte={"pieces": PIECES, "date_demande": "2026-10-30", "rang": 1}
        )
    if type_ == TypeCourrier.REFUS:
        return make_courrier(
            type_,
            dossier=dossier,
            contexte={
                "motif": "FORMATION_NON_ELIGIBLE",
                "motif_libelle": "La formation n'est pas éligible au dispositif",
                "explication": "Le titre visé n'est plus enregistré au RNCP.",
            },
        )
    if type_ == TypeCourrier.ANNULATION:
        return make_courrier(type_, dossier=dossier, contexte={"motif": "Doublon du dossier 3900001.1"})
    if type_ == TypeCourrier.RUPTURE:
        return make_courrier(type_, dossier=dossier)
    if type_ in (TypeCourrier.FACTURE_DEMANDE_PIECES, TypeCourrier.FACTURE_REJET):
        facture = FactureFactory(dossier=dossier, etat=EtatFacture.EN_COURS)
        contexte = (
            {"pieces": [{"code": "CERTIFICAT_REALISATION", "libelle": "Certificat de réalisation"}], "commentaire": ""}
            if type_ == TypeCourrier.FACTURE_DEMANDE_PIECES
            else {
                "motif": "MONTANT_SUPERIEUR_ACCORD",
                "motif_libelle": "Le montant facturé dépasse le montant pris en charge",
                "explication": "Le solde disponible est de 100,00 €.",
            }
        )
        return make_courrier(type_, facture=facture, contexte=contexte)
    if type_ == TypeCourrier.AVIS_PAIEMENT:
        return make_courrier(type_, reglement=reglement)
    if type_ == TypeCourrier.AVENANT:
        donnees = dict(dossier.donnees)
        donnees["contrat"] = {**donnees["contrat"], "typeContratApp": 36, "dateEffetAvenant": "2027-01-04"}
        avenant = DossierFactory(
            numero=dossier.numero,
            version=2,
            version_precedente=dossier,
            numero_depot=dossier.numero_depot,
            of_etablissement=dossier.of_etablissement,
            entreprise=dossier.entreprise,
            etat=EtatDossier.ACCORDE,
            donnees=donnees,
        )
        return make_courrier(type_, dossier=avenant, contexte={"motif": "Changement de maître d'apprentissage"})
    return make_courrier(type_, dossier=dossier)


# What each letter must say (besides the common blocks), spaces normalised.
EXPECTED_TEXTS = {
    TypeCourrier.ACCUSE_RECEPTION: ["Accusé de réception de votre dossier", "20 jours"],
    TypeCourrier.DEMANDE_PIECES: [
        "Convention de formation signée",
        "Attestation d'éligibilité du maître d'apprentissage",
        "Merci de signer.",
        "au plus tard le 5 décembre 2026",
    ],
    TypeCourrier.RELANCE: ["Relance", "30 octobre 2026", "Convention de formation signée"],
    TypeCourrier.ACCORD: ["Accord de prise en charge", "NPEC total", "6 795,83 €", "Total"],
    TypeCourrier.REFUS: [
        "Refus de prise en charge",
        "La formation n'est pas éligible au dispositif",
        "plus enregistré au RNCP",
    ],
    TypeCourrier.ANNULATION: ["Annulation du dossier", "Doublon du dossier 3900001.1"],
    TypeCourrier.AVENANT: ["Avenant au dossier", "remplace la version", "4 janvier 2027", "Changement de maître"],
    TypeCourrier.RUPTURE: ["rupture du contrat", "15 janvier 2027", "Rupture d'un commun accord"],
    TypeCourrier.FACTURE_DEMANDE_PIECES: [
        "Demande de pièces sur la facture",
        "Certificat de réalisation",
        "3 262,00 €",
    ],
    TypeCourrier.FACTURE_REJET: ["Rejet de la facture", "Le montant facturé dépasse le montant pris en charge"],
    TypeCourrier.AVIS_PAIEMENT: ["Avis de paiement", "0063618", "TLS/237081", "3 262,00 €", "3 533,83 €", "6 795,83 €"],
}


@pytest.fixture
def courrier_for(dossier, reglement):
    def build(type_: str):
        if type_ == TypeCourrier.RUPTURE:
            Dossier = type(dossier)  # noqa: N806
            Dossier.objects.filter(pk=dossier.pk).update(date_rupture=date(2027, 1, 15), motif_rupture="3")
            dossier.refresh_from_db()
        return courrier_of_type(type_, dossier, reglement)

    return build
