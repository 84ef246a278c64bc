"""Benchmark of the inter-OPCO « API CFA » norm's state feeds on PostgreSQL, served by gunicorn.

Run by ``bench/cfa_bench.sh`` on the database of ``bench/api_bench.sh`` (``seed_demo --scale 200000``).
A key of OF GENERIQUE (its previous active key is revoked, as ``bench/api_bench.py`` does) calls
``GET /api/cfa/v2/dossiers/etats?numeroPage=N`` for pages drawn at random among all of its pages, the last
page, the same feed with a window of change (``dateDebut``), one dossier read and the invoice feed; p50/p95
of each, with the number of SQL queries per call. Objective: p95 ≤ 30 ms for pages of 100.

Only 127.0.0.1 is targeted; request counts and the total time are bounded.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", 8766
MAX_SECONDS = 600
BUDGET_MS = 30
SOFTWARE = {"EDITEUR": "BENCH", "LOGICIEL": "CFA-BENCH", "VERSION": "1.0"}


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api.settings"
    import django

    django.setup()


def prepare() -> dict:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import ApiKey, Etablissement, User
    from cases.models import Dossier, Facture
    from rules import norme

    now = timezone.now()
    of = Etablissement.objects.get(siret="99999999900009")
    user = User.objects.get(email="maryline.gadras@of-generique.example")
    with transaction.atomic():
        ApiKey.objects.filter(etablissement=of, revoked_at__isnull=True).update(revoked_at=now)
        key, raw = ApiKey.build(etablissement=of, created_by=user, now=now)
        key.save()
    shown = Dossier.objects.filter(of_etablissement=of, dispositif="apprentissage").exclude(etat="brouillon")
    count = shown.count()
    return {
        "key": raw,
        "dossiers_total": Dossier.objects.count(),
        "dossiers_of": Dossier.objects.filter(of_etablissement=of).count(),
        "contrats_of": count,
        "pages": max(1, -(-count // norme.PAGE_SIZE)),
        "dossier_id": shown.order_by("-pk").values_list("pk", flat=True).first(),
        "factures_of": Facture.objects.filter(emetteur=of).count(),
        "depuis": (now - timedelta(days=30)).date().isoformat(),
    }


def targets(data: dict) -> dict[str, tuple[int | None, list[str]]]:
    rng = random.Random(13)
    pages = data["pages"]
    feed = "/api/cfa/v2/dossiers/etats?numeroPage={}"
    return {
        "etats_pages_aleatoires": (BUDGET_MS, [feed.format(rng.randint(1, pages)) for _ in range(200)]),
        "etats_derniere_page": (BUDGET_MS, [feed.format(pages)]),
        "etats_fenetre_30_jours": (None, [f"/api/cfa/v2/dossiers/etats?numeroPage=1&dateDebut={data['depuis']}"]),
        "lecture_dossier": (None, [f"/api/cfa/v2/dossiers?numeroInterne={data['dossier_id']}"]),
        "etats_factures_page_1": (None, ["/api/cfa/v2/factures/etats?numeroPage=1"]),
    }


def headers(data: dict) -> dict:
    return {"X-API-KEY": data["key"], **SOFTWARE}


def count_sql(data: dict) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    client = Client(headers=headers(data))
    for name, (_, urls) in targets(data).items():
        client.get(urls[0])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(urls[0])
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        counts[name] = len(queries.captured_queries)
    return counts


def get(conn: http.client.HTTPConnection, path: str, hdrs: dict) -> tuple[int, float, bytes]:
    started = time.perf_counter()
    conn.request("GET", path, headers=hdrs)
    response = conn.getresponse()
    body = response.read()
    return response.status, (time.perf_counter() - started) * 1000, body


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(data: dict, requests: int, deadline: float) -> list[dict]:
    rows = []
    hdrs = headers(data)
    for name, (budget, urls) in targets(data).items():
        conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        for url in urls[:20]:  # warm-up
            get(conn, url, hdrs)
        timings, sizes = [], []
        for i in range(requests):
            if time.monotonic() > deadline:
                break
            status, ms, body = get(conn, urls[i % len(urls)], hdrs)
            assert status == 200, (name, status, body[:300])
            timings.append(ms)
            sizes.append(len(body))
        conn.close()
        rows.append(
            {
                "endpoint": name,
                "budget_p95_ms": budget,
                "requests": len(timings),
                "p50": statistics.median(timings),
                "p95": percentile(timings, 95),
                "bytes": statistics.median(sizes),
            }
        )
    return rows


def start_gunicorn(workers: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.api.settings", "PYTHONPATH": str(ROOT)}
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
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=1)
            conn.request("GET", "/api/cfa/openapi.json")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    raise RuntimeError("gunicorn ne répond pas")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requêtes mesurées par cible")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-cfa.json"))
    args = parser.parse_args()
    deadline = time.monotonic() + MAX_SECONDS

    setup_django()
    data = prepare()
    counts = count_sql(data)
    from django.db import connections

    connections.close_all()
    server = start_gunicorn(args.workers)
    try:
        rows = measure(data, min(args.requests, 5_000), deadline)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    load = os.getloadavg()
    print(
        f"Charge de la machine pendant la mesure : {load[0]:.2f} (1 min), {load[1]:.2f} (5 min), "
        f"{os.cpu_count()} cœurs."
    )
    print(
        f"Données : {data['dossiers_total']} dossiers, dont {data['dossiers_of']} pour OF GENERIQUE "
        f"({data['contrats_of']} contrats d'apprentissage visibles par la norme, {data['pages']} pages de 100) ; "
        f"gunicorn {args.workers} workers sync, client séquentiel."
    )
    print(f"{'cible':26} {'req':>5} {'SQL':>4} {'p50 ms':>8} {'p95 ms':>8} {'octets':>8}  objectif p95")
    failed = False
    for r in rows:
        budget = r["budget_p95_ms"]
        verdict = "—" if budget is None else (f"≤ {budget} ms OK" if r["p95"] <= budget else f"≤ {budget} ms DÉPASSÉ")
        failed |= budget is not None and r["p95"] > budget
        print(
            f"{r['endpoint']:26} {r['requests']:5d} {counts[r['endpoint']]:4d} {r['p50']:8.2f} {r['p95']:8.2f} "
            f"{int(r['bytes']):8d}  {verdict}"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps(
            {"data": {k: v for k, v in data.items() if k != "key"}, "load": load, "sql": counts, "rows": rows},
            indent=1,
        )
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
