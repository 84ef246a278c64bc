"""Back-office: the OPCO gestionnaire's instruction transitions; everyone else gets 403."""

from __future__ import annotations

import pytest

from cases.models import Dossier, Facture
from tests.api.conftest import API, codes_of, fields_of
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(f"{API}{url}", body or {}, content_type="application/json")


def test_dossier_instruction_from_registration_to_cloture(opco_client, tenant_a):
    registered = post(
        opco_client,
        "/opco/dossiers",
        {
            "dispositif": "professionnalisation",
            "of_etablissement_id": tenant_a.etab.pk,
            "entreprise_id": tenant_a.entreprise.pk,
            "subroge": True,
            "salarie": {"nom": "TEST", "prenom": "Fateh", "date_naissance": "1990-01-01"},
            "formation": {"intitule": "Formation test"},
            "contrat": {"date_debut": "2026-10-09", "date_fin": "2027-10-09"},
            "financements": {"cout_pedagogique": "7497.00"},
        },
    )
    assert registered.status_code == 201, registered.content
    pk = registered.json()["id"]

    steps = [
        ("prendre-en-charge", None, "en_cours_de_traitement"),
        ("demander-pieces", {"pieces": ["PROGRAMME_FORMATION"], "commentaire": ""}, "en_attente_de_pieces"),
        ("reprendre-instruction", None, "en_cours_de_traitement"),
        ("accorder", {"montants_pris_en_charge": {"cout_pedagogique": "7497.00"}}, "accorde"),
        (
            "enregistrer-rupture",
            {"date_rupture": "2027-01-15", "motif": "3", "initiateur": "commun", "formation_poursuivie": True},
            "rupture",
        ),
        ("cloturer", None, "solde"),
    ]
    for name, body, etat in steps:
        response = post(opco_client, f"/opco/dossiers/{pk}/{name}", body)
        assert response.status_code == 200, (name, response.content)
        assert response.json()["etat"] == etat

    synthesis = opco_client.get(f"{API}/dossiers/{pk}").json()
    assert synthesis["accord_financement"]["total_pris_en_charge"] == "7497.00"
    assert len(synthesis["historique"]) == 7


def test_refuse_and_cancel_need_their_reasons(opco_client, tenant_a):
    d = DossierFactory(of_etablissement=tenant_a.etab, en_cours=True)

    missing = post(opco_client, f"/opco/dossiers/{d.pk}/refuser", {"motif": "INCONNU", "explication": ""})
    refused = post(
        opco_client, f"/opco/dossiers/{d.pk}/refuser", {"motif": "AGE_NON_ELIGIBLE", "explication": "Trop âgé"}
    )
    cancel = post(opco_client, f"/opco/dossiers/{tenant_a.dossier.pk}/annuler", {"motif": "Contrat non débuté"})

    assert missing.status_code == 422 and fields_of(missing) == {"motif", "explication"}
    assert refused.json()["etat"] == "refuse"
    assert cancel.json()["etat"] == "annule"


def test_a_transition_not_allowed_in_the_state_is_409(opco_client, tenant_a):
    response = post(opco_client, f"/opco/dossiers/{tenant_a.dossier.pk}/prendre-en-charge")

    assert response.status_code == 409 and codes_of(response) == {"conflit"}
    assert Dossier.objects.get(pk=tenant_a.dossier.pk).etat == "accorde"


def test_facture_instruction_and_reglement(opco_client, tenant_a, gest_a):
    f = tenant_a.facture
    for name, body, etat in [
        ("instruire", None, "en_cours_de_traitement"),
        ("demander-pieces", {"pieces": ["CERTIFICAT_REALISATION"]}, "en_attente_de_pieces"),
        ("reprendre-instruction", None, "en_cours_de_traitement"),
        ("valider", None, "validee"),
    ]:
        response = post(opco_client, f"/opco/factures/{f.pk}/{name}", body)
        assert response.status_code == 200, (name, response.content)
        assert response.json()["etat"] == etat

    reglement = post(
        opco_client,
        "/opco/reglements",
        {"facture_ids": [f.pk], "date_paiement": "2026-11-25", "reference_virement": "TLS/237081"},
    )

    assert reglement.status_code == 201, reglement.content
    assert Facture.objects.get(pk=f.pk).etat == "payee"
    listed = gest_a.get(f"{API}/paiements?reference=TLS").json()["elements"]
    assert [p["id"] for p in listed] == [reglement.json()["id"]]


def test_reject_a_facture(opco_client, tenant_a):
    response = post(
        opco_client,
        f"/opco/factures/{tenant_a.facture.pk}/rejeter",
        {"motif": "DOUBLON", "explication": "Déjà reçue"},
    )

    assert response.json()["etat"] == "rejetee"


def test_reglement_of_unvalidated_factures_is_409(opco_client, tenant_a):
    response = post(
        opco_client,
        "/opco/reglements",
        {"facture_ids": [tenant_a.facture.pk], "date_paiement": "2026-11-25", "reference_virement": "X"},
    )

    assert response.status_code == 409


OPCO_ROUTES = [
    ("/opco/dossiers/{d}/prendre-en-charge", None),
    ("/opco/dossiers/{d}/accorder", {"montants_pris_en_charge": {"npec": "1.00"}}),
    ("/opco/dossiers/{d}/refuser", {"motif": "AUTRE", "explication": "x"}),
    ("/opco/dossiers/{d}/annuler", {"motif": "x"}),
    ("/opco/dossiers/{d}/cloturer", None),
    ("/opco/dossiers/{d}/demander-pieces", {"pieces": ["AUTRE"], "commentaire": "x"}),
    ("/opco/dossiers/{d}/reprendre-instruction", None),
    (
        "/opco/dossiers/{d}/enregistrer-rupture",
        {"date_rupture": "2026-12-01", "motif": "3", "initiateur": "commun", "formation_poursuivie": True},
    ),
    ("/opco/factures/{f}/instruire", None),
    ("/opco/factures/{f}/valider", None),
    ("/opco/factures/{f}/rejeter", {"motif": "AUTRE", "explication": "x"}),
    ("/opco/factures/{f}/demander-pieces", {"pieces": ["AUTRE"]}),
    ("/opco/factures/{f}/reprendre-instruction", None),
    ("/opco/reglements", {"facture_ids": [1], "date_paiement": "2026-11-25", "reference_virement": "X"}),
]


@pytest.mark.parametrize(("template", "body"), OPCO_ROUTES)
@pytest.mark.parametrize("who", ["admin_a", "gest_a", "key_a", "user_b", "key_b"])
def test_back_office_is_refused_to_everyone_but_the_opco(request, tenant_a, template, body, who):
    client = request.getfixturevalue(who)

    response = post(client, template.format(d=tenant_a.en_attente.pk, f=tenant_a.facture.pk), body)

    assert response.status_code == 403, response.content
    assert Dossier.objects.get(pk=tenant_a.en_attente.pk).etat == "en_attente_de_pieces"


def test_registration_is_refused_to_of_users(admin_a, tenant_a):
    response = post(
        admin_a,
        "/opco/dossiers",
        {
            "dispositif": "pro_a",
            "of_etablissement_id": tenant_a.etab.pk,
            "entreprise_id": tenant_a.entreprise.pk,
            "salarie": {},
            "formation": {},
            "contrat": {},
            "financements": {},
        },
    )

    assert response.status_code == 403


def test_opco_facture_on_missing_object_is_404(opco_client):
    assert post(opco_client, "/opco/factures/999999/instruire").status_code == 404
    assert post(opco_client, "/opco/dossiers/999999/cloturer").status_code == 404


def test_the_accord_records_the_deca_number_and_checks_its_format(opco_client):
    good, bad = DossierFactory(en_cours=True), DossierFactory(en_cours=True)
    body = {"montants_pris_en_charge": {"npec": "6795.83"}}

    ok = post(opco_client, f"/opco/dossiers/{good.pk}/accorder", {**body, "numero_depot": "092202611000777"})
    refused = post(opco_client, f"/opco/dossiers/{bad.pk}/accorder", {**body, "numero_depot": "12345"})

    assert ok.status_code == 200 and Dossier.objects.get(pk=good.pk).numero_depot == "092202611000777"
    assert refused.status_code == 422 and fields_of(refused) == {"numero_depot"}
    assert Dossier.objects.get(pk=bad.pk).etat == "en_cours_de_traitement"
