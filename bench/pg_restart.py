"""PostgreSQL restarted under load (run by ``bench/pg_restart.sh``, which starts a private PostgreSQL
cluster on its own port so that no other database of the machine is touched).

gunicorn (2 workers, DEBUG off) serves the API on 127.0.0.1; 8 client threads call two endpoints with an
API key without pause. After ``--before`` seconds the cluster is stopped for ``--outage`` seconds, then
started again. Every answer is recorded: during the outage each must be a 503 in the API's JSON error
shape (``service_indisponible``, ``Retry-After``), never a 500 nor a hang; after the restart the answers
must be 200 again **without restarting gunicorn** (same worker processes). Exits non-zero otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PATHS = ("/api/v1/tableau-de-bord", "/api/v1/dossiers?dispositif=apprentissage&taille=20")


def prepare() -> str:
    """An OF with a key (through the factories of the test suite), in the private database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from tests.worlds import make_tenant

    return make_tenant("OF REDEMARRAGE").key


def call(port: int, path: str, key: str) -> tuple[int, str, str]:
    conn = http.client.HTTPConnection(HOST, port, timeout=15)
    try:
        conn.request("GET", path, headers={"X-API-KEY": key})
        response = conn.getresponse()
        body = response.read()
        code = ""
        if response.getheader("Content-Type", "").startswith("application/json") and response.status >= 400:
            code = json.loads(body)["errors"][0]["code"]
        return response.status, code, response.getheader("Retry-After") or ""
    except (OSError, http.client.HTTPException) as exc:
        return 0, type(exc).__name__, ""
    finally:
        conn.close()


def worker_pids(master: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True).stdout
    return {int(pid) for pid in out.split()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--outage", type=float, default=8)
    parser.add_argument("--after", type=float, default=15)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg-stop", required=True, help="command that stops the private cluster")
    parser.add_argument("--pg-start", required=True, help="command that starts it again")
    args = parser.parse_args()

    key = prepare()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{args.port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    try:
        for _ in range(100):
            if call(args.port, PATHS[0], key)[0] == 200:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn ne répond pas")
        workers_before = worker_pids(gunicorn.pid)
        records: list[tuple[float, int, str, str]] = []
        lock = threading.Lock()
        stop = threading.Event()
        start = time.monotonic()

        def load(index: int) -> None:
            n = 0
            while not stop.is_set():
                status, code, retry = call(args.port, PATHS[(index + n) % len(PATHS)], key)
                with lock:
                    records.append((time.monotonic() - start, status, code, retry))
                n += 1

        threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(args.threads)]
        for thread in threads:
            thread.start()
        time.sleep(args.before)
        down_at = time.monotonic() - start
        subprocess.run(args.pg_stop, shell=True, check=True, capture_output=True)
        stopped_at = time.monotonic() - start
        time.sleep(args.outage)
        restart_at = time.monotonic() - start
        subprocess.run(args.pg_start, shell=True, check=True, capture_output=True)
        up_at = time.monotonic() - start
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        workers_after = worker_pids(gunicorn.pid)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    before = [r for r in records if r[0] < down_at]
    during = [r for r in records if stopped_at <= r[0] < restart_at]
    after = [r for r in records if r[0] >= up_at]
    first_ok = next((r[0] for r in after if r[1] == 200), None)
    tail = [r for r in after if first_ok is not None and r[0] >= first_ok]

    def summary(rows):
        return dict(Counter(f"{s}{' ' + c if c else ''}" for _, s, c, _ in rows))

    print(f"requêtes : {len(records)} ({args.threads} clients, gunicorn 2 workers)")
    print(f"avant l'arrêt ({down_at:.1f} s) : {summary(before)}")
    print(f"PostgreSQL arrêté de {stopped_at:.1f} s à {restart_at:.1f} s : {summary(during)}")
    starting = [r for r in records if restart_at <= r[0] < up_at]
    print(f"redémarrage ({restart_at:.1f} → {up_at:.1f} s, prêt) : {summary(starting)}")
    print(f"après le redémarrage : {summary(after)}")
    if first_ok is not None:
        print(f"première réponse 200 après « prêt » : {first_ok - up_at:+.2f} s ; ensuite : {summary(tail)}")
    print(f"workers gunicorn inchangés : {workers_before == workers_after} ({sorted(workers_before)})")
    ok = (
        all(s == 200 for _, s, _, _ in before)
        and during
        and all(s == 503 and c == "service_indisponible" and retry for _, s, c, retry in during)
        and first_ok is not None
        and all(s == 200 for _, s, _, _ in tail)
        and not any(s >= 500 and s != 503 for _, s, _, _ in records)
        and workers_before == workers_after
    )
    print("RÉSULTAT :", "OK — 503 JSON pendant la coupure, reprise sans redémarrer l'application" if ok else "ÉCHEC")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
