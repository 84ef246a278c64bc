"""Bench of the documents: CERFA FA13 to PDF with a warm LibreOffice listener.

    .venv/bin/python bench/documents_bench.py [--n 100] [--cold 5]

Renders ``--n`` different CERFA (unsaved domain objects: no database needed), each twice: the DOCX step
alone (mapping + python-docx) and the whole PDF (mapping + DOCX + conversion by the unoserver listener).
Prints p50/p95 per document, the ratio PDF/DOCX, the listener's start time and the memory (RSS) of its
soffice process; ``--cold`` also times the cold ``soffice --convert-to`` fallback on a few documents.
Rerunnable: the listener is started on free ports and stopped at the end, with all its processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-" + __import__("secrets").token_hex(32))  # DEBUG off needs a key

import django  # noqa: E402

django.setup()

from accounts.models import Etablissement  # noqa: E402
from cases.models import Dossier  # noqa: E402
from documents import render_cerfa  # noqa: E402
from documents.converters import SofficeConverter, UnoserverConverter, processes_with_marker  # noqa: E402

TARGET_P50 = 0.4
FIRST_NAMES = ("Léa", "Hugo", "Inès", "Noah", "Jade", "Louis", "Chloé", "Adam", "Zoé", "Lucas")
LAST_NAMES = ("MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU")


def sample_dossier(i: int) -> Dossier:
    of = Etablissement(
        siret="99999999900009",
        raison_sociale="CFA DES METIERS DU TRANSPORT",
        adresse="5 rue de l'Industrie",
        code_postal="69100",
        ville="Villeurbanne",
        uai="0010856A",
    )
    entreprise = Etablissement(
        siret="35600000000048",
        raison_sociale=f"TRANSPORTS {LAST_NAMES[i % 10]} ET FILS",
        adresse=f"{i + 1} avenue de la Gare",
        code_postal="69003",
        ville="Lyon",
        type_employeur=12,
        naf="4941A",
        idcc="0016",
        libelle_idcc="Convention collective nationale des transports routiers",
        effectif=50 + i,
    )
    salaire = 900 + i * 7.31
    donnees = {
        "versionCERFA": "10103*14",
        "employeur": {"siret": entreprise.siret, "telephone": "0472000000", "attestationPieces": True},
        "organismeFormation": {"siret": of.siret, "uaiCfa": of.uai},
        "apprenti": {
            "nom": LAST_NAMES[(i * 3) % 10],
            "prenom": FIRST_NAMES[i % 10],
            "dateNaissance": f"{2003 + i % 5}-0{1 + i % 9}-1{i % 10}",
            "sexe": "MF"[i % 2],
            "nationalite": 1,
            "adresse": {"numero": str(i + 1), "voie": "rue des Lilas", "codePostal": "69007", "commune": "LYON"},
        },
        "maitre1": {"nom": "BERNARD", "prenom": "Marc", "dateNaissance": "1978-05-02", "emploiOccupe": "Chef d'équipe"},
        "contrat": {
            "typeContratApp": 11,
            "dateConclusion": "2026-08-28",
            "dateDebutContrat": "2026-09-07",
            "dateFinContrat": "2028-08-31",
            "dureeTravailHebdoHeures": 35,
            "salaireEmbauche": round(salaire, 2),
            "lieuSignatureContrat": "Lyon",
            "remunerationsAnnuelles": [
                {
                    "ordre": "1.1",
                    "dateDebut": "2026-09-07",
                    "dateFin": "2027-09-06",
                    "taux": 43,
                    "typeSalaire": "SMIC",
                    "salaireBrut": round(salaire, 2),
                },
                {
                    "ordre": "2.1",
                    "dateDebut": "2027-09-07",
                    "dateFin": "2028-08-31",
                    "taux": 51,
                    "typeSalaire": "SMIC",
                    "salaireBrut": round(salaire * 1.18, 2),
                },
            ],
        },
        "formation": {
            "rncp": "RNCP36542",
            "intituleQualification": "AMBULANCIER (DIPLOME D'ETAT)",
            "dateDebutFormation": "2026-09-14",
            "dateFinFormation": "2028-06-30",
            "dureeFormation": 1350,
        },
    }
    return Dossier(
        numero=3_866_466 + i,
        version=1,
        dispositif="apprentissage",
        etat="transmis",
        of_etablissement=of,
        entreprise=entreprise,
        numero_depot=f"069202609{i:06d}",
        donnees=donnees,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(fn, *args, **kwargs) -> tuple[float, bytes]:
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (Linux ``/proc``), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def mb(value: int | None) -> str:
    return f"{value / 1_048_576:.0f} Mo" if value else "n/d"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="nombre de CERFA (100)")
    parser.add_argument("--cold", type=int, default=5, help="documents convertis par soffice à froid (5, 0 = aucun)")
    args = parser.parse_args(argv)
    today = date(2026, 11, 20)
    dossiers = [sample_dossier(i) for i in range(args.n)]

    converter = UnoserverConverter()
    if not converter.available():
        print(f"Convertisseur unoserver indisponible : {converter.unavailable_reason()}", file=sys.stderr)
        return 2
    try:
        start_s, _ = timed(converter.start)
        rss_start = converter.soffice_rss()
        for dossier in dossiers[:3]:  # warm-up: fonts, filters, first layout
            render_cerfa(dossier, "pdf", today=today, converter=converter)
        rss_warm = converter.soffice_rss()

        docx_times, pdf_times, sizes, pages_ok = [], [], [], 0
        soffice_pids = converter.soffice_pids()
        soffice_cpu_before, python_cpu = cpu_seconds(soffice_pids), 0.0
        for dossier in dossiers:
            cpu_before = time.process_time()
            t_docx, _ = timed(render_cerfa, dossier, "docx", today=today)
            python_cpu += time.process_time() - cpu_before
            t_pdf, pdf = timed(render_cerfa, dossier, "pdf", today=today, converter=converter)
            docx_times.append(t_docx)
            pdf_times.append(t_pdf)
            sizes.append(len(pdf))
            pages_ok += pdf.startswith(b"%PDF-")
        soffice_cpu = (cpu_seconds(soffice_pids) - soffice_cpu_before) / args.n
        python_cpu /= args.n
        rss_end = converter.soffice_rss()
        restarts = converter.starts - 1

        cold_times = []
        if args.cold:
            cold = SofficeConverter()
            for dossier in dossiers[: args.cold]:
                docx = render_cerfa(dossier, "docx", today=today)
                t_cold, _ = timed(cold.convert, docx)
                cold_times.append(t_cold)
    finally:
        marker = converter.marker
        converter.close()
    leftovers = processes_with_marker(marker) if marker else []

    p50_docx, p95_docx = percentile(docx_times, 50), percentile(docx_times, 95)
    p50_pdf, p95_pdf = percentile(pdf_times, 50), percentile(pdf_times, 95)
    conv = [p - d for p, d in zip(pdf_times, docx_times, strict=True)]
    rows = [
        ("Documents (CERFA FA13, 2 pages)", f"{args.n}", ""),
        ("Démarrage du listener unoserver", f"{start_s:.2f} s", "une fois par processus"),
        ("DOCX seul (mapping + python-docx) p50 / p95", f"{p50_docx * 1000:.0f} / {p95_docx * 1000:.0f} ms", ""),
        (
            "PDF complet, listener chaud p50 / p95",
            f"{p50_pdf * 1000:.0f} / {p95_pdf * 1000:.0f} ms",
            f"objectif p50 ≤ {TARGET_P50 * 1000:.0f} ms : {'ATTEINT' if p50_pdf <= TARGET_P50 else 'NON ATTEINT'}",
        ),
        ("  dont conversion (estimée) p50", f"{statistics.median(conv) * 1000:.0f} ms", ""),
        ("Rapport PDF / DOCX (p50)", f"× {p50_pdf / p50_docx:.1f}", ""),
        (
            "Temps CPU par document : python-docx / LibreOffice",
            f"{python_cpu * 1000:.0f} / {soffice_cpu * 1000:.0f} ms",
            "indépendant de la charge de la machine",
        ),
        ("Débit PDF", f"{1 / statistics.mean(pdf_times):.1f} doc/s", "un listener, séquentiel"),
        ("Taille PDF moyenne", f"{statistics.mean(sizes) / 1024:.0f} Ko", f"{pages_ok}/{args.n} PDF valides"),
        ("RSS soffice : démarré / chaud / après", f"{mb(rss_start)} / {mb(rss_warm)} / {mb(rss_end)}", ""),
        ("Redémarrages pendant la mesure", f"{restarts}", ""),
    ]
    if cold_times:
        rows.append(
            (
                "soffice à froid (repli) p50",
                f"{statistics.median(cold_times) * 1000:.0f} ms",
                f"sur {len(cold_times)} docs",
            )
        )
    rows.append(("Processus LibreOffice restants", f"{len(leftovers)}", "attendu : 0"))
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Bench documents — {os.cpu_count()} CPU, charge moyenne 1 min {load:.2f}")
    print("-" * (width + value_width + 40))
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>{value_width}}  {note}")
    return 0 if not leftovers and pages_ok == args.n else 1


if __name__ == "__main__":
    raise SystemExit(main())
