"""Project against floor (issue 14): the API's three hot reads and the best hand-written SQL for the
same answers (``bench/floor/app.py``), same PostgreSQL database, same run, both under gunicorn with the
same number of sync workers.

    bench/floor_bench.sh --port 8801 --database postgres://postgres@127.0.0.1:5432/portail_bench_api

For the dashboard, the 50-row list (page 1, with its total) and the synthesis of OF GENERIQUE's dossier
with the most factures, it checks that both servers give the same answer (counters, total and row ids,
dossier, totals and ids of the latest factures), then measures:

- sequentially, project and floor interleaved, ``--requests`` each: p50 and p95, and their ratios;
- at each of ``--clients`` concurrencies (1, 8, 32), ``--seconds`` of closed-loop load on each server:
  throughput (requests per second), p50/p95, errors (anything but a 200). The load comes from wrk when
  it is installed (``apt-get install wrk``: C and epoll, so that the two cores go to the servers, not to
  the generator), else from Python (asyncio, ``--client-processes`` processes; ``--load-generator``);

and prints the load average (1 min) sampled every second during each part — the machine may be shared.
The API is called with an API key (``X-API-KEY``); the actor cache is on through a private Redis
started on a free port (``--no-redis``: the in-process cache, off). Nothing listens beyond 127.0.0.1;
the ports must be free (a server already listening there is an error, never measured).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from api_bench import HOST, port_is_free  # noqa: E402  (the API bench's: same host, same check)

LIST_QUERY = "dispositif=apprentissage&etat=en_cours_de_traitement&tri=nom&taille=50"


# --- Servers ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(url: str, check, process: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} s'est arrêté au démarrage (code {process.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and check(response.read()):
                    return
                raise SystemExit(f"{url} répond, mais pas comme {what} : un autre serveur écoute-t-il là ?")
        except (OSError, ValueError):
            time.sleep(0.2)
    raise SystemExit(f"{what} ne répond pas sur {url}.")


def control_socket(directory: Path, name: str) -> list[str]:
    """Each gunicorn its own control socket (gunicorn ≥ 24 opens one in ~/.gunicorn by default)."""
    return ["--control-socket", str(directory / f"{name}.sock")]


def start_servers(args, env: dict) -> list[subprocess.Popen]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    common = ["--workers", str(args.workers), "--worker-class", "sync", "--log-level", "warning"]
    control = Path(tempfile.mkdtemp(prefix="floor-bench-"))
    project_dir = Path(args.project_dir).resolve()
    project = subprocess.Popen(
        [gunicorn, "config.wsgi:application", "--bind", f"{HOST}:{args.port}", *common, *control_socket(control, "p")],
        cwd=project_dir,
        env={**env, "PYTHONPATH": str(project_dir)},
    )
    nonce = secrets.token_hex(8)
    floor = subprocess.Popen(
        [
            gunicorn,
            "bench.floor.app:application",
            "--bind",
            f"{HOST}:{args.floor_port}",
            *common,
            *control_socket(control, "f"),
        ],
        cwd=ROOT,
        env={**env, "FLOOR_DATABASE_URL": args.database, "FLOOR_NONCE": nonce},
    )
    servers = [project, floor]
    try:
        wait_for(
            f"http://{HOST}:{args.port}/api/v1/openapi.json",
            lambda body: "/api/v1/tableau-de-bord" in json.loads(body).get("paths", {}),
            project,
            "le projet",
        )
        wait_for(
            f"http://{HOST}:{args.floor_port}/floor/ping", lambda body: body.decode() == nonce, floor, "le plancher"
        )
    except BaseException:
        stop(servers)
        raise
    return servers


def stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in processes:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


# --- Data ------------------------------------------------------------------------------------------


def prepare(args) -> dict:
    os.environ["DATABASE_URL"] = args.database
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.api.settings"
    import django

    django.setup()
    from api_bench import prepare as top_up
    from django.db import connection
    from django.db.models import Count

    from cases.models import Dossier, FactureLigne

    data = top_up(args.factures)
    data["liste_total"] = top_up_list(data, args.liste)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # after the top-up: fresh statistics and visibility map for both servers
    of = Dossier.objects.get(pk=data["dossier_id"]).of_etablissement_id
    heaviest = (
        Dossier.objects.filter(of_etablissement_id=of)
        .annotate(n=Count("factures"))
        .order_by("-n", "pk")
        .values_list("pk", "n")
        .first()
    )
    data["dossier_id"], data["dossier_factures"] = heaviest
    data["dossier_lignes"] = FactureLigne.objects.filter(dossier_id=heaviest[0]).count()
    connection.close()
    return data


def top_up_list(data: dict, wanted: int) -> int:
    """At least ``wanted`` apprenticeship contracts « en cours de traitement » for OF GENERIQUE (copies of
    one of its contracts, with their own numbers and names), so that the measured list is the same full
    page of 50 over the same total at every scale: what then varies is the database, not the page."""
    import random

    from django.db import transaction

    from cases.models import Dossier
    from cases.services._common import next_numbers

    of = Dossier.objects.get(pk=data["dossier_id"]).of_etablissement_id
    listed = Dossier.objects.filter(of_etablissement_id=of, dispositif="apprentissage", etat="en_cours_de_traitement")
    have = listed.count()
    if have < wanted:
        model = Dossier.objects.filter(of_etablissement_id=of, dispositif="apprentissage").order_by("pk").first()
        rng = random.Random(14)
        copies = []
        for numero in next_numbers("dossier", wanted - have):
            copy = Dossier.objects.get(pk=model.pk)
            copy.pk, copy.numero, copy.version, copy.version_precedente_id = None, numero, 1, None
            copy.salarie_nom = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUV") for _ in range(8))
            copy.__dict__["etat"] = "en_cours_de_traitement"  # a protected FSM field: set as the seed does
            copies.append(copy)
        with transaction.atomic():
            Dossier.objects.bulk_create(copies, batch_size=1_000)
        data["dossiers_of"] = Dossier.objects.filter(of_etablissement_id=of).count()
        data["dossiers_total"] = Dossier.objects.count()
    return listed.count()


def targets(data: dict) -> dict[str, tuple[str, str]]:
    return {
        "tableau_de_bord": ("/api/v1/tableau-de-bord", "/floor/tableau-de-bord"),
        "liste_50": (f"/api/v1/dossiers?{LIST_QUERY}", "/floor/dossiers?page=1"),
        "synthese": (f"/api/v1/dossiers/{data['dossier_id']}", f"/floor/dossiers/{data['dossier_id']}"),
    }


# --- Same answers ----------------------------------------------------------------------------------


def fetch(port: int, path: str, key: str) -> dict:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers={"X-API-KEY": key})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def same_answers(args, data: dict) -> list[str]:
    key, t = data["key"], targets(data)
    problems = []
    p, f = (fetch(args.port, t["tableau_de_bord"][0], key), fetch(args.floor_port, t["tableau_de_bord"][1], key))
    counts = {(r["dispositif"], r["etat"]): r["nombre"] for r in f["dossiers"]}
    en_cours = sum(n for (_, etat), n in counts.items() if etat != "en_attente_de_pieces")
    if sum(c["nombre"] for c in p["dossiers_en_cours_de_traitement"]) != en_cours:
        problems.append("tableau de bord : dossiers en cours")
    if sum(c["nombre"] for c in p["factures"]) != sum(f["factures"].values()):
        problems.append("tableau de bord : factures")
    if [c["nombre"] for c in p["echeances"]] != [f["echeances"]["a_facturer"], f["echeances"]["a_venir"]]:
        problems.append("tableau de bord : échéances")
    p, f = fetch(args.port, t["liste_50"][0], key), fetch(args.floor_port, t["liste_50"][1], key)
    if p["total"] != f["total"] or [r["id"] for r in p["elements"]] != [r["id"] for r in f["elements"]]:
        problems.append("liste : total ou lignes")
    if [r["etablissement"] for r in p["elements"]] != [r["etablissement"] for r in f["elements"]]:
        problems.append("liste : entreprises")
    p, f = fetch(args.port, t["synthese"][0], key), fetch(args.floor_port, t["synthese"][1], key)
    if p.get("totaux") != f["totaux"] or [x["id"] for x in p["factures"]] != [x["id"] for x in f["factures"]]:
        problems.append("synthèse : totaux ou factures (une version sans bornes les donne toutes)")
    if [e["date"][:19] for e in p["historique"]] != [e["date"][:19] for e in f["historique"]]:
        problems.append("synthèse : historique")
    return problems


# --- Load ------------------------------------------------------------------------------------------


async def _one(port: int, request: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(request)
    body = await reader.read()  # gunicorn's sync workers close the connection after the answer
    writer.close()
    status = int(body[9:12]) if body.startswith(b"HTTP/1.") else 0
    return status, (time.perf_counter() - started) * 1000


async def _clients(port: int, request: bytes, connections: int, seconds: float) -> tuple[list[float], int]:
    latencies, errors = [], 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            try:
                status, ms = await _one(port, request)
            except OSError:
                status, ms = 0, 0.0
            if status == 200:
                latencies.append(ms)
            else:
                errors += 1

    await asyncio.gather(*(loop() for _ in range(connections)))
    return latencies, errors


def _client_process(job: tuple) -> tuple[list[float], int]:
    port, request, connections, seconds = job
    return asyncio.run(_clients(port, request, connections, seconds))


def http_request(path: str, key: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nX-API-KEY: {key}\r\nConnection: close\r\n\r\n".encode()


def closed_loop(pool, port: int, path: str, key: str, clients: int, seconds: float, processes: int) -> dict:
    """``clients`` connections kept busy for ``seconds``, spread over ``processes`` client processes."""
    request = http_request(path, key)
    n = max(1, min(processes, clients))
    shares = [clients // n + (1 if i < clients % n else 0) for i in range(n)]
    started = time.perf_counter()
    results = pool.map(_client_process, [(port, request, share, seconds) for share in shares])
    elapsed = time.perf_counter() - started
    latencies = [ms for lat, _ in results for ms in lat]
    errors = sum(e for _, e in results)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / seconds,
        "elapsed": elapsed,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": percentile(latencies, 95) if latencies else float("nan"),
    }


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "errors": %d, "p50": %.3f, "p95": %.3f, "seconds": %.6f}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.duration / 1e6))
end
"""


def closed_loop_wrk(port: int, path: str, key: str, clients: int, seconds: float, threads: int) -> dict:
    """The same closed loop driven by wrk (C, epoll): the load generator takes far less of the two cores
    than Python's, so what is measured is the servers. Errors: refused or broken connections, timeouts and
    any status other than 2xx/3xx (wrk's count); every answer of the project is a 200 here."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{max(1, min(threads, clients))}",
                f"-c{clients}",
                f"-d{seconds:g}s",
                "--timeout",
                "10s",
                "-H",
                f"X-API-KEY: {key}",
                "-s",
                script.name,
                f"http://{HOST}:{port}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    r = json.loads(out.strip().splitlines()[-1])
    return {
        "requests": r["requests"],
        "errors": r["errors"],
        "rps": r["requests"] / r["seconds"],
        "elapsed": r["seconds"],
        "p50": r["p50"],
        "p95": r["p95"],
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def sequential(port: int, floor_port: int, paths: tuple[str, str], key: str, n: int) -> dict:
    async def run() -> dict:
        project, floor = [], []
        for _ in range(20):  # warm-up
            await _one(port, http_request(paths[0], key))
            await _one(floor_port, http_request(paths[1], key))
        for _ in range(n):
            status, ms = await _one(port, http_request(paths[0], key))
            assert status == 200, status
            project.append(ms)
            status, ms = await _one(floor_port, http_request(paths[1], key))
            assert status == 200, status
            floor.append(ms)
        return {
            "project_p50": statistics.median(project),
            "project_p95": percentile(project, 95),
            "floor_p50": statistics.median(floor),
            "floor_p95": percentile(floor, 95),
        }

    return asyncio.run(run())


class LoadAverage:
    """The 1-minute load average, sampled every second while a part runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))

    def __enter__(self) -> LoadAverage:
        self.samples.append(float(Path("/proc/loadavg").read_text().split()[0]))
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def text(self) -> str:
        return f"{statistics.mean(self.samples):.2f} en moyenne ({min(self.samples):.2f}–{max(self.samples):.2f})"


# --- Main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port du projet (le plancher : --floor-port)")
    parser.add_argument("--floor-port", type=int, help="port du plancher (par défaut : --port + 1)")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"), help="URL PostgreSQL de la base")
    parser.add_argument("--workers", type=int, default=4, help="workers gunicorn de chaque serveur (4)")
    parser.add_argument("--requests", type=int, default=300, help="requêtes séquentielles par cible et serveur")
    parser.add_argument("--clients", default="1,8,32", help="concurrences mesurées (1,8,32)")
    parser.add_argument("--seconds", type=float, default=6.0, help="durée de chaque mesure en charge")
    parser.add_argument(
        "--load-generator",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="générateur de charge : wrk (C, par défaut s'il est installé : apt-get install wrk) ou python (asyncio)",
    )
    parser.add_argument(
        "--client-processes", type=int, default=2, help="processus (python) ou threads (wrk) du générateur de charge"
    )
    parser.add_argument("--factures", type=int, default=10_000, help="factures d'OF GENERIQUE (complétées)")
    parser.add_argument(
        "--liste",
        type=int,
        default=300,
        help="contrats « en cours de traitement » d'OF GENERIQUE au moins (complétés) : la même page pleine partout",
    )
    parser.add_argument("--no-redis", action="store_true", help="sans Redis : cache en mémoire du processus")
    parser.add_argument(
        "--project-dir",
        default=str(ROOT),
        help="servir le projet depuis une autre copie (git worktree d'un commit antérieur : avant/après)",
    )
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-floor.json"))
    args = parser.parse_args()
    args.floor_port = args.floor_port or args.port + 1
    if not args.database or not args.database.startswith("postgres"):
        raise SystemExit("--database : une URL postgres://… est attendue.")
    for port in (args.port, args.floor_port):
        if not port_is_free(port):
            raise SystemExit(f"Le port {port} est déjà pris : choisissez-en un autre (--port).")
    levels = [int(c) for c in args.clients.split(",")]

    data = prepare(args)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.api.settings", "PYTHONPATH": str(ROOT)}
    helpers: list[subprocess.Popen] = []
    cache = "cache en mémoire du processus (cache des acteurs éteint)"
    if not args.no_redis and shutil.which("redis-server"):
        redis_port = free_port()
        helpers.append(
            subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
        )
        time.sleep(0.5)
        env["PORTAIL_CACHE_URL"] = f"redis://{HOST}:{redis_port}/0"
        cache = f"Redis privé (port {redis_port}), cache des acteurs allumé"
    results: dict = {
        "data": {k: v for k, v in data.items() if k not in ("session", "key")},
        "cache": cache,
        "load_generator": args.load_generator,
    }
    servers = start_servers(args, env)
    try:
        problems = same_answers(args, data)
        results["same_answers"] = not problems
        t = targets(data)
        with LoadAverage() as load:
            results["sequential"] = {
                name: sequential(args.port, args.floor_port, paths, data["key"], args.requests)
                for name, paths in t.items()
            }
        results["sequential_load"] = load.text()
        results["load"] = {}
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.client_processes) as pool:

            def measure(port: int, path: str, clients: int, seconds: float) -> dict:
                if args.load_generator == "wrk":
                    return closed_loop_wrk(port, path, data["key"], clients, seconds, args.client_processes)
                return closed_loop(pool, port, path, data["key"], clients, seconds, args.client_processes)

            for clients in levels:
                with LoadAverage() as load:
                    for name, (project_path, floor_path) in t.items():
                        for side, port, path in (
                            ("project", args.port, project_path),
                            ("floor", args.floor_port, floor_path),
                        ):
                            measure(port, path, clients, 1.0)  # warm
                            results["load"][f"{name}/{clients}/{side}"] = measure(port, path, clients, args.seconds)
                results[f"load_avg_{clients}"] = load.text()
    finally:
        stop(servers + helpers)

    d = data
    print(
        f"Base : {d['dossiers_total']} dossiers, dont {d['dossiers_of']} d'OF GENERIQUE ; liste de 50 sur "
        f"{d['liste_total']} contrats ; synthèse du dossier "
        f"{d['dossier_id']} ({d['dossier_factures']} factures) ; gunicorn {args.workers} workers sync par serveur, "
        f"{os.cpu_count()} cœurs ; {cache} ; charge par {args.load_generator} ; projet servi depuis {args.project_dir}."
    )
    print("Mêmes réponses : oui" if not problems else f"RÉPONSES DIFFÉRENTES : {', '.join(problems)}")
    load = results["sequential_load"]
    print(f"\nSéquentiel ({args.requests} requêtes par cible et serveur, entrelacées ; charge {load})")
    print(f"{'cible':16} {'projet p50':>10} {'p95':>7} {'plancher p50':>12} {'p95':>7} {'×p50':>6} {'×p95':>6}")
    for name, r in results["sequential"].items():
        print(
            f"{name:16} {r['project_p50']:10.2f} {r['project_p95']:7.2f} {r['floor_p50']:12.2f} {r['floor_p95']:7.2f} "
            f"{r['project_p50'] / r['floor_p50']:6.2f} {r['project_p95'] / r['floor_p95']:6.2f}"
        )
    for clients in levels:
        print(f"\n{clients} client(s), {args.seconds:g} s par mesure (charge {results[f'load_avg_{clients}']})")
        print(
            f"{'cible':16} {'projet req/s':>12} {'p50':>7} {'p95':>7} {'err':>4} "
            f"{'plancher req/s':>14} {'p50':>7} {'p95':>7} {'err':>4} {'×débit':>7}"
        )
        for name in t:
            p, f = results["load"][f"{name}/{clients}/project"], results["load"][f"{name}/{clients}/floor"]
            ratio = f["rps"] / p["rps"] if p["rps"] else float("inf")
            print(
                f"{name:16} {p['rps']:12.0f} {p['p50']:7.2f} {p['p95']:7.2f} {p['errors']:4d} {f['rps']:14.0f} "
                f"{f['p50']:7.2f} {f['p95']:7.2f} {f['errors']:4d} {ratio:7.2f}"
            )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"\nRésultats : {args.out}")


if __name__ == "__main__":
    main()
