#!/usr/bin/env bash
# PostgreSQL restarted under load: the API answers 503 in its JSON error shape while the database is away,
# then 200 again without restarting the application (bench/pg_restart.py). A private PostgreSQL cluster is
# created for the run (its own directory and port, PG_PORT=5498 by default) and removed at the end: no other
# database of the machine is stopped. Loopback only.
#   bench/pg_restart.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
port="${PG_PORT:-5498}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
dir="$(mktemp -d /tmp/portail-pg-restart.XXXXXX)"
chown postgres "$dir"
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sh -c "$*"; fi; }
ctl="$bin/pg_ctl -D $dir/data -o '-p $port -k $dir -c listen_addresses=127.0.0.1' -l $dir/postgres.log -w"
cleanup() { as_pg "$bin/pg_ctl -D $dir/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_pg "$bin/initdb -D $dir/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_pg "$ctl start" >/dev/null
as_pg "$bin/createdb -h 127.0.0.1 -p $port -U postgres portail_restart"
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/portail_restart"
export PORTAIL_MEDIA_ROOT="$dir/media" PORTAIL_VAR_DIR="$dir/var"
export PORTAIL_API_KEY_RATE_LIMIT="1000000/60"  # the load must not be slowed by the key's own limit
.venv/bin/python manage.py migrate -v0
if [ "$(id -u)" -eq 0 ]; then run="su postgres -c"; else run="sh -c"; fi
.venv/bin/python bench/pg_restart.py --pg-stop "$run \"$ctl -m fast stop\"" --pg-start "$run \"$ctl start\"" "$@"
