"""Échéanciers of 200 000 apprenticeship contracts recomputed on PostgreSQL (``bench/echeanciers_bench.sh``).

The database is ``bench/api_bench.sh``'s (``seed_demo --scale 200000``): its accordé, amended, broken and
settled apprenticeship contracts with a NPEC taken in charge, topped up to ``--contrats`` with contracts
of a dedicated CFA (« CFA BENCH ECHEANCIERS », both regimes, 12 to 36 months, levels 3 to 7, some
ruptures). Rerunnable: the top-up adds only what is missing, and each run starts again from échéanciers
that are not there (what previous runs computed — never an échéance a facture is charged to — and their
journal entries are removed first).

Three timed passes of ``manage.py recalculer_echeanciers`` (the batch service, by lots of ``--lot``):
1. from nothing (every échéance created, every dossier journalled);
2. nothing changed (every échéancier computed, compared, nothing written);
3. every échéance's amount off by a cent (as after a correction of the rules: every échéance updated).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OBJECTIVE_SECONDS = 60
BENCH_DOMAIN = "@bench-echeanciers.example"
ACTOR_LABEL = "manage.py recalculer_echeanciers"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def eligible():
    from cases.models import LigneFinancement
    from cases.services.echeances import BATCH_STATES

    return LigneFinancement.objects.filter(
        nature="npec", montant_pris_en_charge__gt=0, dossier__dispositif="apprentissage", dossier__etat__in=BATCH_STATES
    )


def top_up(wanted: int, seed: int = 12) -> int:
    """Add accordé apprenticeship contracts of the bench's own CFA until ``wanted`` contracts have a NPEC."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Etablissement
    from cases.models import Dossier, LigneFinancement
    from cases.services._common import next_numbers
    from rules.identifiers import luhn_complete, uai_complete

    missing = wanted - eligible().count()
    if missing <= 0:
        return 0
    of, _ = Etablissement.objects.get_or_create(
        siret=luhn_complete("9937000000001"),
        defaults={
            "raison_sociale": "CFA BENCH ECHEANCIERS",
            "email": f"contact{BENCH_DOMAIN}",
            "est_organisme_formation": True,
            "uai": uai_complete("0937000"),
            "code_postal": "93200",
            "ville": "SAINT-DENIS",
        },
    )
    employeur, _ = Etablissement.objects.get_or_create(
        siret=luhn_complete("9937000000002"),
        defaults={
            "raison_sociale": "TRANSPORTS BENCH",
            "email": f"rh{BENCH_DOMAIN}",
            "est_entreprise": True,
            "idcc": "0016",
            "code_postal": "93200",
            "ville": "SAINT-DENIS",
        },
    )
    rng = random.Random(seed)
    now = timezone.now()
    done = 0
    while done < missing:
        size = min(5000, missing - done)
        numeros = iter(next_numbers("dossier", size))
        dossiers = []
        for _ in range(size):
            conclusion = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1300))
            debut = conclusion + timedelta(days=rng.randint(0, 20))
            months = rng.choice((12, 13, 18, 24, 24, 24, 36, 36))
            fin = debut + timedelta(days=round(months * 30.44) - 1)
            rupture = debut + timedelta(days=rng.randint(20, 400)) if rng.random() < 0.1 else None
            if rupture is not None and rupture >= fin:
                rupture = None
            dossiers.append(
                Dossier(
                    numero=next(numeros),
                    dispositif="apprentissage",
                    etat="rupture" if rupture else "accorde",
                    subroge=True,
                    of_etablissement_id=of.pk,
                    entreprise_id=employeur.pk,
                    salarie_nom="BENCH",
                    salarie_prenom="Contrat",
                    contrat_date_debut=debut,
                    contrat_date_fin=fin,
                    date_rupture=rupture,
                    donnees={
                        "contrat": {
                            "typeContratApp": rng.choice((11, 11, 11, 21, 23)),
                            "dateConclusion": conclusion.isoformat(),
                            "dateFormationPratiqueEmployeur": debut.isoformat(),
                        },
                        "formation": {"typeDiplome": rng.choice((33, 41, 54, 62, 74))},
                    },
                    created_at=now,
                    updated_at=now,
                    transmitted_at=now,
                    decided_at=now,
                )
            )
        with transaction.atomic():
            Dossier.objects.bulk_create(dossiers, batch_size=2500)
            LigneFinancement.objects.bulk_create(
                (
                    LigneFinancement(
                        dossier_id=d.pk,
                        nature="npec",
                        montant_demande=amount,
                        montant_pris_en_charge=amount,
                    )
                    for d in dossiers
                    for amount in [Decimal(rng.choice(("6795.83", "7250.00", "8500.00", "9650.00", "12000.00")))]
                ),
                batch_size=5000,
            )
        done += size
        print(f"  {done:,} / {missing:,} contrats ajoutés".replace(",", " "), flush=True)
    return missing


def reset() -> tuple[int, int]:
    """The échéanciers of previous runs removed (never one a facture is charged to), and their journal entries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM cases_echeance e WHERE NOT EXISTS "
            "(SELECT 1 FROM cases_factureligne l WHERE l.echeance_id = e.id)"
        )
        deleted = cursor.rowcount
        cursor.execute(
            "DELETE FROM cases_transitionlog WHERE transition = 'calculer_echeancier' AND actor_label = %s",
            [ACTOR_LABEL],
        )
        logs = cursor.rowcount
        cursor.execute(
            "UPDATE cases_dossier SET participation_employeur = NULL, echeancier_regime = '' "
            "WHERE dispositif = 'apprentissage' AND echeancier_regime <> ''"
        )
        cursor.execute("VACUUM ANALYZE cases_echeance")
    return deleted, logs


def shift_by_a_cent() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_echeance SET montant_total = montant_total + 0.01")
        return cursor.rowcount


def timed(label: str, lot: int) -> tuple[float, str]:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    started = time.perf_counter()
    call_command("recalculer_echeanciers", "--lot", str(lot), stdout=out)
    elapsed = time.perf_counter() - started
    summary = out.getvalue().strip().splitlines()[-1]
    print(f"  {label} : {elapsed:.1f} s — {summary}", flush=True)
    return elapsed, summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contrats", type=int, default=200_000)
    parser.add_argument("--lot", type=int, default=5000)
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("Ce banc se mesure sur PostgreSQL (DATABASE_URL=postgres://…).", file=sys.stderr)
        return 2
    print("==> Contrats avec un NPEC pris en charge")
    added = top_up(args.contrats)
    total = eligible().count()
    print(f"  {total:,} contrats ({added:,} ajoutés pour ce banc)".replace(",", " "))
    deleted, logs = reset()
    print(
        f"  remise à zéro : {deleted:,} échéances et {logs:,} entrées de journal des passes précédentes".replace(
            ",", " "
        )
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_dossier")
        cursor.execute("VACUUM ANALYZE cases_lignefinancement")
    print(f"==> recalculer_echeanciers, lots de {args.lot}")
    results = [
        ("à partir de rien (création)", *timed("à partir de rien", args.lot)),
        ("sans changement (relance)", *timed("sans changement", args.lot)),
    ]
    shifted = shift_by_a_cent()
    print(f"  {shifted:,} échéances décalées d'un centime".replace(",", " "))
    results.append(("toutes les échéances corrigées", *timed("toutes corrigées", args.lot)))
    print(f"\n| passe ({total:,} contrats) | durée | objectif |".replace(",", " "))
    print("|---|---|---|")
    ok = True
    for label, seconds, _summary in results:
        ok &= seconds <= OBJECTIVE_SECONDS
        print(f"| {label} | {seconds:.1f} s | ≤ {OBJECTIVE_SECONDS} s |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
