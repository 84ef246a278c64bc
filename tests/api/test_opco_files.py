"""The gestionnaire's queues and the courriers « en échec » in the OPCO API: real lists (paged, filtered,
linked to the dossier), the remise en file, and 403 for anyone but the OPCO."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from api import schemas
from cases.models import Courrier, TransitionLog
from tests.api.conftest import API, codes_of, fields_of
from tests.factories import DossierFactory

pytestmark = pytest.mark.django_db


def log(dossier, transition: str, target: str, days_ago: int) -> None:
    TransitionLog.objects.create(
        dossier=dossier,
        transition=transition,
        source="",
        target=target,
        actor_label="t",
        channel="admin",
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def relance(dossier, days_ago: int) -> None:
    Courrier.objects.create(
        cle=f"relance:dossier:{dossier.pk}:{days_ago}:of",
        type="relance",
        destinataire="of",
        destinataire_etablissement=dossier.of_etablissement,
        of_etablissement=dossier.of_etablissement,
        dossier=dossier,
        statut="emis",
        created_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def queues(tenant_a):
    silent = DossierFactory(en_attente=True, of_etablissement=tenant_a.etab, salarie_nom="SILENCE")
    log(silent, "demander_pieces", "en_attente_de_pieces", 40)
    relance(silent, 25)
    relance(silent, 10)
    answered_once = DossierFactory(en_attente=True, of_etablissement=tenant_a.etab)
    log(answered_once, "demander_pieces", "en_attente_de_pieces", 20)
    relance(answered_once, 5)
    at_risk = DossierFactory(of_etablissement=tenant_a.etab, etat="transmis")
    log(at_risk, "transmettre", "transmis", 16)
    lapsed = DossierFactory(of_etablissement=tenant_a.etab, etat="transmis")
    log(lapsed, "transmettre", "transmis", 25)
    fresh = DossierFactory(of_etablissement=tenant_a.etab, etat="transmis")
    log(fresh, "transmettre", "transmis", 3)
    failed = Courrier.objects.create(
        cle=f"test:echec:{silent.pk}",
        type="accord",
        destinataire="of",
        destinataire_etablissement=silent.of_etablissement,
        of_etablissement=silent.of_etablissement,
        dossier=silent,
        statut="echec",
        tentatives=3,
        erreur="DocumentError: exemple",
        created_at=timezone.now(),
    )
    return {"silent": silent, "at_risk": at_risk, "lapsed": lapsed, "fresh": fresh, "failed": failed}


def test_dossiers_relances_sans_reponse(opco_client, queues):
    response = opco_client.get(f"{API}/opco/files/relances-sans-reponse")

    assert response.status_code == 200
    body = schemas.PageOut[schemas.DossierRelanceOut].model_validate(response.json())
    assert [row.id for row in body.elements] == [queues["silent"].pk]
    [row] = body.elements
    assert row.relances == 2 and row.salarie.endswith("SILENCE") and row.lien == f"{API}/dossiers/{row.id}"
    assert row.date_demande_pieces < row.date_derniere_relance


def test_decision_clocks_at_risk_and_lapsed_with_a_filter(opco_client, queues):
    both = opco_client.get(f"{API}/opco/files/delais-de-decision").json()
    lapsed = opco_client.get(f"{API}/opco/files/delais-de-decision?situation=depasse").json()
    at_risk = opco_client.get(f"{API}/opco/files/delais-de-decision?situation=a_risque").json()

    schemas.PageOut[schemas.DelaiDecisionOut].model_validate(both)
    assert [r["id"] for r in both["elements"]] == [queues["lapsed"].pk, queues["at_risk"].pk]  # oldest first
    [row] = lapsed["elements"]
    assert (row["id"], row["situation"], row["jours_restants"]) == (queues["lapsed"].pk, "depasse", -5)
    assert row["issue_du_silence"] == "refus implicite" and row["situation_libelle"] == "Délai dépassé"
    [row] = at_risk["elements"]
    assert (row["id"], row["jours_restants"]) == (queues["at_risk"].pk, 4)


def test_an_unknown_situation_is_a_clear_422(opco_client, queues):
    response = opco_client.get(f"{API}/opco/files/delais-de-decision?situation=bientot")

    assert response.status_code == 422 and "situation" in str(fields_of(response))


def test_a_courrier_en_echec_is_listed_then_put_back_in_the_file(opco_client, opco, queues):
    failed = queues["failed"]

    listed = opco_client.get(f"{API}/opco/courriers/en-echec").json()
    requeued = opco_client.post(
        f"{API}/opco/courriers/{failed.pk}/remettre-en-file",
        {"motif": "Modèle réparé."},
        content_type="application/json",
    )
    again = opco_client.post(f"{API}/opco/courriers/{failed.pk}/remettre-en-file", content_type="application/json")
    missing = opco_client.post(f"{API}/opco/courriers/999999999/remettre-en-file", content_type="application/json")

    assert [c["id"] for c in listed["elements"]] == [failed.pk]
    assert listed["elements"][0]["erreur"] == "DocumentError: exemple"
    assert requeued.status_code == 200, requeued.content
    assert (requeued.json()["statut"], requeued.json()["tentatives"]) == ("demande", 0)
    schemas.CourrierSuiviOut.model_validate(requeued.json())
    assert again.status_code == 409 and codes_of(again)
    assert missing.status_code == 404
    entry = TransitionLog.objects.get(courrier=failed)
    assert (entry.transition, entry.source, entry.target, entry.actor_user_id, entry.channel) == (
        "remettre_en_file",
        "echec",
        "demande",
        opco.pk,
        "api",
    )
    assert entry.reason == "Modèle réparé."


@pytest.mark.parametrize(
    "url",
    ["/opco/files/relances-sans-reponse", "/opco/files/delais-de-decision", "/opco/courriers/en-echec"],
)
def test_only_the_opco_sees_its_queues(gest_a, key_a, queues, url):
    for client in (gest_a, key_a):
        assert client.get(f"{API}{url}").status_code == 403


def test_only_the_opco_puts_a_courrier_back_in_the_file(gest_a, queues):
    response = gest_a.post(f"{API}/opco/courriers/{queues['failed'].pk}/remettre-en-file", {}, "application/json")

    assert response.status_code == 403
    assert Courrier.objects.get(pk=queues["failed"].pk).statut == "echec"
