"""Helpers of bench/scale_out.sh (run with the bench's environment: DATABASE_URL, PREFECT_API_URL).

request N        put N courriers in the outbox (accusés de réception on the seeded dossiers)
drain RUNS       start RUNS runs of the « courriers » deployment at once, wait until the outbox is
                 empty, print the time and the throughput
check            every courrier issued exactly once: one file, one « emettre » journal entry,
                 one notification per user of its OF
latency          schedule latency of the runs created by the server's scheduler
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from cases.models import Courrier, Dossier, Notification, StatutCourrier, TransitionLog  # noqa: E402
from cases.services._common import CourrierRequest, request_courriers  # noqa: E402


def request(n: int) -> None:
    stamp = time.time_ns()
    dossiers = list(Dossier.objects.filter(numero__isnull=False).order_by("-pk")[:n])
    assert len(dossiers) == n, f"{len(dossiers)} dossiers numérotés seulement : seed_demo --scale d'abord"
    with transaction.atomic():
        for d in dossiers:
            request_courriers(
                log=None,
                key=f"scale:{stamp}:{d.pk}",
                dossier=d,
                now=timezone.now(),
                requests=[CourrierRequest("accuse_reception", "of", d.of_etablissement_id, {})],
            )
    print(f"{n} courriers demandés", flush=True)


def drain(runs: int) -> None:
    from prefect.deployments import run_deployment

    pending = Courrier.objects.filter(statut=StatutCourrier.DEMANDE)
    total = pending.count()
    start = time.perf_counter()
    for _ in range(runs):
        run_deployment("courriers/courriers", timeout=0)
    while pending.exists():
        time.sleep(0.5)
        if time.perf_counter() - start > 3600:
            raise SystemExit("la file ne s'est pas vidée en une heure")
    elapsed = time.perf_counter() - start
    failed = Courrier.objects.filter(statut=StatutCourrier.ECHEC).count()
    print(f"{total} courriers vidés en {elapsed:.1f} s ({total / elapsed * 60:.0f} / min), en échec : {failed}")
    Path(os.environ.get("SCALE_RESULT", "/dev/null")).write_text(f"{elapsed:.3f}\n")


def check() -> None:
    issued = Courrier.objects.filter(statut=StatutCourrier.EMIS)
    logs = (
        TransitionLog.objects.filter(courrier__isnull=False, transition="emettre")
        .values("courrier")
        .annotate(n=Count("pk"))
    )
    doubled = sum(1 for row in logs if row["n"] > 1)
    without_file = issued.filter(fichier="").count()
    files = {c.fichier.name for c in issued.only("fichier")}
    notifications = Notification.objects.values("user", "courrier").annotate(n=Count("pk")).filter(n__gt=1).count()
    print(
        f"courriers émis : {issued.count()}, émis deux fois : {doubled}, sans fichier : {without_file}, "
        f"fichiers distincts : {len(files)}, notifications en double : {notifications}"
    )
    if doubled or without_file or notifications or len(files) != issued.count():
        raise SystemExit(1)


def latency() -> None:
    import statistics

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStartTime

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(is_null_=False)), limit=500
        )
    late = sorted(
        (r.start_time - r.expected_start_time).total_seconds()
        for r in runs
        if r.auto_scheduled and r.start_time and r.expected_start_time
    )
    if not late:
        print("aucune exécution planifiée")
        return
    p95 = late[max(0, -(-95 * len(late) // 100) - 1)]
    print(f"{len(late)} exécutions planifiées : retard médian {statistics.median(late):.2f} s, p95 {p95:.2f} s")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    commands = {"request": lambda: request(int(args[0])), "drain": lambda: drain(int(args[0]))}
    commands.update(check=check, latency=latency)
    commands[command]()
