#!/usr/bin/env bash
# Proves that the same flows run on a real Prefect server backed by PostgreSQL, executed by a
# worker in another process (as on another machine): server, work pool, deployments, worker,
# then one run of each flow, checked "Completed". Rerunnable; cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
PY=.venv/bin/python
PREFECT=.venv/bin/prefect
PG=${PG:-postgres://postgres@127.0.0.1:5432}
PORT=${PREFECT_PORT:-4250}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

for db in portail_prefect_server portail_prefect_app; do
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
done
export PREFECT_HOME="$work/server-home" PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://${PG#postgres://}/portail_prefect_server"
echo "==> Serveur Prefect sur PostgreSQL (port $PORT)"
$PREFECT server start --host 127.0.0.1 --port "$PORT" >"$work/server.log" 2>&1 &
pids+=($!)
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
for _ in $(seq 90); do curl -fs "$PREFECT_API_URL/health" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "$PREFECT_API_URL/health" >/dev/null || { cat "$work/server.log"; exit 1; }

export DATABASE_URL="$PG/portail_prefect_app" PORTAIL_VAR_DIR="$work/var"
$PY manage.py migrate -v0
$PY manage.py seed_demo >/dev/null

echo "==> Déploiements (le work pool est créé par workflows.deploy), worker dans un autre processus"
$PY -m workflows.deploy --pool portail --paused
PREFECT_HOME="$work/worker-home" $PREFECT worker start --pool portail --limit 2 >"$work/worker.log" 2>&1 &
pids+=($!)

status=0
for dep in relances/relances expiration-cles/expiration-cles recapitulatif-quotidien/recapitulatif-quotidien courriers/courriers; do
  run_id=$($PY - "$dep" <<'PYEOF'
import asyncio, sys
from prefect.deployments import run_deployment
run = run_deployment(sys.argv[1], timeout=240)
print(run.id, run.state.type.value)
PYEOF
)
  echo "   $dep : $run_id"
  [[ "$run_id" == *COMPLETED ]] || status=1
done
[ $status -eq 0 ] || { echo "--- worker.log"; tail -50 "$work/worker.log"; }
echo "==> $( [ $status -eq 0 ] && echo 'OK : les quatre traitements ont tourné sur le serveur Prefect (PostgreSQL) via un worker' || echo 'ÉCHEC')"
exit $status
