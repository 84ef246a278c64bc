"""When a courrier cannot be issued: the Prefect run says so, retries with backoff, gives up into « en échec »,
alerts the operators, and the OPCO repairs; when the pipeline is down (dead converter, broken template,
database lost mid-pass) nothing is lost, nothing is issued twice, and the next run completes the work."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, LogFilter, LogFilterFlowRunId
from prefect.logging.handlers import APILogWorker

from accounts.actors import Actor
from cases import services
from cases.models import AlerteExploitation, Courrier, Notification, TransitionLog, TypeCourrier
from cases.services.alerts import courriers_backlog_alert
from cases.services.courriers import MAX_ATTEMPTS, courrier_requeue
from common.errors import Conflict, Forbidden, NotFound
from documents.converters import UnoserverConverter, set_default_converter
from documents.templates import DEFAULT_DIR, clear_cache
from tests.factories import NOW, DossierFactory, FactureFactory, of_user
from workflows.courriers import issue_courriers


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.PORTAIL_FLOWS = {**settings.PORTAIL_FLOWS, "COURRIER_RETRY_DELAYS": [1, 2]}
    settings.PORTAIL_OPS_EMAILS = ["ops@portail.example"]


def requested_accord(opco_user):
    dossier = DossierFactory(en_cours=True)
    user, _ = of_user(dossier.of_etablissement)
    services.dossier_grant(
        actor=Actor.for_user(opco_user), dossier_id=dossier.pk, montants_pris_en_charge={"npec": "6795.83"}, now=NOW
    )
    return dossier, user


def unrenderable(dossier) -> Courrier:
    """A real courrier its letter cannot be written for: a rejet de facture attached to no facture."""
    return Courrier.objects.create(
        cle=f"test:rejet-sans-facture:{dossier.pk}",
        type=TypeCourrier.FACTURE_REJET,
        destinataire="of",
        destinataire_etablissement=dossier.of_etablissement,
        of_etablissement=dossier.of_etablissement,
        dossier=dossier,
        created_at=NOW,
    )


def run_details(state):
    """The flow run, its task runs with their states, and its logs, as the Prefect API has them."""
    # From a thread without an event loop, so that the drain is waited for (not an unawaited coroutine).
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(APILogWorker.drain_all, timeout=10).result()
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))
        states = {t.name: client.read_task_run_states(t.id) for t in tasks}
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
    return flow_run, tasks, states, " ".join(log.message for log in logs)


def issued_once(dossier) -> None:
    """Every courrier of the dossier issued, each file stored once, each notification once."""
    courriers = Courrier.objects.filter(dossier=dossier)
    assert set(courriers.values_list("statut", flat=True)) == {"emis"}
    assert all(c.fichier.read().startswith(b"%PDF-") for c in courriers)
    assert Notification.objects.filter(courrier__dossier=dossier).count() == courriers.count()
    assert TransitionLog.objects.filter(courrier__dossier=dossier, transition="emettre").count() == courriers.count()


@pytest.mark.django_db(transaction=True)
def test_a_courrier_that_fails_to_render_fails_its_task_and_run_with_the_cause_then_goes_en_echec(
    prefect_harness, pdf_listener, opco_user
):
    dossier, _ = requested_accord(opco_user)
    broken = unrenderable(dossier)

    state = issue_courriers(batch_size=10, return_state=True)

    assert state.is_failed()
    flow_run, tasks, states, logs = run_details(state)
    assert flow_run.state.type.value == "FAILED"
    [batch] = [t for t in tasks if t.name.startswith("emettre-lot") and t.state.type.value == "FAILED"]
    assert batch.run_count == MAX_ATTEMPTS
    running = [s.timestamp for s in states[batch.name] if s.name in ("Running", "Retrying")]
    assert len(running) == MAX_ATTEMPTS
    waits = [(b - a).total_seconds() for a, b in zip(running, running[1:], strict=False)]
    assert waits[0] >= 1 and waits[1] >= 2  # the backoff of COURRIER_RETRY_DELAYS
    assert "doit être rattaché à une facture" in logs and f"Courrier {broken.pk}" in logs
    broken.refresh_from_db()
    assert (broken.statut, broken.tentatives) == ("echec", MAX_ATTEMPTS)
    assert TransitionLog.objects.filter(courrier=broken, transition="abandonner", target="echec").exists()
    assert set(Courrier.objects.filter(dossier=dossier, type="accord").values_list("statut", flat=True)) == {"emis"}
    [alert] = [m for m in mail.outbox if m.to == ["ops@portail.example"]]
    assert "« courriers » a échoué" in alert.subject and "/runs/flow-run/" in alert.body
    assert "doit être rattaché à une facture" in alert.body


@pytest.mark.django_db(transaction=True)
def test_the_gestionnaire_repairs_and_requeues_then_the_next_run_issues_it(prefect_harness, pdf_listener, opco_user):
    dossier, _ = requested_accord(opco_user)
    broken = unrenderable(dossier)
    issue_courriers(batch_size=10, return_state=True)
    broken.refresh_from_db()
    assert broken.statut == "echec"
    of_actor = Actor.for_user(of_user(dossier.of_etablissement)[0])
    with pytest.raises(Forbidden):
        courrier_requeue(actor=of_actor, courrier_id=broken.pk, now=NOW)
    with pytest.raises(Conflict):
        courrier_requeue(actor=Actor.for_user(opco_user), courrier_id=dossier.courriers.first().pk, now=NOW)
    with pytest.raises(NotFound):
        courrier_requeue(actor=Actor.for_user(opco_user), courrier_id=10**9, now=NOW)

    Courrier.objects.filter(pk=broken.pk).update(facture=FactureFactory(dossier=dossier))  # the data is repaired
    courrier_requeue(actor=Actor.for_user(opco_user), courrier_id=broken.pk, now=NOW, reason="Facture rattachée.")
    state = issue_courriers(batch_size=10, return_state=True)

    assert state.is_completed()
    broken.refresh_from_db()
    assert broken.statut == "emis" and broken.fichier
    log = TransitionLog.objects.get(courrier=broken, transition="remettre_en_file")
    assert (log.source, log.target, log.actor_user_id) == ("echec", "demande", opco_user.pk)
    assert log.reason == "Facture rattachée." and log.channel == "api"


@pytest.mark.django_db(transaction=True)
def test_a_dead_converter_fails_the_run_loses_nothing_and_the_next_run_completes(
    prefect_harness, pdf_listener, opco_user, settings
):
    dossier, _ = requested_accord(opco_user)
    dead = UnoserverConverter(soffice="/nonexistent/soffice")  # LibreOffice is gone
    previous = set_default_converter(dead)
    try:
        state = issue_courriers(batch_size=10, return_state=True)
    finally:
        set_default_converter(previous)

    assert state.is_failed()
    _, _, _, logs = run_details(state)
    assert "LibreOffice (soffice) est introuvable" in logs
    courriers = Courrier.objects.filter(dossier=dossier)
    assert set(courriers.values_list("statut", "tentatives")) == {("demande", 0)}  # nobody's fault: not counted
    assert not Notification.objects.exists() and not any(c.fichier for c in courriers)

    assert issue_courriers(batch_size=10, return_state=True).is_completed()
    issued_once(dossier)


@pytest.mark.django_db(transaction=True)
def test_a_broken_template_fails_the_run_and_once_repaired_the_next_run_completes(
    prefect_harness, pdf_listener, opco_user, settings, tmp_path
):
    dossier, _ = requested_accord(opco_user)
    templates = tmp_path / "modeles"
    shutil.copytree(DEFAULT_DIR, templates)
    (templates / "courrier.docx").write_bytes(b"PK\x03\x04 ceci n'est plus un document Word")
    settings.PORTAIL_DOCUMENT_TEMPLATES_DIR = str(templates)
    clear_cache()

    state = issue_courriers(batch_size=10, return_state=True)

    assert state.is_failed()
    _, _, _, logs = run_details(state)
    assert "courrier.docx" in logs and "corrompu" in logs
    assert set(Courrier.objects.filter(dossier=dossier).values_list("statut", "tentatives")) == {("demande", 0)}

    shutil.copy(DEFAULT_DIR / "courrier.docx", templates / "courrier.docx")
    clear_cache()
    assert issue_courriers(batch_size=10, return_state=True).is_completed()
    issued_once(dossier)


class ConnectionKiller:
    """The real converter, but the database connection of the pass is cut while the 2nd letter converts
    (what a PostgreSQL restart does to a worker)."""

    def __init__(self, converter):
        self.converter, self.calls = converter, 0
        self.name = "tueur"

    def available(self):
        return True

    def convert(self, docx: bytes) -> bytes:
        self.calls += 1
        data = self.converter.convert(docx)
        if self.calls == 2:
            if connection.vendor == "postgresql":
                from django.db import connections

                other = connections.create_connection("default")
                try:
                    with other.cursor() as cursor:
                        cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
                finally:
                    other.close()
            else:
                connection.connection.close()
        return data


@pytest.mark.django_db(transaction=True)
def test_losing_the_database_mid_pass_loses_nothing_and_issues_nothing_twice(
    prefect_harness, pdf_listener, opco_user, settings
):
    dossiers = [requested_accord(opco_user)[0] for _ in range(2)]
    killer = ConnectionKiller(pdf_listener)
    previous = set_default_converter(killer)
    try:
        state = issue_courriers(batch_size=10, return_state=True)
    finally:
        set_default_converter(previous)

    # The batch task failed on the lost connection, then its retry, on a fresh connection, issued the rest.
    assert killer.calls >= 5
    assert state.is_completed()
    for dossier in dossiers:
        issued_once(dossier)
    stored = [p for p in (settings.MEDIA_ROOT / "courriers").rglob("*.pdf")]
    assert len(stored) == Courrier.objects.count() == 4  # the file of the interrupted courrier was discarded


@pytest.mark.django_db
def test_an_outbox_older_than_ten_minutes_alerts_the_operators_once_an_hour(opco_user):
    requested_accord(opco_user)
    created = Courrier.objects.order_by("created_at").first().created_at

    assert not courriers_backlog_alert(now=created + timedelta(minutes=9))
    assert courriers_backlog_alert(now=created + timedelta(minutes=11))
    assert not courriers_backlog_alert(now=created + timedelta(minutes=20))  # same hour: already told

    [alert] = mail.outbox
    assert alert.to == ["ops@portail.example"] and "2 courrier(s) en attente" in alert.subject
    assert AlerteExploitation.objects.count() == 1
