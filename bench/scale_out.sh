#!/usr/bin/env bash
# Replays deploy/README.md on this one machine, from the repository as cloned: PostgreSQL (two
# databases), Redis, gunicorn behind nginx, a Prefect server on PostgreSQL, the deployments (run twice:
# one work pool), workers each with its PDF converter. Then the bench: COURRIERS (2 000) courriers
# drained by 1 worker, then by 2 workers; the ratio, and no courrier issued twice.
# Rerunnable; everything it starts is stopped at the end (by process group).
#   bench/scale_out.sh                 PG=postgres://user@host:5432 COURRIERS=2000
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${PG:-postgres://postgres@127.0.0.1:5432}
N=${COURRIERS:-2000}
WEB_PORT=${WEB_PORT:-8792}
PROXY_PORT=${PROXY_PORT:-8793}
PREFECT_PORT=${PREFECT_PORT:-4792}
REDIS_PORT=${REDIS_PORT:-6392}
work=$(mktemp -d /tmp/portail-scale.XXXXXX)
pids=()
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM -- "-${pids[$i]}" 2>/dev/null || true; done
  sleep 3
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
start() {
  local name=$1
  shift
  setsid "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
wait_until() {
  local what=$1
  shift
  for _ in $(seq 360); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "ÉCHEC : $what ne répond pas (journaux : $work)" >&2
  exit 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

echo "==> 1. Code et dépendances (bin/setup)"
bin/setup
PY=$PWD/.venv/bin/python

echo "==> 2. PostgreSQL : les bases de l'application et du serveur Prefect"
for db in portail_scale portail_scale_prefect; do
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
done

echo "==> 3. Réglages communs (ceux de deploy/portail.env.example, pour cette machine)"
set -a
DJANGO_SETTINGS_MODULE=config.settings
DJANGO_DEBUG=false
DJANGO_SECRET_KEY="bench-scale-out-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
DJANGO_CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$PROXY_PORT
PORTAIL_BASE_URL=http://127.0.0.1:$PROXY_PORT
DATABASE_URL=$PG/portail_scale
PORTAIL_CACHE_URL=redis://127.0.0.1:$REDIS_PORT/0
PORTAIL_VAR_DIR=$work/var
PORTAIL_MEDIA_ROOT=$work/media
DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
DJANGO_EMAIL_FILE_PATH=$work/emails
PORTAIL_OPS_EMAILS=exploitation@portail-of.example
PREFECT_API_URL=http://127.0.0.1:$PREFECT_PORT/api
PREFECT_SERVER_ANALYTICS_ENABLED=false
set +a

echo "==> 4. Redis (cache partagé)"
start redis redis-server --port "$REDIS_PORT" --save "" --appendonly no
wait_until "Redis" port_open "$REDIS_PORT"

echo "==> 5. Schéma, fichiers statiques, données (démonstration + 2 500 dossiers)"
$PY manage.py migrate -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py seed_demo -v0 --scale 2500 >/dev/null

echo "==> 6. Web : gunicorn derrière nginx"
start web .venv/bin/gunicorn config.wsgi --workers 2 --bind "127.0.0.1:$WEB_PORT"
if ! command -v nginx >/dev/null; then
  echo "    installation de nginx (apt)"
  sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi
mkdir -p "$work/nginx"
# The location block of deploy/nginx/portail-of.conf, on a local port and without TLS.
location=$(sed -n '/    location \/ {/,/^    }/p' deploy/nginx/portail-of.conf)
cat >"$work/nginx/nginx.conf" <<EOF
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
    fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
    upstream portail_web { server 127.0.0.1:$WEB_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        client_max_body_size 25m;
$location
    }
}
EOF
start nginx nginx -c "$work/nginx/nginx.conf" -g "daemon off;"
wait_until "Le portail derrière nginx" curl -fsS "http://127.0.0.1:$PROXY_PORT/admin/login/"
for page in /admin/login/ /api/v1/docs /api/v1/openapi.json; do
  printf "    %-22s %s\n" "$page" "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PROXY_PORT$page")"
done

echo "==> 7. Serveur Prefect sur PostgreSQL (port $PREFECT_PORT)"
PREFECT_HOME=$work/prefect-server \
  PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://${PG#postgres://}/portail_scale_prefect" \
  start prefect-server .venv/bin/prefect server start --host 127.0.0.1 --port "$PREFECT_PORT"
wait_until "Le serveur Prefect" curl -fsS "$PREFECT_API_URL/health"

echo "==> 8. Déploiements, deux fois (le work pool n'est créé qu'une fois, les déploiements sont les mêmes)"
# Paused here: the bench starts its runs itself (in production, the schedules start them).
uuids() { grep -oE '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' | sort; }
PREFECT_HOME=$work/deploy $PY -m workflows.deploy --pool portail --paused | uuids >"$work/deploy-1"
PREFECT_HOME=$work/deploy $PY -m workflows.deploy --pool portail --paused | uuids >"$work/deploy-2"
diff -q "$work/deploy-1" "$work/deploy-2" >/dev/null || { echo "ÉCHEC : le 2e déploiement diffère" >&2; exit 1; }
pools=$(curl -fsS -X POST "$PREFECT_API_URL/work_pools/filter" -H 'content-type: application/json' -d '{}' |
  $PY -c "import json, sys; print(sum(p['name'] == 'portail' for p in json.load(sys.stdin)))")
echo "    $(wc -l <"$work/deploy-1") déploiements, identiques au 2e passage ; work pools « portail » : $pools"
[ "$pools" = 1 ]
curl -fsS -X POST "$PREFECT_API_URL/deployments/filter" -H 'content-type: application/json' -d '{}' | $PY -c "
import json, sys
deployments = json.load(sys.stdin)
print('    points d\'entrée :', ', '.join(sorted(d['entrypoint'] for d in deployments)))
assert all(d['entrypoint'].startswith('workflows.') and not d['path'] for d in deployments), 'chemin de machine'"

worker() {  # worker I: its converter on its own ports, then the Prefect worker (health check on its own port)
  local i=$1
  export PORTAIL_UNOSERVER_PORT=$((2900 + 2 * i)) PORTAIL_UNOSERVER_UNO_PORT=$((2901 + 2 * i))
  export PREFECT_WORKER_WEBSERVER_PORT=$((8890 + i)) PREFECT_HOME=$work/worker-$i
  start "convertisseur-$i" $PY manage.py serve_converter
  wait_until "Le convertisseur du worker $i" grep -q "prêt" "$work/convertisseur-$i.log"
  start "worker-$i" .venv/bin/prefect worker start --pool portail --name "worker-$i" --limit 1 --with-healthcheck
  wait_until "Le worker $i" curl -fsS "http://127.0.0.1:$PREFECT_WORKER_WEBSERVER_PORT/health"
  unset PORTAIL_UNOSERVER_PORT PORTAIL_UNOSERVER_UNO_PORT PREFECT_WORKER_WEBSERVER_PORT PREFECT_HOME
  echo "    worker-$i : convertisseur port $((2900 + 2 * i)), contrôle de santé port $((8890 + i))"
}

echo "==> 9. Un worker : $N courriers (deux exécutions lancées, le worker les prend l'une après l'autre)"
worker 1
PREFECT_HOME=$work/client $PY bench/scale_out.py request "$N"
SCALE_RESULT=$work/t1 PREFECT_HOME=$work/client $PY bench/scale_out.py drain 2

echo "==> 10. Deux workers : $N autres courriers (les deux exécutions en parallèle, même file)"
worker 2
PREFECT_HOME=$work/client $PY bench/scale_out.py request "$N"
SCALE_RESULT=$work/t2 PREFECT_HOME=$work/client $PY bench/scale_out.py drain 2

echo "==> 11. Résultat"
PREFECT_HOME=$work/client $PY bench/scale_out.py check
$PY -c "import sys; t1, t2 = (float(open(p).read()) for p in sys.argv[1:]); print(f'    1 worker : {t1:.1f} s ; 2 workers : {t2:.1f} s ; rapport {t1 / t2:.2f}')" \
  "$work/t1" "$work/t2"
grep -h "émis\|Courriers :" "$work"/worker-*.log | grep "Courriers :" | sed 's/^/    /' | tail -6 || true
echo "    journaux : $work"
