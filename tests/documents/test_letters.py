"""Letters an OPCO can mail: every type rendered to PDF by the real converter and read back.

For each letter: the OPCO's identity comes from the settings, the date reads « Nantes, le 20 novembre
2026 », no internal code (``CERFA_SIGNE``, ``demande_pieces``, an ISO date) reaches the reader, and what
the type owes its reader is there (missing pièces and the date of the request, the answer deadline,
the recourse, the N° de dépôt…). Letters to the entreprise speak to the entreprise: no portal, no button.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from cases.models import Dossier, TransitionLog, TypeCourrier
from documents import render_courrier
from rules.lifecycles import Dispositif
from tests.documents.conftest import TODAY, courrier_of_type, make_courrier, pdf_text
from tests.factories import NOW, DossierFactory

IDENTITY = {
    "PORTAIL_OPCO_NAME": "OPCO Atlantique Essai",
    "PORTAIL_OPCO_ADDRESS": "Pôle instruction|3 quai de la Fosse|44000 NANTES",
    "PORTAIL_OPCO_PHONE": "02 40 11 22 33",
    "PORTAIL_OPCO_EMAIL": "instruction@opco-essai.example",
    "PORTAIL_OPCO_SIRET": "77777777700015",
    "PORTAIL_OPCO_LEGAL_FOOTER": "Association loi 1901 agréée opérateur de compétences",
    "PORTAIL_OPCO_SIGNATORY": "Claire DUPUIS, responsable de l'instruction",
    "PORTAIL_OPCO_CITY": "Nantes",
}
CODE = re.compile(r"\b[A-Z]{2,}_[A-Z_]+\b|\b[a-z]+_[a-z_]+\b|\b\d{4}-\d{2}-\d{2}\b")

# What each type owes its reader (besides the identity, the date and the absence of codes).
OWED = {
    TypeCourrier.ACCUSE_RECEPTION: ["Accusé de réception de votre dossier", "délai de 20 jours"],
    TypeCourrier.DEMANDE_PIECES: [
        "Convention de formation signée",
        "Attestation d'éligibilité du maître d'apprentissage",
        "au plus tard le 5 décembre 2026",
        "Merci de signer.",
    ],
    TypeCourrier.RELANCE: [
        "Par courrier du 30 octobre 2026",
        "Convention de formation signée",
        "Attestation d'éligibilité du maître d'apprentissage",
        "relance n° 1",
    ],
    TypeCourrier.ACCORD: ["Accord de prise en charge", "N° de dépôt 069202609000123", "6 795,83 €"],
    TypeCourrier.REFUS: [
        "Motif du refus : La formation n'est pas éligible au dispositif.",
        "plus enregistré au RNCP",
        "recours gracieux",
        "deux mois",
        "3 quai de la Fosse, 44000 NANTES",
    ],
    TypeCourrier.ANNULATION: ["Annulation du dossier", "Doublon du dossier 3900001.1"],
    TypeCourrier.AVENANT: ["remplace la version", "à compter du 4 janvier 2027", "Changement de maître"],
    TypeCourrier.RUPTURE: ["à la date du 15 janvier 2027", "Rupture d'un commun accord"],
    TypeCourrier.FACTURE_DEMANDE_PIECES: ["Certificat de réalisation", "au plus tard le 11 décembre 2026"],
    TypeCourrier.FACTURE_REJET: ["Le montant facturé dépasse le montant pris en charge", "facture rectifiée"],
    TypeCourrier.AVIS_PAIEMENT: ["le 25 novembre 2026", "TLS/237081", "6 795,83 €", "3 262,00 €"],
}
# The types the services also address to the entreprise (dossier letters).
TO_ENTREPRISE = [
    TypeCourrier.DEMANDE_PIECES,
    TypeCourrier.RELANCE,
    TypeCourrier.ACCORD,
    TypeCourrier.REFUS,
    TypeCourrier.ANNULATION,
    TypeCourrier.AVENANT,
    TypeCourrier.RUPTURE,
]


@pytest.fixture
def identity(settings):
    for name, value in IDENTITY.items():
        setattr(settings, name, value)


@pytest.fixture
def letter_for(dossier, reglement):
    def build(type_: str, *, entreprise: bool = False):
        if type_ == TypeCourrier.RUPTURE:
            Dossier.objects.filter(pk=dossier.pk).update(date_rupture=date(2027, 1, 15), motif_rupture="3")
            dossier.refresh_from_db()
        courrier = courrier_of_type(type_, dossier, reglement)
        if entreprise:
            courrier.destinataire = "entreprise"
            courrier.destinataire_etablissement = courrier.dossier.entreprise
            courrier.save()
        return courrier

    return build


def read(courrier) -> str:
    return pdf_text(render_courrier(courrier, "pdf", today=TODAY))


def assert_fit_to_mail(text: str) -> None:
    for expected in (
        "OPCO Atlantique Essai",
        "Pôle instruction — 3 quai de la Fosse — 44000 NANTES",
        "Tél. 02 40 11 22 33",
        "instruction@opco-essai.example",
        "SIRET 77777777700015",
        "Association loi 1901 agréée opérateur de compétences",
        "Claire DUPUIS, responsable de l'instruction",
        "Nantes, le 20 novembre 2026",
    ):
        assert expected in text, expected
    assert not CODE.findall(text), CODE.findall(text)
    assert "Le 20/11/2026" not in text


@pytest.mark.parametrize("type_", list(TypeCourrier))
def test_every_letter_to_the_of_is_fit_to_mail(pdf_listener, identity, letter_for, type_):
    text = read(letter_for(type_))

    assert_fit_to_mail(text)
    for expected in OWED[type_]:
        assert expected in text, expected


@pytest.mark.parametrize("type_", TO_ENTREPRISE)
def test_every_letter_to_the_entreprise_speaks_to_the_entreprise(pdf_listener, identity, letter_for, type_):
    text = read(letter_for(type_, entreprise=True))

    assert_fit_to_mail(text)
    assert "TRANSPORTS DUPONT" in text  # the addressee
    for forbidden in ("portail", "bouton", "vos factures"):
        assert forbidden not in text.lower(), forbidden
    for expected in OWED[type_]:
        assert expected in text, expected


def test_the_entreprise_is_told_where_to_send_the_pieces(pdf_listener, identity, letter_for):
    text = read(letter_for(TypeCourrier.DEMANDE_PIECES, entreprise=True))

    assert "à l'organisme de formation CFA DES METIERS DU TRANSPORT, qui les déposera sur le dossier, ou" in text
    assert "instruction@opco-essai.example, en rappelant le numéro du dossier" in text


def test_the_of_is_told_which_button_to_use(pdf_listener, identity, letter_for):
    text = read(letter_for(TypeCourrier.DEMANDE_PIECES))

    assert "bouton « Ajouter une pièce jointe »" in text


def test_an_accord_for_the_entreprise_says_it_pays_nothing_upfront(pdf_listener, identity, letter_for):
    text = read(letter_for(TypeCourrier.ACCORD, entreprise=True))

    assert "vous n'avez pas à avancer ces frais" in text
    assert "N° de dépôt 069202609000123" in text


def test_a_relance_without_contexte_reads_the_original_request_from_the_journal(pdf_listener, identity, dossier):
    TransitionLog.objects.create(
        dossier=dossier,
        transition="demander_pieces",
        source="en_cours",
        target="en_attente_pieces",
        actor_label="gestionnaire@opco.example",
        channel="admin",
        details={"pieces": [{"code": "CERFA_SIGNE", "libelle": ""}], "commentaire": "Signature de l'apprenti."},
        created_at=NOW.replace(year=2026, month=10, day=12),
    )

    text = read(make_courrier(TypeCourrier.RELANCE, dossier=dossier))

    assert "Par courrier du 12 octobre 2026" in text
    assert "Exemplaire du CERFA signé par toutes les parties" in text  # the label of CERFA_SIGNE
    assert "Signature de l'apprenti." in text
    assert not CODE.findall(text)


def test_an_action_de_formation_letter_is_grammatical(pdf_listener, identity, of_cfa, employeur):
    dossier = DossierFactory(
        dispositif=Dispositif.ACTION_FORMATION,
        of_etablissement=of_cfa,
        entreprise=employeur,
        etat="transmis",
        transmitted_at=NOW,
        salarie_nom="LEROY",
        salarie_prenom="Hugo",
    )

    text = read(make_courrier(TypeCourrier.ACCUSE_RECEPTION, dossier=dossier))

    assert "du dossier d'action de formation de Hugo LEROY" in text
    assert "de action" not in text and "de Action" not in text
    assert "délai de 20 jours" not in text  # no legal clock for an action de formation


def test_a_letter_is_dated_the_first_of_the_month_as_a_french_letter_is(pdf_listener, identity, letter_for):
    courrier = letter_for(TypeCourrier.ACCORD)
    courrier.emis_at = NOW.replace(year=2026, month=7, day=1, hour=10)

    assert "Nantes, le 1er juillet 2026" in read(courrier)
