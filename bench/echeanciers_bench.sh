#!/usr/bin/env bash
# Échéanciers of 200 000 apprenticeship contracts recomputed on PostgreSQL (objective: ≤ 60 s per pass).
# Reuses bench/api_bench.sh's database (seeded by seed_demo --scale 200000 when empty), tops it up to
# CONTRATS contracts with a NPEC taken in charge, then times three passes of recalculer_echeanciers.
#   bench/echeanciers_bench.sh
#   CONTRATS=50000 LOT=2000 bench/echeanciers_bench.sh
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
exec timeout 1800 .venv/bin/python bench/echeanciers_bench.py --contrats "${CONTRATS:-200000}" --lot "${LOT:-5000}"
