#!/usr/bin/env bash
# Project against floor (issue 14): see bench/floor_bench.py.
#   bench/floor_bench.sh --port 8801 --database postgres://postgres@127.0.0.1:5432/portail_bench_api
#   bench/floor_bench.sh --port 8801 --database … --clients 1,8,32 --seconds 6 --requests 300
# The database must hold the demo (manage.py seed_demo [--scale N]); it is migrated first.
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
export PORTAIL_MEDIA_ROOT="${PORTAIL_MEDIA_ROOT:-/tmp/portail-bench-floor/media}"
database=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --database) database="${args[$((i + 1))]}" ;;
    --database=*) database="${args[$i]#--database=}" ;;
  esac
done
[ -n "$database" ] || { echo "--database postgres://… est obligatoire" >&2; exit 2; }
DATABASE_URL="$database" .venv/bin/python manage.py migrate -v0
exec timeout 1800 .venv/bin/python bench/floor_bench.py "$@"
