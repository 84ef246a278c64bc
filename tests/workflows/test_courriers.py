"""The courrier pipeline on the real converter: issued once, stored, notified to the right users."""

import io
import threading

import pytest
from django.db import connection
from pypdf import PdfReader

from accounts.actors import Actor
from cases import services
from cases.models import Courrier, Notification
from cases.services.courriers import MAX_ATTEMPTS, courriers_issue_batch, courriers_pending
from tests.factories import NOW, DossierFactory, of_user
from workflows.courriers import issue_courriers


def requested_accord(opco_user):
    """An accord on a dossier of an OF with two users (one inactive) and another OF's user around."""
    dossier = DossierFactory(en_cours=True)
    active, _ = of_user(dossier.of_etablissement)
    inactive, _ = of_user(dossier.of_etablissement)
    inactive.is_active = False
    inactive.save()
    stranger, _ = of_user(dossier.entreprise)  # a user of the entreprise's SIRET: not the OF's tenant
    services.dossier_grant(
        actor=Actor.for_user(opco_user), dossier_id=dossier.pk, montants_pris_en_charge={"npec": "6795.83"}, now=NOW
    )
    return dossier, active, inactive, stranger


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_a_courrier_is_rendered_stored_and_notified_to_the_of_only(pdf_listener, opco_user):
    dossier, active, inactive, stranger = requested_accord(opco_user)

    report = courriers_issue_batch(courrier_ids=courriers_pending(limit=10), now=NOW)

    assert report.emis == 2 and report.echecs == 0  # one to the OF, one to the entreprise
    for courrier in Courrier.objects.filter(dossier=dossier):
        assert courrier.statut == "emis" and courrier.emis_at == NOW
        content = courrier.fichier.read()
        assert content.startswith(b"%PDF-") and dossier.reference in pdf_text(content)
    notified = set(Notification.objects.values_list("user_id", flat=True))
    assert notified == {active.pk}  # both letters concern the OF's dossier: its active users only
    assert Notification.objects.filter(user=active).count() == 2


@pytest.mark.django_db
def test_issuing_again_does_nothing(pdf_listener, opco_user):
    requested_accord(opco_user)
    ids = courriers_pending(limit=10)
    courriers_issue_batch(courrier_ids=ids, now=NOW)

    report = courriers_issue_batch(courrier_ids=ids, now=NOW)

    assert (report.emis, report.deja_traites) == (0, 2)
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_rendering_stays_in_the_outbox_then_gives_up(opco_user):
    requested_accord(opco_user)
    ids = courriers_pending(limit=10)

    def broken(courrier):
        raise RuntimeError("convertisseur arrêté")

    for _ in range(MAX_ATTEMPTS - 1):
        assert courriers_issue_batch(courrier_ids=ids, now=NOW, render=broken).echecs == 2
    assert set(Courrier.objects.values_list("statut", flat=True)) == {"demande"}
    courriers_issue_batch(courrier_ids=ids, now=NOW, render=broken)

    assert set(Courrier.objects.values_list("statut", flat=True)) == {"echec"}
    assert "convertisseur arrêté" in Courrier.objects.first().erreur
    assert not Notification.objects.exists()
    assert not [f for f in Courrier.objects.values_list("fichier", flat=True) if f]


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_runs_issue_each_courrier_once(pdf_listener, opco_user):
    for _ in range(3):
        requested_accord(opco_user)
    ids = courriers_pending(limit=50)
    reports = []

    def run():
        try:
            reports.append(courriers_issue_batch(courrier_ids=ids, now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    assert sum(r.emis for r in reports) == len(ids) == 6
    assert Notification.objects.count() == 6
    assert not Courrier.objects.filter(statut="demande").exists()


@pytest.mark.django_db(transaction=True)
def test_the_flow_under_prefect_drains_the_outbox_once(prefect_harness, pdf_listener, opco_user):
    requested_accord(opco_user)

    first = issue_courriers(batch_size=1)
    second = issue_courriers(batch_size=1)

    assert first["emis"] == 2 and second["emis"] == 0
    assert Notification.objects.count() == 2
