#!/usr/bin/env bash
# Measures `seed_demo --scale N` (default 200 000 dossiers) on a fresh PostgreSQL database:
# drop/create the database, migrate, time the command, print the row counts. Rerunnable.
#   bench/seed_demo.sh                 200 000 dossiers, lots de 5 000
#   SCALE=50000 BATCH=2000 bench/seed_demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# DEBUG is off by default and the settings then want a secret key of their own: one drawn for this run.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-bench-$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')}"
PY=.venv/bin/python
PG=${PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-portail_bench_seed}
SCALE=${SCALE:-200000}
BATCH=${BATCH:-5000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> Base neuve $DB"
PGOPTIONS="-c client_min_messages=warning" psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
# DEBUG off, as in production (and Django then keeps no log of the queries).
export DATABASE_URL="$PG/$DB" PORTAIL_VAR_DIR="$work/var" DJANGO_DEBUG=false
$PY manage.py migrate -v0

echo "==> seed_demo --scale $SCALE (lots de $BATCH)"
start=$(date +%s.%N)
$PY manage.py seed_demo --scale "$SCALE" --batch-size "$BATCH" -v0
end=$(date +%s.%N)
elapsed=$(echo "$end - $start" | bc)

echo "==> Lignes en base"
psql "$DATABASE_URL" -qAt -F '|' <<'SQL' | while IFS='|' read -r table n; do printf '   %-28s %12s\n' "$table" "$n"; done
SELECT 'établissements', count(*) FROM accounts_etablissement
UNION ALL SELECT 'utilisateurs', count(*) FROM accounts_user
UNION ALL SELECT 'dossiers', count(*) FROM cases_dossier
UNION ALL SELECT 'lignes de financement', count(*) FROM cases_lignefinancement
UNION ALL SELECT 'factures', count(*) FROM cases_facture
UNION ALL SELECT 'règlements', count(*) FROM cases_reglement
UNION ALL SELECT 'lignes de règlement', count(*) FROM cases_lignereglement
UNION ALL SELECT 'journal des transitions', count(*) FROM cases_transitionlog
UNION ALL SELECT 'courriers', count(*) FROM cases_courrier
UNION ALL SELECT 'notifications', count(*) FROM cases_notification
UNION ALL SELECT 'taille de la base (Mo)', pg_database_size(current_database()) / 1024 / 1024;
SQL
printf '==> Durée de seed_demo --scale %s : %.1f s\n' "$SCALE" "$elapsed"
