#!/usr/bin/env bash
# Flow benchmarks on PostgreSQL: relance pass over 200 000 dossiers, digest for 50 000 users and
# 200 000 notifications, courrier pipeline throughput and recovery. Reuses the database seeded by
# bench/seed_demo.sh when present (BENCH_DB), seeds it otherwise. Each phase runs in its own process.
#   bench/flows_bench.sh [relances] [digest] [courriers]
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
PY=.venv/bin/python
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-portail_bench_seed}
export DATABASE_URL="$PG/$DB" DJANGO_DEBUG=false PREFECT_SERVER_ANALYTICS_ENABLED=false
export PORTAIL_VAR_DIR="${PORTAIL_VAR_DIR:-$(mktemp -d)}" PREFECT_HOME="$(mktemp -d)"
if ! psql "$PG/$DB" -qAtc "select count(*) from cases_dossier" 2>/dev/null | awk '{exit !($1 >= 200000)}'; then
  BENCH_DB="$DB" bench/seed_demo.sh
fi
$PY manage.py migrate -v0
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(relances digest courriers)
for phase in "${phases[@]}"; do $PY bench/flows_bench.py "$phase"; done
