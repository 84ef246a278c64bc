"""Domain → context: what each document says, checked on plain data, without any file."""

from dataclasses import FrozenInstanceError
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from cases.models import Dossier, TypeCourrier
from documents.contexts import CerfaContext, Sender
from documents.errors import DocumentError
from documents.formats import normalize_spaces
from documents.letters import avis_paiement_context, courrier_context
from documents.mapping import EtablissementInfo, cerfa_context, cerfa_context_from_payload
from rules.lifecycles import Dispositif
from tests.documents.conftest import EXPECTED_TEXTS, TODAY, full_payload
from tests.factories import EtablissementFactory

OPCO = Sender(nom="OPCO Test", adresse=("1 rue de l'OPCO", "75009 PARIS"))


def fields(ctx: CerfaContext) -> dict[str, str]:
    """Every field of the form, as « BLOC / libellé » → value."""
    found: dict[str, str] = {}

    def walk(block, prefix):
        for column in block.colonnes:
            for item in column.champs:
                key = f"{prefix}/{column.titre + '/' if column.titre else ''}{item.label}"
                found[key] = normalize_spaces(item.value)
        for sub in block.sous_blocs:
            walk(sub, f"{prefix}/{sub.titre}")

    for block in ctx.blocs:
        walk(block, block.titre)
    return found


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from strings(getattr(value, name))


def all_text(ctx) -> str:
    return normalize_spaces("\n".join(strings(ctx)))


@pytest.fixture
def payload():
    employeur = EtablissementFactory.build(entreprise=True, siret="35600000000048")
    of = EtablissementFactory.build(siret="99999999900009", uai="0010856A")
    return full_payload(employeur, of)


def test_cerfa_has_every_block_of_the_form(payload):
    ctx = cerfa_context_from_payload(payload, today=TODAY, opco=OPCO, reference="3866466.1", etat="Transmis")

    assert [b.titre for b in ctx.blocs] == [
        "L'EMPLOYEUR",
        "L'APPRENTI(E)",
        "LE(S) MAÎTRE(S) D'APPRENTISSAGE",
        "LE CONTRAT",
        "LA FORMATION",
        "SIGNATURES",
    ]
    assert ctx.cerfa_numero == "Cerfa n° 10103*14"
    assert ctx.reference == "3866466.1" and not ctx.brouillon
    assert ctx.date_edition == "20/11/2026"


def test_cerfa_fields_come_from_the_norm_names(payload):
    f = fields(cerfa_context_from_payload(payload, today=TODAY, opco=OPCO, reference="3866466.1"))

    assert f["L'EMPLOYEUR/N° SIRET de l'établissement d'exécution du contrat"] == "35600000000048"
    assert f["L'EMPLOYEUR/Nom et prénom ou dénomination"] == "TRANSPORTS DUPONT"
    assert f["L'EMPLOYEUR/N° et voie"] == "12 avenue de la Gare"
    assert f["L'EMPLOYEUR/Type d'employeur"] == "Entreprise inscrite uniquement au registre du commerce et des sociétés"
    assert f["L'EMPLOYEUR/Caisse de retraite complémentaire"] == "AGIRC-ARRCO (salariés du secteur privé)"
    assert f["L'EMPLOYEUR/Effectif total salariés de l'entreprise"] == "1 250"
    assert f["L'EMPLOYEUR/Code IDCC de la convention"] == "0016"
    assert f["L'APPRENTI(E)/Nom de naissance de l'apprenti(e)"] == "MARTIN"
    assert f["L'APPRENTI(E)/Date de naissance"] == "14/03/2005"
    assert f["L'APPRENTI(E)/Sexe"] == "Féminin"
    assert f["L'APPRENTI(E)/N° et voie"] == "3 rue des Lilas"
    assert f["L'APPRENTI(E)/Dernière classe / année suivie"].startswith("01 — L'apprenti(e) a suivi la dernière")
    assert f["L'APPRENTI(E)/Déclare bénéficier de la reconnaissance travailleur handicapé"] == "Non"
    assert f["LE(S) MAÎTRE(S) D'APPRENTISSAGE/Maître d'apprentissage n° 1/Nom de naissance"] == "BERNARD"
    assert f["LE(S) MAÎTRE(S) D'APPRENTISSAGE/Maître d'apprentissage n° 1/Date de naissance"] == "02/05/1978"
    assert f["LE(S) MAÎTRE(S) D'APPRENTISSAGE/Maître d'apprentissage n° 2/Nom de naissance"] == ""
    assert f["LE CONTRAT/Type de contrat ou d'avenant"] == "Premier contrat d'apprentissage de l'apprenti(e)"
    assert f["LE CONTRAT/Date de début d'exécution du contrat"] == "07/09/2026"
    assert f["LE CONTRAT/Date de fin du contrat ou de la période d'apprentissage"] == "31/08/2027"
    assert f["LE CONTRAT/Durée hebdomadaire du travail"] == "35 h 00"
    assert f["LE CONTRAT/Salaire brut mensuel à l'embauche"] == "1 234,56 €"
    assert f["LA FORMATION/Le CFA responsable/N° UAI du CFA"] == "0010856A"
    assert f["LA FORMATION/La formation/Code RNCP"] == "RNCP36542"
    assert f["LA FORMATION/La formation/Durée de la formation"] == "1 350 heures"
    assert f["SIGNATURES/Fait à"] == "Lyon"
    assert f["SIGNATURES/Le"] == "28/08/2026"
    assert f["SIGNATURES/Cadre réservé à l'organisme en charge du dépôt du contrat/N° du dossier"] == "3866466.1"


def test_cerfa_remuneration_periods_and_ticked_attestations(payload):
    ctx = cerfa_context_from_payload(payload, today=TODAY, opco=OPCO)
    contrat = ctx.blocs[3]

    assert contrat.tableau is not None
    assert [normalize_spaces(" ".join(row)) for row in contrat.tableau.rows] == [
        "1.1 07/09/2026 31/03/2027 53 % du SMIC 966,21 €",
        "1.2 01/04/2027 31/08/2027 61 % du SMIC 1 112,05 €",
    ]
    assert ctx.blocs[0].entete[0].startswith("☒ employeur privé")
    assert ctx.blocs[2].mentions[0].startswith("☒ L'employeur atteste")
    assert ctx.blocs[5].mentions[0].startswith("☒ L'employeur atteste disposer")


def test_a_draft_shows_blank_fields(payload):
    draft = {"employeur": {"siret": "35600000000048"}, "organismeFormation": {"siret": "99999999900009"}}

    ctx = cerfa_context_from_payload(draft, today=TODAY, opco=OPCO, brouillon=True, etat="Brouillon")
    f = fields(ctx)

    assert ctx.brouillon and ctx.reference == ""
    assert "Brouillon" in ctx.avertissement
    assert f["L'EMPLOYEUR/N° SIRET de l'établissement d'exécution du contrat"] == "35600000000048"
    assert f["L'APPRENTI(E)/Nom de naissance de l'apprenti(e)"] == ""
    assert f["LE CONTRAT/Date de début d'exécution du contrat"] == ""
    assert ctx.blocs[3].tableau is None
    assert ctx.blocs[0].entete[0].startswith("☐ employeur privé    ☐")
    assert sum(1 for v in f.values() if v == "") > 60  # the form is there, empty


def test_an_empty_or_odd_payload_never_breaks_the_mapping():
    for odd in (None, {}, {"employeur": "?"}, {"contrat": {"remunerationsAnnuelles": "x", "dateDebutContrat": "bad"}}):
        ctx = cerfa_context_from_payload(odd, today=TODAY, opco=OPCO)
        assert len(ctx.blocs) == 6


def test_the_referential_fills_what_the_cerfa_leaves_empty_for_the_same_siret():
    payload = {"employeur": {"siret": "35600000000048"}, "organismeFormation": {"siret": "99999999900009"}}
    ref = EtablissementInfo(siret="35600000000048", raison_sociale="ENTREPRISE FICTIVE", code_postal="92310")
    other = EtablissementInfo(siret="99999999900009", raison_sociale="OF GENERIQUE", uai="0010856A")

    f = fields(cerfa_context_from_payload(payload, today=TODAY, opco=OPCO, employeur=ref, cfa=other))
    assert f["L'EMPLOYEUR/Nom et prénom ou dénomination"] == "ENTREPRISE FICTIVE"
    assert f["L'EMPLOYEUR/Code postal"] == "92310"
    assert f["LA FORMATION/Le CFA responsable/N° UAI du CFA"] == "0010856A"

    payload["employeur"]["siret"] = "44306184100047"  # another établissement: no borrowing
    f = fields(cerfa_context_from_payload(payload, today=TODAY, opco=OPCO, employeur=ref))
    assert f["L'EMPLOYEUR/Nom et prénom ou dénomination"] == ""


def test_unknown_codes_are_shown_as_they_are(payload):
    payload["contrat"]["typeContratApp"] = 99
    payload["employeur"]["typeEmployeur"] = "16"
    payload["employeur"]["caisseComplementaire"] = "CAISSE MAISON"  # an open list: any value
    payload["apprenti"]["sexe"] = 2  # the AGECAP coding

    f = fields(cerfa_context_from_payload(payload, today=TODAY, opco=OPCO))

    assert f["LE CONTRAT/Type de contrat ou d'avenant"] == "99"
    assert f["L'EMPLOYEUR/Type d'employeur"] == "Autre employeur privé"
    assert f["L'EMPLOYEUR/Caisse de retraite complémentaire"] == "CAISSE MAISON"
    assert f["L'APPRENTI(E)/Sexe"] == "Féminin"


def test_contexts_are_frozen(payload):
    ctx = cerfa_context_from_payload(payload, today=TODAY, opco=OPCO)
    with pytest.raises(FrozenInstanceError):
        ctx.reference = "x"
    with pytest.raises(FrozenInstanceError):
        ctx.blocs[0].titre = "x"


def test_the_cerfa_of_a_dossier_uses_its_number_and_state(dossier, settings):
    settings.PORTAIL_OPCO_NAME = "OPCO Exemple"

    ctx = cerfa_context(dossier, today=TODAY)

    assert ctx.reference == dossier.reference
    assert ctx.etat == "Accordé"
    assert ctx.opco.nom == "OPCO Exemple"
    f = fields(ctx)
    assert f["SIGNATURES/Cadre réservé à l'organisme en charge du dépôt du contrat/N° de dépôt"] == "069202609000123"
    assert (
        f["SIGNATURES/Cadre réservé à l'organisme en charge du dépôt du contrat/Nom de l'organisme"] == "OPCO Exemple"
    )


def test_the_cerfa_of_a_draft_has_no_number(brouillon):
    ctx = cerfa_context(brouillon, today=TODAY)

    assert ctx.brouillon and ctx.reference == ""
    assert ctx.document_titre == "Contrat d'apprentissage (brouillon)"
    # The referential completes the draft: the employer's name and the CFA's UAI.
    f = fields(ctx)
    assert f["L'EMPLOYEUR/Nom et prénom ou dénomination"] == "TRANSPORTS DUPONT"
    assert f["LA FORMATION/Le CFA responsable/N° UAI du CFA"] == brouillon.of_etablissement.uai


def test_no_fa13_for_another_dispositif():
    dossier = Dossier(dispositif=Dispositif.PROFESSIONNALISATION, etat="transmis", numero=1, donnees={})

    with pytest.raises(DocumentError, match="ne concerne que les contrats d'apprentissage"):
        cerfa_context(dossier, today=TODAY)


@pytest.mark.parametrize("type_", list(TypeCourrier))
def test_every_courrier_type_has_its_letter(type_, courrier_for):
    courrier = courrier_for(type_)

    ctx = courrier_context(courrier, today=TODAY, opco=OPCO)

    text = all_text(ctx)
    assert ctx.titre == TypeCourrier(type_).label
    assert ctx.destinataire.raison_sociale == courrier.destinataire_etablissement.raison_sociale
    assert ctx.destinataire.lignes[-1] == "69100 VILLEURBANNE"
    assert ctx.date_emission == "20/11/2026" and ctx.lieu_date == "Le 20 novembre 2026"
    assert ctx.salutation and ctx.formule and ctx.signature == (OPCO.signataire, "OPCO Test")
    for expected in EXPECTED_TEXTS[type_]:
        assert expected in text, expected
    labels = {ref.label: ref.value for ref in ctx.references}
    if type_ == TypeCourrier.AVIS_PAIEMENT:
        assert labels["Règlement n°"] == "0063618"
    else:
        assert labels["N° du dossier"].startswith(str(courrier.dossier.numero if courrier.dossier_id else ""))
        assert labels["N° de dépôt"] == "069202609000123"
        assert labels["Salarié(e)"] == "Léa MARTIN"
        assert labels["Formation"] == "AMBULANCIER (DIPLOME D'ETAT)"


def test_demande_de_pieces_lists_the_pieces_by_their_labels_never_their_codes(courrier_for):
    ctx = courrier_context(courrier_for(TypeCourrier.DEMANDE_PIECES), today=TODAY, opco=OPCO)

    assert ctx.tableau.headers == ("Pièces attendues",)
    assert ctx.tableau.rows == (
        ("Convention de formation signée",),
        ("Attestation d'éligibilité du maître d'apprentissage",),
    )
    assert "Précisions du gestionnaire : Merci de signer." in ctx.paragraphes_apres
    assert "CONVENTION_FORMATION" not in all_text(ctx)


def test_accord_shows_the_financing_per_nature_with_total(courrier_for, dossier):
    from decimal import Decimal

    from cases.models import LigneFinancement, NatureFinancement

    LigneFinancement.objects.create(
        dossier=dossier,
        nature=NatureFinancement.PREMIER_EQUIPEMENT,
        montant_demande=Decimal("500"),
        montant_pris_en_charge=Decimal("500"),
    )

    ctx = courrier_context(courrier_for(TypeCourrier.ACCORD), today=TODAY, opco=OPCO)

    rows = [tuple(normalize_spaces(c) for c in row) for row in ctx.tableau.rows]
    assert rows == [("NPEC total", "6 795,83 €", "6 795,83 €"), ("1er équipement", "500,00 €", "500,00 €")]
    assert tuple(normalize_spaces(c) for c in ctx.tableau.total) == ("Total", "7 295,83 €", "7 295,83 €")
    assert "subrogation" in " ".join(ctx.paragraphes_apres)


def test_rupture_takes_date_and_motif_from_the_dossier_when_the_contexte_is_empty(courrier_for):
    ctx = courrier_context(courrier_for(TypeCourrier.RUPTURE), today=TODAY, opco=OPCO)

    assert "15 janvier 2027" in ctx.paragraphes[0]
    assert ctx.paragraphes[1] == "Motif de la rupture : Rupture d'un commun accord."


def test_the_letter_is_dated_of_its_emission(courrier_for):
    courrier = courrier_for(TypeCourrier.ACCUSE_RECEPTION)
    courrier.emis_at = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # 2 décembre à Paris

    assert courrier_context(courrier, today=TODAY, opco=OPCO).date_emission == "02/12/2026"


def test_sender_and_city_come_from_settings(courrier_for, settings):
    settings.PORTAIL_OPCO_NAME = "OPCO Mobilités Île-de-France"
    settings.PORTAIL_OPCO_ADDRESS = ["1 rue de l'Exemple", "75009 PARIS"]
    settings.PORTAIL_OPCO_CITY = "Paris"

    ctx = courrier_context(courrier_for(TypeCourrier.ACCORD), today=TODAY)

    assert ctx.opco.nom == "OPCO Mobilités Île-de-France"
    assert ctx.opco.adresse_ligne == "1 rue de l'Exemple — 75009 PARIS"
    assert ctx.lieu_date == "Paris, le 20 novembre 2026"
    assert ctx.signature[-1] == "OPCO Mobilités Île-de-France"


def test_the_default_sender_is_opco_mobilites(courrier_for, settings):
    for name in ("PORTAIL_OPCO_NAME", "PORTAIL_OPCO_ADDRESS", "PORTAIL_OPCO_CITY"):
        if hasattr(settings, name):
            delattr(settings, name)

    assert courrier_context(courrier_for(TypeCourrier.REFUS), today=TODAY).opco.nom == "OPCO Mobilités"


def test_a_letter_to_the_entreprise_is_addressed_to_it(dossier):
    from tests.documents.conftest import make_courrier

    courrier = make_courrier(TypeCourrier.ACCORD, dossier=dossier, destinataire=dossier.entreprise)

    ctx = courrier_context(courrier, today=TODAY, opco=OPCO)

    assert ctx.destinataire.raison_sociale == "TRANSPORTS DUPONT"
    assert ctx.destinataire.lignes == ("12 avenue de la Gare", "69003 LYON")
    assert "(Entreprise)" in ctx.document_titre
    assert "portail" not in all_text(ctx).lower()


def test_a_facture_letter_without_facture_is_a_document_error(dossier):
    from tests.documents.conftest import make_courrier

    courrier = make_courrier(TypeCourrier.FACTURE_REJET, dossier=dossier)

    with pytest.raises(DocumentError, match="rattaché à une facture"):
        courrier_context(courrier, today=TODAY, opco=OPCO)


def test_avis_de_paiement_lists_every_facture_settled(reglement):
    ctx = avis_paiement_context(reglement, today=TODAY, opco=OPCO)

    assert ctx.numero == "0063618" and ctx.date_paiement == "25/11/2026"
    transaction = {f.label: normalize_spaces(f.value) for f in ctx.transaction}
    assert transaction == {
        "Mode de règlement": "Règlement par virement",
        "Référence": "TLS/237081",
        "Date de paiement": "25/11/2026",
        "Montant TTC": "6 795,83 €",
    }
    dossier_ref = reglement.lignes.first().dossier.reference
    rows = [tuple(normalize_spaces(c) for c in row) for row in ctx.factures.rows]
    assert [(r[3], r[5]) for r in rows] == [(dossier_ref, "3 262,00 €"), (dossier_ref, "3 533,83 €")]
    assert normalize_spaces(ctx.factures.total[-1]) == "6 795,83 €"
    assert ctx.beneficiaire.siret == reglement.beneficiaire.siret
    assert ctx.date_edition == "20/11/2026"


def test_mapping_is_pure_data(payload):
    """Contexts hold only strings, tuples and nested contexts: nothing to read from disk or database."""
    ctx = cerfa_context_from_payload(payload, today=date(2026, 1, 2), opco=OPCO)

    def check(value):
        if isinstance(value, str | bool | int | float) or value is None:
            return
        if isinstance(value, tuple):
            for item in value:
                check(item)
            return
        assert hasattr(value, "__dataclass_fields__"), type(value)
        for name in value.__dataclass_fields__:
            check(getattr(value, name))

    check(ctx)
