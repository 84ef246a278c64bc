"""Tableau de bord (counters linking to their lists, établissement context, guide, nouveautés) and
notifications (list, filters, sort, read, delete, examine)."""

from __future__ import annotations

import pytest

from accounts.models import Habilitation
from cases.models import Destinataire, Notification
from tests.api.conftest import API, errors_of, make_courrier, session_client
from tests.factories import NOW, DossierFactory, EtablissementFactory, FactureFactory

pytestmark = pytest.mark.django_db


def test_dashboard_counters_per_dispositif_and_factures(gest_a, tenant_a):
    DossierFactory(of_etablissement=tenant_a.etab, action=True, en_attente=True)
    FactureFactory(dossier=tenant_a.dossier, etat="en_attente_de_pieces")

    body = gest_a.get(f"{API}/tableau-de-bord").json()

    assert body["etablissement"]["siret"] == tenant_a.etab.siret
    en_cours = {c["code"]: c["nombre"] for c in body["dossiers_en_cours_de_traitement"]}
    en_attente = {c["code"]: c["nombre"] for c in body["dossiers_en_attente_de_pieces"]}
    assert en_cours == {"apprentissage": 0, "professionnalisation": 1, "pro_a": 0, "action_formation": 0}
    assert en_attente == {"apprentissage": 1, "professionnalisation": 0, "pro_a": 0, "action_formation": 1}
    factures = {c["code"]: c["nombre"] for c in body["factures"]}
    assert factures == {"en_attente_de_pieces": 1, "en_cours_de_traitement": 1}
    assert body["notifications_non_lues"]["nombre"] == 1
    assert body["mises_a_jour"] and body["guide"]["lien"] == f"{API}/guide/telecharger"


def test_each_counter_links_to_the_matching_list(gest_a, tenant_a):
    body = gest_a.get(f"{API}/tableau-de-bord").json()
    cards = body["dossiers_en_cours_de_traitement"] + body["dossiers_en_attente_de_pieces"] + body["factures"]

    for card in [*cards, body["notifications_non_lues"]]:
        listed = gest_a.get(card["lien"])
        assert listed.status_code == 200, card
        assert listed.json()["total"] == card["nombre"], card


def test_the_user_picks_one_of_their_etablissements(tenant_a):
    antenne = EtablissementFactory(raison_sociale="ANTENNE")
    Habilitation.objects.create(user=tenant_a.gestionnaire, etablissement=antenne, role="gestionnaire_of")
    DossierFactory(of_etablissement=antenne, en_attente=True)
    client = session_client(tenant_a.gestionnaire)

    default = client.get(f"{API}/tableau-de-bord").json()
    chosen = client.get(f"{API}/tableau-de-bord?etablissement={antenne.pk}").json()
    by_header = client.get(f"{API}/tableau-de-bord", headers={"X-ETABLISSEMENT": str(antenne.pk)}).json()
    listed = client.get(f"{API}/dossiers?dispositif=apprentissage&etablissement={antenne.pk}").json()

    assert default["etablissement"]["id"] == tenant_a.etab.pk  # the principal one
    assert chosen["etablissement"]["id"] == by_header["etablissement"]["id"] == antenne.pk
    assert chosen["dossiers_en_attente_de_pieces"][0]["nombre"] == 1
    assert listed["total"] == 1


def test_an_etablissement_outside_the_habilitations_is_404(gest_a):
    other = EtablissementFactory()

    response = gest_a.get(f"{API}/tableau-de-bord?etablissement={other.pk}")

    assert response.status_code == 404
    assert errors_of(response)[0]["description"] == "Établissement introuvable."


def test_the_opco_sees_every_tenant_or_the_one_asked(opco_client, tenant_a, tenant_b):
    everything = opco_client.get(f"{API}/tableau-de-bord").json()
    one = opco_client.get(f"{API}/tableau-de-bord?etablissement={tenant_b.etab.pk}").json()

    assert everything["etablissement"] is None
    assert everything["dossiers_en_attente_de_pieces"][0]["nombre"] == 2
    assert one["dossiers_en_attente_de_pieces"][0]["nombre"] == 1


def test_guide_download(gest_a):
    response = gest_a.get(f"{API}/guide/telecharger")

    assert response.status_code == 200
    assert "Guide utilisateur" in response.content.decode()


# --- Notifications ----------------------------------------------------------------------------


def test_notification_list_has_the_guide_columns(gest_a, tenant_a):
    body = gest_a.get(f"{API}/notifications").json()

    [row] = body["elements"]
    assert row["message"] == "Un nouveau courrier a été déposé dans votre dossier."
    assert row["numero_dossier"] == tenant_a.dossier.reference
    assert (row["siret"], row["raison_sociale"]) == (tenant_a.etab.siret, tenant_a.etab.raison_sociale)
    assert (row["prenom_stagiaire"], row["nom_stagiaire"]) == ("Léa", "MARTIN")
    assert row["lue"] is False
    assert row["courrier"]["telechargement"] == f"{API}/courriers/{tenant_a.courrier.pk}/fichier"


def test_a_dossier_appears_once_per_courrier_and_destinataire(gest_a, tenant_a):
    to_entreprise = make_courrier(tenant_a.dossier, destinataire=Destinataire.ENTREPRISE)
    Notification.objects.create(user=tenant_a.gestionnaire, courrier=to_entreprise, created_at=NOW)

    rows = gest_a.get(f"{API}/notifications?tri=siret").json()["elements"]

    assert [r["numero_dossier"] for r in rows] == [tenant_a.dossier.reference] * 2
    assert {r["siret"] for r in rows} == {tenant_a.etab.siret, tenant_a.entreprise.siret}


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("numero={numero}", 1),
        ("numero=1", 0),
        ("siret={siret}", 1),
        ("raison_sociale=generique", 1),
        ("nom=mart", 1),
        ("prenom=zoé", 0),
        ("lue=false", 1),
        ("lue=true", 0),
        ("date_min=2026-11-20&date_max=2026-11-20", 1),
        ("date_max=2026-01-01", 0),
        ("tri=-nom", 1),
        ("tri=raison_sociale", 1),
    ],
)
def test_notification_filters_and_sorts(gest_a, tenant_a, query, count):
    query = query.format(numero=tenant_a.dossier.reference, siret=tenant_a.etab.siret[:9])

    response = gest_a.get(f"{API}/notifications?{query}")

    assert response.status_code == 200, response.content
    assert response.json()["total"] == count


def test_mark_one_and_all_as_read(gest_a, tenant_a):
    second = make_courrier(tenant_a.dossier)
    Notification.objects.create(user=tenant_a.gestionnaire, courrier=second, created_at=NOW)

    assert gest_a.post(f"{API}/notifications/{tenant_a.notification.pk}/lue").status_code == 204
    assert gest_a.get(f"{API}/tableau-de-bord").json()["notifications_non_lues"]["nombre"] == 1
    assert gest_a.post(f"{API}/notifications/lues").json()["nombre"] == 1
    assert gest_a.get(f"{API}/notifications?lue=false").json()["total"] == 0
    # The other user's notification of the same courrier is untouched.
    assert Notification.objects.filter(user=tenant_a.admin, read_at__isnull=True).count() == 1


def test_delete_one_and_all(gest_a, tenant_a):
    second = make_courrier(tenant_a.dossier)
    Notification.objects.create(user=tenant_a.gestionnaire, courrier=second, created_at=NOW)

    assert gest_a.delete(f"{API}/notifications/{tenant_a.notification.pk}").status_code == 204
    assert gest_a.get(f"{API}/notifications/{tenant_a.notification.pk}").status_code == 404
    assert gest_a.delete(f"{API}/notifications").json()["nombre"] == 1
    assert gest_a.get(f"{API}/notifications").json()["total"] == 0
    assert Notification.objects.filter(user=tenant_a.gestionnaire, deleted_at__isnull=False).count() == 2


def test_examine_gives_the_dossier_synthesis(gest_a, tenant_a):
    body = gest_a.get(f"{API}/notifications/{tenant_a.notification.pk}/examiner").json()

    assert body["type"] == "dossier"
    assert body["dossier"]["numero"] == tenant_a.dossier.reference
    assert body["dossier"]["actions"]


def test_notifications_follow_current_habilitations(gest_a, tenant_a):
    Habilitation.objects.filter(user=tenant_a.gestionnaire).delete()
    other = EtablissementFactory()
    Habilitation.objects.create(user=tenant_a.gestionnaire, etablissement=other, role="gestionnaire_of", principal=True)

    assert gest_a.get(f"{API}/notifications").json()["total"] == 0
    assert gest_a.get(f"{API}/notifications/{tenant_a.notification.pk}").status_code == 404
