"""API benchmark on PostgreSQL, served by gunicorn, authenticated.

Run by ``bench/api_bench.sh`` after ``manage.py seed_demo --scale 200000`` (the script tops up what
it needs itself: 10 000 factures and some notifications for OF GENERIQUE, a session and an API key).

For each endpoint it captures the SQL an API request runs, then measures, in the same run and
interleaved, the API endpoint and a *bare* endpoint that runs the same SQL (``bench/api/bare.py``):
p50/p95 of each and their ratio. The XLSX export of 10 000 factures is timed end to end, and the
gunicorn worker's peak memory compared between a 1 000-row and a 10 000-row export (flat memory).

Only 127.0.0.1 is targeted; request counts and the total time are bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORT: int = 0  # --port (bench/portal_bench.py sets it too): never a fixed port
TARGETS = {
    "tableau_de_bord": (15, "/api/v1/tableau-de-bord"),
    "liste_dossiers": (25, "/api/v1/dossiers?dispositif=apprentissage&etat=en_cours_de_traitement&tri=nom&taille=50"),
    "synthese_dossier": (25, "/api/v1/dossiers/{dossier_id}"),
    "liste_dossiers_cle": (
        25,
        "/api/v1/dossiers?dispositif=apprentissage&etat=en_cours_de_traitement&tri=nom&taille=50",
    ),
}
MAX_SECONDS = 600


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api.settings"
    import django

    django.setup()


# --- Data ------------------------------------------------------------------------------------


def prepare(factures_wanted: int) -> dict:
    """Top up OF GENERIQUE's data; a session cookie and an API key for the load."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ApiKey, Etablissement, User
    from cases.models import Courrier, Dossier, Facture, Notification, StatutCourrier
    from cases.services._common import next_numbers

    now = timezone.now()
    of = Etablissement.objects.get(siret="99999999900009")
    user = User.objects.get(email="maryline.gadras@of-generique.example")
    dossiers = list(
        Dossier.objects.filter(of_etablissement=of, etat="accorde", subroge=True).values_list("pk", flat=True)[:500]
    )
    have = Facture.objects.filter(emetteur=of).count()
    if have < factures_wanted:
        missing = factures_wanted - have
        rng = random.Random(7)
        numeros = iter(next_numbers("facture", missing))
        states = ["deposee", "en_cours_de_traitement", "en_attente_de_pieces", "validee", "payee", "rejetee"]
        batch = []
        for _ in range(missing):
            numero = next(numeros)
            ht = Decimal(rng.randint(10_000, 900_000)) / 100
            batch.append(
                Facture(
                    numero=numero,
                    dossier_id=rng.choice(dossiers),
                    emetteur=of,
                    reference=f"BENCH-{numero}",
                    date_facture=(now - timedelta(days=rng.randint(1, 900))).date(),
                    montant_ht=ht,
                    montant_ttc=ht,
                    etat=rng.choice(states),
                    fichier="factures/demo/facture-de-demonstration.pdf",
                    deposited_at=now - timedelta(days=rng.randint(0, 900)),
                    updated_at=now,
                )
            )
        with transaction.atomic():
            Facture.objects.bulk_create(batch, batch_size=2_000)
    if not Notification.objects.filter(user=user).exists():
        with transaction.atomic():
            courriers = Courrier.objects.bulk_create(
                Courrier(
                    cle=f"bench:{pk}",
                    type="accord",
                    destinataire="of",
                    destinataire_etablissement=of,
                    of_etablissement=of,
                    dossier_id=pk,
                    statut=StatutCourrier.EMIS,
                    created_at=now,
                    emis_at=now,
                )
                for pk in dossiers[:300]
            )
            Notification.objects.bulk_create(
                Notification(user=user, courrier=c, created_at=now, read_at=None if i % 3 else now)
                for i, c in enumerate(courriers)
            )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    with transaction.atomic():
        ApiKey.objects.filter(etablissement=of, revoked_at__isnull=True).update(revoked_at=now)
        key, raw = ApiKey.build(etablissement=of, created_by=user, now=now)
        key.save()
    dossier_id = Facture.objects.filter(emetteur=of).values("dossier_id").order_by("dossier_id").first()["dossier_id"]
    return {
        "session": session.session_key,
        "key": raw,
        "dossier_id": dossier_id,
        "factures": Facture.objects.filter(emetteur=of).count(),
        "dossiers_of": Dossier.objects.filter(of_etablissement=of).count(),
        "dossiers_total": Dossier.objects.count(),
    }


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def headers_for(name: str, data: dict) -> dict:
    if name.endswith("_cle"):
        return {"X-API-KEY": data["key"]}
    return {"Cookie": f"sessionid={data['session']}"}


def capture_sql(data: dict, path: Path) -> dict[str, int]:
    """The SQL each API request runs (after a warm-up), for the bare endpoint; returns the counts."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    statements, counts = {}, {}
    for name, (_, url) in TARGETS.items():
        client = Client(headers=headers_for(name, data))
        target = url.format(**data)
        client.get(target)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(target)
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        statements[name] = [q["sql"] for q in queries.captured_queries]
        counts[name] = len(queries.captured_queries)
    path.write_text(json.dumps(statements, indent=1), encoding="utf-8")
    return counts


# --- Load ------------------------------------------------------------------------------------------


def get(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, float, int]:
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    size = 0
    while chunk := response.read(65536):
        size += len(chunk)
    return response.status, (time.perf_counter() - started) * 1000, size


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(data: dict, requests: int, deadline: float) -> list[dict]:
    rows = []
    for name, (budget, url) in TARGETS.items():
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        headers = headers_for(name, data)
        target = url.format(**data)
        for _ in range(20):  # warm-up
            get(conn, target, headers)
            get(conn, f"/bare/{name}", {})
        api, bare = [], []
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            status, ms, _ = get(conn, target, headers)
            assert status == 200, (name, status)
            api.append(ms)
            status, ms, _ = get(conn, f"/bare/{name}", {})
            assert status == 200, (name, status)
            bare.append(ms)
        conn.close()
        row = {
            "endpoint": name,
            "budget_p95_ms": budget,
            "requests": len(api),
            "api_p50": statistics.median(api),
            "api_p95": percentile(api, 95),
            "bare_p50": statistics.median(bare),
            "bare_p95": percentile(bare, 95),
        }
        row["ratio_p50"] = row["api_p50"] / row["bare_p50"]
        row["ratio_p95"] = row["api_p95"] / row["bare_p95"]
        rows.append(row)
    return rows


def worker_hwm_kb(master_pid: int) -> dict[int, int]:
    """Peak resident memory (VmHWM) of each gunicorn worker."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True).stdout
    result = {}
    for pid in (int(p) for p in out.split()):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                result[pid] = int(line.split()[1])
    return result


def measure_export(data: dict, master_pid: int) -> dict:
    headers = {"Cookie": f"sessionid={data['session']}"}
    conn = http.client.HTTPConnection(HOST, PORT, timeout=120)
    small_path = "/api/v1/factures/export?format=xlsx&date_reception_min=2000-01-01&taille=1&montant_ttc_max=900"
    status, _, _ = get(conn, small_path, headers)
    assert status == 200
    before = worker_hwm_kb(master_pid)
    timings = []
    for _ in range(3):
        status, ms, size = get(conn, "/api/v1/factures/export?format=xlsx", headers)
        assert status == 200
        timings.append(ms)
    after = worker_hwm_kb(master_pid)
    csv_status, csv_ms, csv_size = get(conn, "/api/v1/factures/export?format=csv", headers)
    conn.close()
    growth = max(after[pid] - before.get(pid, after[pid]) for pid in after)
    return {
        "rows": data["factures"],
        "xlsx_ms": timings,
        "xlsx_bytes": size,
        "csv_ms": csv_ms,
        "csv_bytes": csv_size,
        "worker_peak_rss_kb_before": before,
        "worker_peak_rss_kb_after": after,
        "peak_rss_growth_kb": growth,
    }


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def start_gunicorn(sql_path: Path, workers: int) -> subprocess.Popen:
    """Our gunicorn on a free port: a server already listening there is an error, never measured."""
    if not PORT or not port_is_free(PORT):
        raise RuntimeError(f"Le port {PORT} est déjà pris (ou absent) : choisissez-en un libre avec --port.")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.api.settings",
        "PORTAIL_BENCH_SQL": str(sql_path),
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté au démarrage (code {process.returncode})")
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=1)
            conn.request("GET", "/api/v1/openapi.json")
            response = conn.getresponse()
            body = response.read()
        except OSError:
            time.sleep(0.2)
            continue
        # Our process, alive, answering our API (and the bare endpoint of this run's settings).
        if response.status == 200 and "/api/v1/tableau-de-bord" in json.loads(body).get("paths", {}):
            conn.request("GET", "/bare/inconnu")
            if conn.getresponse().status == 404 and process.poll() is None:
                return process
        break
    process.send_signal(signal.SIGTERM)
    raise RuntimeError(f"gunicorn ne répond pas comme le projet sur {HOST}:{PORT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port libre où lancer gunicorn (127.0.0.1)")
    parser.add_argument("--requests", type=int, default=400, help="requêtes mesurées par endpoint (et autant nues)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--factures", type=int, default=10_000)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-api.json"))
    args = parser.parse_args()
    deadline = time.monotonic() + MAX_SECONDS

    global PORT
    PORT = args.port
    setup_django()
    data = prepare(args.factures)
    analyze()  # after the top-up: its 10 000 factures counted by the planner, visible to index-only scans
    sql_path = Path(args.out).with_suffix(".sql.json")
    sql_path.parent.mkdir(parents=True, exist_ok=True)
    counts = capture_sql(data, sql_path)
    from django.db import connections

    connections.close_all()

    server = start_gunicorn(sql_path, args.workers)
    try:
        rows = measure(data, min(args.requests, 2_000), deadline)
        export = measure_export(data, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"Données : {data['dossiers_total']} dossiers, dont {data['dossiers_of']} pour OF GENERIQUE ; "
        f"{data['factures']} factures OF GENERIQUE ; gunicorn {args.workers} workers sync, client séquentiel."
    )
    print(
        f"{'endpoint':22} {'req':>5} {'SQL':>4} {'API p50':>8} {'API p95':>8} {'nu p50':>7} {'nu p95':>7} "
        f"{'×p50':>5} {'×p95':>5} {'budget p95':>10}"
    )
    for r in rows:
        ok = "OK" if r["api_p95"] <= r["budget_p95_ms"] else "DÉPASSÉ"
        print(
            f"{r['endpoint']:22} {r['requests']:5d} {counts[r['endpoint']]:4d} {r['api_p50']:8.2f} {r['api_p95']:8.2f} "
            f"{r['bare_p50']:7.2f} {r['bare_p95']:7.2f} {r['ratio_p50']:5.1f} {r['ratio_p95']:5.1f} "
            f"{r['budget_p95_ms']:>6} ms {ok}"
        )
    xlsx = export["xlsx_ms"]
    print(
        f"Export XLSX de {export['rows']} factures : {', '.join(f'{t / 1000:.2f} s' for t in xlsx)} "
        f"({export['xlsx_bytes']} octets ; budget 3 s {'OK' if max(xlsx) <= 3000 else 'DÉPASSÉ'}) ; "
        f"CSV : {export['csv_ms'] / 1000:.2f} s ({export['csv_bytes']} octets)"
    )
    print(
        f"Mémoire de pointe des workers : +{export['peak_rss_growth_kb'] / 1024:.1f} Mo entre un export "
        "de quelques lignes et trois exports de 10 000 lignes."
    )
    Path(args.out).write_text(
        json.dumps(
            {
                "data": {k: v for k, v in data.items() if k not in ("session", "key")},
                "sql_counts": counts,
                "rows": rows,
                "export": export,
            },
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
