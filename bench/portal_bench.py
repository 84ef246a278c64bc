"""Web portal benchmark on PostgreSQL, beside the API's figures for the same screens.

Run by ``bench/portal_bench.sh`` on a database seeded with ``seed_demo --scale 200000`` (it tops up
OF GENERIQUE's factures and notifications like ``bench/api_bench.py``). For the dashboard, a 50-row
list and a dossier synthesis it measures, in the same run and interleaved, the portal page and the
API endpoint serving the same data (gunicorn, DEBUG off, sequential client on loopback): p50 and
p95 latency. It also counts the SQL queries of each page at 10 and at 50 rows (flat in page size,
budget 12) and the CSS + JS a page ships (budget 150 KB uncompressed).

    bench/portal_bench.sh                       # port 8766, database portail_bench_portal
    bench/portal_bench.sh --port 9000 --requests 200
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import signal
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import api_bench  # noqa: E402 — the data preparation and the HTTP helpers are shared

SCREENS = {
    # name: (portal page, API endpoint serving the same data)
    "tableau_de_bord": ("/tableau-de-bord/", "/api/v1/tableau-de-bord"),
    "liste_50_dossiers": (
        "/dossiers/apprentissage/?etat=en_cours_de_traitement&tri=nom&taille=50",
        "/api/v1/dossiers?dispositif=apprentissage&etat=en_cours_de_traitement&tri=nom&taille=50",
    ),
    "synthese_dossier": ("/dossiers/{dossier_id}/", "/api/v1/dossiers/{dossier_id}"),
}
BUDGET_P95_MS = 40
BUDGET_QUERIES = 12
BUDGET_ASSETS_KB = 150
MAX_SECONDS = 600


def count_queries(data: dict) -> dict[str, dict[str, int]]:
    """SQL queries of each page (after a warm-up) at 10 and at 50 rows."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(headers={"Cookie": f"sessionid={data['session']}"})
    counts = {}
    for name, (page, _) in SCREENS.items():
        per_size = {}
        for size in (10, 50):
            url = re.sub(r"taille=\d+", f"taille={size}", page.format(**data))
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            per_size[str(size)] = len(queries.captured_queries)
        counts[name] = per_size
    return counts


def shipped_assets() -> dict[str, int]:
    """Every stylesheet and script any portal page loads (the base layout's and the screens' own),
    with their sizes in bytes: an upper bound of what one page ships."""
    templates = ROOT / "portal" / "templates"
    files = sorted(
        {
            name
            for template in templates.rglob("*.html")
            for name in re.findall(r"\{% static '([^']+\.(?:css|js))' %\}", template.read_text(encoding="utf-8"))
        }
    )
    return {name: (ROOT / "portal" / "static" / name).stat().st_size for name in files}


def measure(data: dict, requests: int, deadline: float) -> list[dict]:
    headers = {"Cookie": f"sessionid={data['session']}"}
    rows = []
    for name, (page, endpoint) in SCREENS.items():
        conn = http.client.HTTPConnection(api_bench.HOST, api_bench.PORT, timeout=30)
        page_url, api_url = page.format(**data), endpoint.format(**data)
        for _ in range(20):  # warm-up
            api_bench.get(conn, page_url, headers)
            api_bench.get(conn, api_url, headers)
        portal, api = [], []
        for _ in range(requests):
            if time.monotonic() > deadline:
                break
            status, ms, _ = api_bench.get(conn, page_url, headers)
            assert status == 200, (name, status)
            portal.append(ms)
            status, ms, _ = api_bench.get(conn, api_url, headers)
            assert status == 200, (name, status)
            api.append(ms)
        conn.close()
        rows.append(
            {
                "ecran": name,
                "requetes": len(portal),
                "portail_p50": statistics.median(portal),
                "portail_p95": api_bench.percentile(portal, 95),
                "api_p50": statistics.median(api),
                "api_p95": api_bench.percentile(api, 95),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requêtes mesurées par écran (et autant à l'API)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--factures", type=int, default=10_000)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-portail.json"))
    args = parser.parse_args()
    deadline = time.monotonic() + MAX_SECONDS
    api_bench.PORT = args.port

    api_bench.setup_django()
    data = api_bench.prepare(args.factures)
    api_bench.analyze()
    queries = count_queries(data)
    assets = shipped_assets()
    sql_path = Path(args.out).with_suffix(".sql.json")
    sql_path.parent.mkdir(parents=True, exist_ok=True)
    sql_path.write_text("{}", encoding="utf-8")  # the API bench's bare endpoints are not used here
    from django.db import connections

    connections.close_all()
    server = api_bench.start_gunicorn(sql_path, args.workers)
    try:
        rows = measure(data, min(args.requests, 2_000), deadline)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"Données : {data['dossiers_total']} dossiers, dont {data['dossiers_of']} pour OF GENERIQUE ; "
        f"gunicorn {args.workers} workers sync sur le port {args.port}, client séquentiel, DEBUG off."
    )
    print(f"{'écran':20} {'req':>4} {'portail p50':>11} {'p95':>7} {'API p50':>8} {'p95':>7} {'SQL 10/50':>10}  budget")
    for r in rows:
        q = queries[r["ecran"]]
        ok = r["portail_p95"] <= BUDGET_P95_MS and max(q.values()) <= BUDGET_QUERIES and q["10"] == q["50"]
        print(
            f"{r['ecran']:20} {r['requetes']:4d} {r['portail_p50']:9.2f} ms {r['portail_p95']:7.2f} "
            f"{r['api_p50']:8.2f} {r['api_p95']:7.2f} {q['10']:>5}/{q['50']:<4}  "
            f"p95 ≤ {BUDGET_P95_MS} ms, ≤ {BUDGET_QUERIES} requêtes : {'OK' if ok else 'DÉPASSÉ'}"
        )
    total = sum(assets.values())
    print(
        "CSS + JS livrés : "
        + ", ".join(f"{Path(name).name} {size / 1024:.1f} Ko" for name, size in assets.items())
        + f" — total {total / 1024:.1f} Ko (budget {BUDGET_ASSETS_KB} Ko : "
        + ("OK" if total <= BUDGET_ASSETS_KB * 1024 else "DÉPASSÉ")
        + ")"
    )
    Path(args.out).write_text(
        json.dumps(
            {
                "data": {k: v for k, v in data.items() if k not in ("session", "key")},
                "queries": queries,
                "assets": assets,
                "rows": rows,
            },
            indent=1,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
