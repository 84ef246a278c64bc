"""Register the product's flows as deployments of a work pool on a Prefect server.

Used when the flows run at scale: a Prefect server backed by PostgreSQL, and workers on other
machines (``prefect worker start --pool <pool>``) that have this code and its settings
(``DATABASE_URL``…). Usage:

    PREFECT_API_URL=http://prefect:4200/api python -m workflows.deploy --pool portail
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prefect.schedules import Cron, Interval

from workflows.bootstrap import PARIS

ROOT = Path(__file__).resolve().parent.parent
FLOWS = [
    ("workflows/courriers.py:issue_courriers", "courriers", Interval(30, timezone=PARIS)),
    ("workflows/relances.py:relances", "relances", Cron("0 6 * * *", timezone=PARIS)),
    ("workflows/digest.py:daily_digest", "recapitulatif-quotidien", Cron("0 7 * * *", timezone=PARIS)),
    ("workflows/keys.py:key_expiry_reminders", "expiration-cles", Cron("30 6 * * *", timezone=PARIS)),
]


def deploy(pool: str, *, paused: bool = False) -> list[str]:
    from prefect import flow

    ids = []
    for entrypoint, name, schedule in FLOWS:
        remote = flow.from_source(source=str(ROOT), entrypoint=entrypoint)
        ids.append(
            str(remote.deploy(name=name, work_pool_name=pool, schedule=schedule, paused=paused, print_next_steps=False))
        )
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description="Déclare les traitements planifiés sur un serveur Prefect.")
    parser.add_argument("--pool", default="portail", help="work pool (type process) des workers")
    parser.add_argument("--paused", action="store_true", help="déclarer sans activer les planifications")
    args = parser.parse_args()
    for deployment_id in deploy(args.pool, paused=args.paused):
        print(deployment_id)


if __name__ == "__main__":
    main()
