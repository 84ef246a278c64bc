#!/usr/bin/env bash
# Load test (not in CI): 50 simulated OF users (dashboard, lists, synthesis, downloads, one deposit each) for
# 5 minutes against gunicorn (2 workers, DEBUG off) on 127.0.0.1, on a copy of the 200 000-dossier database of
# bench/api_bench.sh (run that script once first: it seeds portail_bench_api). locust is pinned and installed
# in its own environment (var/locust-venv), apart from the application's. Prints, per endpoint, the
# throughput, p50/p95 and the errors.
#   bench/load_locust.sh                 # USERS=50 DURATION=5m PORT=8766
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
LOCUST_VERSION=2.47.0
pg="${PG:-postgres://postgres@127.0.0.1:5432}"
source_db="${SOURCE_DB:-portail_bench_api}"
db="${DB:-portail_bench_charge}"
port="${PORT:-8766}"
out="${OUT:-var/bench/charge}"
mkdir -p "$out"
export DATABASE_URL="$pg/$db" PORTAIL_MEDIA_ROOT="${PORTAIL_MEDIA_ROOT:-/tmp/portail-bench-charge/media}"
export PORTAIL_API_KEY_RATE_LIMIT="1000000/60"

[ -x var/locust-venv/bin/locust ] || { python3 -m venv var/locust-venv && var/locust-venv/bin/pip install -q "locust==$LOCUST_VERSION"; }
if ! psql "$pg/postgres" -Atqc "select 1 from pg_database where datname='$db'" | grep -q 1; then
  echo "==> Copie de $source_db dans $db"
  psql "$pg/postgres" -qc "create database $db template $source_db"
fi
.venv/bin/python manage.py migrate -v0
.venv/bin/python bench/locust/prepare.py "$out/donnees.json"
DJANGO_SETTINGS_MODULE=config.settings .venv/bin/python -c "import django, sys; django.setup()
from cases.management.demo_data.common import demo_pdf
sys.stdout.buffer.write(demo_pdf('Attestation'))" > "$out/piece.pdf"
psql "$DATABASE_URL" -qc "vacuum analyze" >/dev/null

.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$port" --workers 2 --log-level warning &
gunicorn_pid=$!
trap 'kill $gunicorn_pid 2>/dev/null; wait $gunicorn_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" && break; sleep 0.2; done

PORTAIL_LOAD_DATA="$out/donnees.json" PORTAIL_LOAD_PDF="$out/piece.pdf" timeout 900 var/locust-venv/bin/locust \
  -f bench/locust/locustfile.py --headless --users "${USERS:-50}" --spawn-rate 10 --run-time "${DURATION:-5m}" \
  --host "http://127.0.0.1:$port" --csv "$out/locust" --only-summary --loglevel WARNING || true
python3 - "$out/locust_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
print(f"{'point d’accès':42} {'requêtes':>9} {'échecs':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
for r in rows:
    print(f"{r['Name'][:42]:42} {r['Request Count']:>9} {r['Failure Count']:>7} {float(r['Requests/s']):7.1f} "
          f"{r['50%']:>7} {r['95%']:>7} {r['99%']:>7}")
failures = sum(int(r["Failure Count"]) for r in rows if r["Name"] == "Aggregated")
print("RÉSULTAT :", "0 erreur" if failures == 0 else f"{failures} erreur(s)")
sys.exit(1 if failures else 0)
PY
