#!/bin/sh
# Bench of the documents (CERFA → PDF with a warm LibreOffice listener). Arguments go to the script:
#   bench/documents_bench.sh --n 100 --cold 5
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
exec "$ROOT/.venv/bin/python" "$ROOT/bench/documents_bench.py" "$@"
