"""Benchmarks of the scheduled flows on PostgreSQL (rerunnable; see bench/flows_bench.sh).

Phases, each meant to run in its own process so that its peak memory is its own:
  relances   decide and enqueue relances over every dossier and facture; the same pass as a
             Prefect flow run; Prefect's overhead as the ratio of the two
  digest     50 000 users, 200 000 new notifications: the morning digest (file e-mail backend)
  courriers  N requested courriers issued by the flow with a warm converter (courriers/minute);
             then a backlog issued while the converter is killed mid-run: nothing lost, no double
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(label: str, value) -> None:
    print(f"| {label:<58} | {value:>16} |", flush=True)


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


# --- relances ------------------------------------------------------------------------------


def bench_relances() -> None:
    from prefect.testing.utilities import prefect_test_harness

    from cases.models import Dossier, Facture
    from cases.services.relances import relances_enqueue
    from workflows.relances import relances

    today = timezone.localdate() + timedelta(days=60)  # every waiting object is then due
    now = datetime.combine(today, datetime.min.time().replace(hour=6), tzinfo=PARIS)
    from cases.models import Courrier

    # A rerun of the bench starts from the same state: no relance of the previous runs.
    Courrier.objects.filter(type="relance", cle__startswith="relance:", statut="demande").delete()
    row("dossiers en base", f"{Dossier.objects.count():,}".replace(",", " "))
    row("factures en base", f"{Facture.objects.count():,}".replace(",", " "))
    first, report = timed(lambda: relances_enqueue(today=today, now=now))
    row("passe de relances (décider + mettre en file), 1re", f"{first:.2f} s")
    row("  relances dossiers / factures mises en file", f"{report.relances_dossiers} / {report.relances_factures}")
    again, report = timed(lambda: relances_enqueue(today=today, now=now))
    row("même passe rejouée, appel direct", f"{again:.2f} s")
    row("  relances nouvelles au rejeu (doit être 0)", report.relances_dossiers + report.relances_factures)
    with prefect_test_harness(server_startup_timeout=120):
        relances(today=today)  # warm the harness
        flow_time, result = timed(lambda: relances(today=today))
    row("même passe rejouée, en flow Prefect", f"{flow_time:.2f} s")
    row("  surcoût Prefect (flow / appel direct)", f"{flow_time / again:.2f}")
    row("  surcoût Prefect absolu", f"{flow_time - again:.2f} s")
    row("  relances nouvelles au rejeu (doit être 0)", result["relances_dossiers"] + result["relances_factures"])
    row("mémoire max du processus", f"{peak_rss_mb():.0f} Mo")


# --- digest --------------------------------------------------------------------------------

USERS, NOTIFICATIONS = 50_000, 200_000


def _digest_data(cutoff: datetime) -> None:
    from accounts.models import Habilitation, User
    from cases.models import Courrier, Dossier, Notification

    if User.objects.filter(email__endswith="@digest.bench").count() >= USERS:
        return
    etabs = list(
        Dossier.objects.filter(numero__isnull=False)
        .values_list("of_etablissement_id", flat=True)
        .order_by("of_etablissement_id")
        .distinct()
    )
    assert etabs, "aucun dossier : lancez seed_demo --scale 200000 d'abord"
    users = [
        User(email=f"u{i}@digest.bench", nom=f"Nom{i}", prenom="Bench", password="!", date_joined=cutoff)
        for i in range(USERS)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    users = list(User.objects.filter(email__endswith="@digest.bench").order_by("pk").values_list("pk", flat=True))
    Habilitation.objects.bulk_create(
        [
            Habilitation(user_id=u, etablissement_id=etabs[i % len(etabs)], role="gestionnaire_of", principal=True)
            for i, u in enumerate(users)
        ],
        batch_size=5000,
    )
    by_etab = {}
    for i, u in enumerate(users):
        by_etab.setdefault(etabs[i % len(etabs)], []).append(u)
    dossiers = dict(
        Dossier.objects.filter(of_etablissement_id__in=etabs, numero__isnull=False)
        .order_by("of_etablissement_id", "pk")
        .distinct("of_etablissement_id")
        .values_list("of_etablissement_id", "pk")
    )
    per_etab = NOTIFICATIONS // USERS  # courriers per OF, each notified to every user of that OF
    courriers = [
        Courrier(
            cle=f"bench-digest:{e}:{k}",
            type="accord",
            destinataire="of",
            destinataire_etablissement_id=e,
            of_etablissement_id=e,
            dossier_id=dossiers[e],
            statut="emis",
            created_at=cutoff - timedelta(hours=3),
            emis_at=cutoff - timedelta(hours=3),
        )
        for e in etabs
        if e in dossiers
        for k in range(per_etab)
    ]
    Courrier.objects.bulk_create(courriers, batch_size=5000)
    created = Courrier.objects.filter(cle__startswith="bench-digest:").values_list("pk", "of_etablissement_id")
    notifications = (
        Notification(user_id=u, courrier_id=c, created_at=cutoff - timedelta(hours=2))
        for c, e in created.iterator()
        for u in by_etab[e]
    )
    batch = []
    for n in notifications:
        batch.append(n)
        if len(batch) == 10_000:
            Notification.objects.bulk_create(batch, ignore_conflicts=True)
            batch.clear()
    Notification.objects.bulk_create(batch, ignore_conflicts=True)


def bench_digest() -> None:
    from django.conf import settings

    from cases.models import DigestEnvoi, Notification
    from cases.services.digest import digest_send_all

    today = timezone.localdate()
    cutoff = datetime.combine(today, datetime.min.time().replace(hour=7), tzinfo=PARIS)
    setup, _ = timed(lambda: _digest_data(cutoff))
    DigestEnvoi.objects.filter(periode=today).delete()
    row("préparation des données (une seule fois)", f"{setup:.1f} s")
    row(
        "notifications dans la fenêtre",
        Notification.objects.filter(created_at__lte=cutoff, created_at__gt=cutoff - timedelta(days=1)).count(),
    )
    outbox = tempfile.mkdtemp(prefix="digest-mails-")
    settings.EMAIL_BACKEND = os.environ["DJANGO_EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = os.environ["DJANGO_EMAIL_FILE_PATH"] = outbox  # for the flow's worker processes
    rss_before = peak_rss_mb()
    elapsed, report = timed(lambda: digest_send_all(today=today, cutoff=cutoff, now=timezone.now()))
    row("appel direct, 1 processus : utilisateurs / e-mails envoyés", f"{report.utilisateurs} / {report.envoyes}")
    row("  courriers listés", report.courriers)
    row("  durée", f"{elapsed:.1f} s")
    row("  mémoire max du processus (avant → après)", f"{rss_before:.0f} → {peak_rss_mb():.0f} Mo")
    again, report2 = timed(lambda: digest_send_all(today=today, cutoff=cutoff, now=timezone.now()))
    row("  rejeu le même jour : e-mails envoyés (doit être 0)", f"{report2.envoyes} en {again:.1f} s")

    from prefect.testing.utilities import prefect_test_harness

    from workflows.digest import daily_digest

    DigestEnvoi.objects.filter(periode=today).delete()
    with prefect_test_harness(server_startup_timeout=120):
        flow_time, result = timed(lambda: daily_digest(today=today, shards=2))
    row("flow Prefect, 2 processus : e-mails envoyés", result["envoyes"])
    row("  durée", f"{flow_time:.1f} s")
    row("  surcoût Prefect + parallélisme (flow / appel direct)", f"{flow_time / elapsed:.2f}")


# --- courriers -----------------------------------------------------------------------------


def _request_courriers(n: int) -> list[int]:
    from django.db import transaction

    from cases.models import Dossier
    from cases.services._common import CourrierRequest, request_courriers

    stamp = time.time_ns()
    ids = []
    dossiers = list(Dossier.objects.filter(numero__isnull=False).order_by("-pk")[:n])
    with transaction.atomic():
        for d in dossiers:
            created = request_courriers(
                log=None,
                key=f"bench:{stamp}:{d.pk}",
                dossier=d,
                now=timezone.now(),
                requests=[CourrierRequest("accuse_reception", "of", d.of_etablissement_id, {})],
            )
            ids += [c.pk for c in created]
    return ids


def _kill_converter() -> int:
    """Kill this process's LibreOffice listener (and only it) in the middle of a run."""
    import signal

    from documents.converters import listener_soffice_pids

    pids = listener_soffice_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return len(pids)


def bench_courriers() -> None:
    from prefect.testing.utilities import prefect_test_harness

    from cases.models import Courrier, Notification
    from documents import render_courrier
    from workflows.courriers import issue_courriers

    n = int(os.environ.get("COURRIERS", "300"))
    # The outbox holds only this bench's courriers (the relance phase leaves thousands behind).
    Courrier.objects.filter(statut="demande").delete()
    warm = (
        Courrier.objects.filter(statut="emis")
        .exclude(fichier="")
        .select_related("dossier", "destinataire_etablissement", "of_etablissement")
        .first()
    )
    if warm is not None:
        render_courrier(warm, fmt="pdf")  # starts the listener
    with prefect_test_harness(server_startup_timeout=120):
        ids = _request_courriers(n)
        elapsed, report = timed(lambda: issue_courriers(batch_size=50))
        row(f"courriers émis par le flow (file de {n})", report["emis"])
        row("débit, convertisseur chaud", f"{report['emis'] / elapsed * 60:.0f} / min")
        row("  durée", f"{elapsed:.1f} s")

        ids = _request_courriers(n)
        killed: list[int] = []
        killer = threading.Timer(5.0, lambda: killed.append(_kill_converter()))
        killer.start()
        elapsed1, first = timed(lambda: issue_courriers(batch_size=50))
        killer.join()
        runs, total = 1, dict(first)
        while Courrier.objects.filter(pk__in=ids, statut="demande").exists() and runs < 10:
            more = issue_courriers(batch_size=50)
            runs += 1
            for k in total:
                total[k] += more[k]
        issued = Courrier.objects.filter(pk__in=ids, statut="emis").count()
        doubles = (
            Notification.objects.filter(courrier_id__in=ids).values("user_id", "courrier_id").count()
            - Notification.objects.filter(courrier_id__in=ids).values("user_id", "courrier_id").distinct().count()
        )
        row("convertisseur tué après 5 s (processus soffice tués)", sum(killed))
        row("  émis / demandés", f"{issued} / {len(ids)}")
        row("  passages du flow nécessaires / échecs rattrapés", f"{runs} / {total['echecs']}")
        row("  notifications en double (doit être 0)", doubles)
    row("mémoire max du processus", f"{peak_rss_mb():.0f} Mo")


if __name__ == "__main__":
    phase = sys.argv[1]
    print(f"\n### {phase} — base {connection.settings_dict['NAME']}\n")
    print(f"| {'mesure':<58} | {'valeur':>16} |\n|{'-' * 60}|{'-' * 18}|")
    {"relances": bench_relances, "digest": bench_digest, "courriers": bench_courriers}[phase]()
