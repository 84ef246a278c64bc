"""Export of N factures (default 100 000) to XLSX and CSV: time and peak memory, in flat memory.

Rows are generated on the fly with the columns of the factures list, so the figure is the export's
own cost (the database part is measured by bench/api_bench.sh). Each format runs in a fresh
process so that its peak RSS is its own.   Usage: .venv/bin/python bench/exports_bench.py [N]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COLUMNS = [
    "Numéro",
    "Raison sociale de l'émetteur",
    "Référence",
    "État",
    "Date de facture",
    "Date de réception",
    "Montant TTC",
    "N° de dossier",
]


def rows(n: int):
    start = date(2026, 1, 1)
    for i in range(n):
        yield (
            2_100_000 + i,
            "OF GENERIQUE",
            f"FAC-{i:08d}",
            "En cours de traitement",
            start + timedelta(days=i % 300),
            start + timedelta(days=i % 300 + 1),
            Decimal("3262.00") + i % 97,
            f"{3_000_000 + i}.1",
        )


def run(fmt: str, n: int) -> None:
    from documents.exports import csv_stream, xlsx_stream

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    stream = xlsx_stream(COLUMNS, rows(n), sheet="Factures") if fmt == "xlsx" else csv_stream(COLUMNS, rows(n))
    size = sum(len(chunk) for chunk in stream)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {fmt.upper():<5} | {n:>8} | {elapsed:>7.2f} s | {size / 1e6:>7.1f} Mo | {before:>6.0f} → {peak:.0f} Mo |")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        run(sys.argv[1], int(sys.argv[2]))
    else:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
        print("| format | lignes | durée | taille | mémoire max du processus (avant → après) |\n|---|---|---|---|---|")
        for fmt in ("xlsx", "csv"):
            subprocess.run([sys.executable, __file__, fmt, str(n)], check=True)
        for fmt in ("xlsx",):  # flat memory: ten times fewer rows, the same peak
            subprocess.run([sys.executable, __file__, fmt, str(n // 10)], check=True)
