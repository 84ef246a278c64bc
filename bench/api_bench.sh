#!/usr/bin/env bash
# API benchmark on PostgreSQL (own database), served by gunicorn on 127.0.0.1 only.
#   bench/api_bench.sh --port 8765     # seeds once (seed_demo --scale 200000) if the database is empty, then measures
#   REQUESTS=200 bench/api_bench.sh --port 8765
# (the planner statistics are refreshed by bench/api_bench.py after it tops up its factures)
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/portail_bench_api}"
export PORTAIL_MEDIA_ROOT="${PORTAIL_MEDIA_ROOT:-/tmp/portail-bench-api/media}"
db="${DATABASE_URL##*/}"
admin="${DATABASE_URL%/*}/postgres"
psql "$admin" -Atqc "select 1 from pg_database where datname='$db'" | grep -q 1 || psql "$admin" -qc "create database $db"
.venv/bin/python manage.py migrate -v0
if [ "$(psql "$DATABASE_URL" -Atqc 'select count(*) from cases_dossier')" -lt 100000 ]; then
  .venv/bin/python manage.py seed_demo --scale "${SCALE:-200000}"
fi
exec timeout 900 .venv/bin/python bench/api_bench.py --requests "${REQUESTS:-400}" "$@"
