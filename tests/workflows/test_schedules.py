"""A scheduled run starts by itself — what ``bin/demo`` relies on, without ``--once``: a real Prefect server
(its own port, a temporary PREFECT_HOME), the courrier deployment served against it by
``manage.py serve_flows``, and a courrier requested by an OPCO transition issued and notified with
nothing run by hand; the run is in the server's history, created by its scheduler, started on time."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.actors import Actor
from cases import services
from cases.models import Courrier, Notification
from tests.factories import NOW, DossierFactory, of_user

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait(what: str, seconds: float, check, processes) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        for name, proc, log in processes:
            assert proc.poll() is None, f"{name} s'est arrêté : {Path(log).read_text()[-3000:]}"
        time.sleep(1)
    logs = "\n".join(f"--- {name}\n{Path(log).read_text()[-3000:]}" for name, _, log in processes)
    raise AssertionError(f"{what} : rien après {seconds} s\n{logs}")


def wait_for_no_other_session(seconds: float = 15) -> None:
    """The served flows' database connections are gone (else the test database cannot be dropped)."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.5)


def api_post(url: str, body: dict) -> list:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_run_starts_by_itself_issues_the_courrier_and_is_visible(pdf_listener, opco_user, tmp_path):
    dossier = DossierFactory(en_cours=True)
    user, _ = of_user(dossier.of_etablissement)
    services.dossier_grant(
        actor=Actor.for_user(opco_user), dossier_id=dossier.pk, montants_pris_en_charge={"npec": "10"}, now=NOW
    )
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": api,
        "DATABASE_URL": database_url(),
        "PORTAIL_VAR_DIR": str(tmp_path / "var"),
        "PORTAIL_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PORTAIL_COURRIERS_INTERVAL": "10",
        "PORTAIL_UNOSERVER_PORT": str(pdf_listener.port),
        "PORTAIL_UNOSERVER_UNO_PORT": str(pdf_listener._ports[1]),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.pop("PREFECT_LOGGING_LEVEL", None)
    bin_dir = Path(sys.executable).parent
    processes = []
    server_log, flows_log = tmp_path / "server.log", tmp_path / "flows.log"
    server = subprocess.Popen(
        [str(bin_dir / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=server_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    processes.append(("serveur Prefect", server, server_log))
    try:

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                    return response.status == 200
            except OSError:
                return False

        wait("le serveur Prefect", 180, healthy, processes)
        flows = subprocess.Popen(
            [sys.executable, "manage.py", "serve_flows", "--only", "courriers", "--poll", "2"],
            cwd=ROOT,
            env=env,
            stdout=flows_log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(("serve_flows", flows, flows_log))

        def issued() -> bool:
            return not Courrier.objects.filter(dossier=dossier).exclude(statut="emis").exists()

        wait("l'émission planifiée des courriers", 240, issued, processes)

        def completed() -> list:
            return api_post(
                f"{api}/flow_runs/filter",
                {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "sort": "EXPECTED_START_TIME_ASC"},
            )

        # The courrier is in the database a moment before the run reports its end to the server.
        wait("une exécution terminée sur le serveur", 60, lambda: bool(completed()), processes)
        runs = completed()
        deployments = api_post(f"{api}/deployments/filter", {})
    finally:
        for _, proc, _ in reversed(processes):
            stop(proc)
        wait_for_no_other_session()

    assert [d["name"] for d in deployments] == ["courriers"]
    assert deployments[0]["entrypoint"] == "workflows.courriers.issue_courriers"  # no path of this machine
    assert runs, "aucune exécution terminée sur le serveur"
    first = runs[0]
    assert first["auto_scheduled"] is True  # created by the server's scheduler, not by hand
    assert first["deployment_id"] == deployments[0]["id"]
    lateness = datetime.fromisoformat(first["start_time"]) - datetime.fromisoformat(first["expected_start_time"])
    assert lateness.total_seconds() < 10, lateness
    assert Notification.objects.filter(user=user, courrier__dossier=dossier).count() == 2
    assert all(c.fichier.read().startswith(b"%PDF-") for c in Courrier.objects.filter(dossier=dossier))


def test_serving_without_a_prefect_server_is_refused_in_french(monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.delenv("PREFECT_API_URL", raising=False)

    with pytest.raises(CommandError, match="Aucun serveur Prefect"):
        call_command("serve_flows")
    with pytest.raises(CommandError, match="Traitement inconnu : inconnu"):
        call_command("serve_flows", "--only", "inconnu")
