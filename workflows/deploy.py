"""Declare the product's flows on a Prefect server, for workers on other machines.

Creates the work pool (type ``process``) when it does not exist — rerunning is harmless — then
registers the four deployments with their schedules. The deployments name their flows by module
path (``workflows.courriers.issue_courriers``): a worker runs them from the installed package
(``pip install portail-of`` or this repository), wherever it lives, with its own settings
(``DATABASE_URL``, shared file storage, ``PORTAIL_UNOSERVER_PORT`` for its converter…). Usage:

    PREFECT_API_URL=http://prefect:4200/api python -m workflows.deploy --pool portail
    prefect worker start --pool portail            # on each worker machine
"""

from __future__ import annotations

import argparse

import workflows  # noqa: F401 — sets Django up


def ensure_work_pool(name: str) -> bool:
    """Create the process work pool ``name`` unless it exists; ``True`` when it was created."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            pass
        try:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name,
                    type="process",
                    description="Workers du Portail OF (courriers, relances, récapitulatif, clés)",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
        except ObjectAlreadyExists:  # created meanwhile by another deploy
            return False
        return True


def deploy(pool: str, *, paused: bool = False, only: list[str] | None = None) -> list[str]:
    from prefect import deploy as prefect_deploy

    from workflows.schedules import deployments

    ensure_work_pool(pool)
    planned = deployments(only)
    for deployment in planned:
        deployment.paused = paused
    ids = prefect_deploy(
        *planned, work_pool_name=pool, build=False, push=False, print_next_steps_message=False, ignore_warnings=True
    )
    return [str(i) for i in ids]


def main(argv: list[str] | None = None) -> None:
    from workflows.schedules import NAMES

    parser = argparse.ArgumentParser(description="Déclare les traitements planifiés sur un serveur Prefect.")
    parser.add_argument("--pool", default="portail", help="work pool (type process) des workers ; créé s'il manque")
    parser.add_argument("--paused", action="store_true", help="déclarer sans activer les planifications")
    parser.add_argument("--only", action="append", choices=NAMES, help="ne déclarer que ce traitement (répétable)")
    args = parser.parse_args(argv)
    for deployment_id in deploy(args.pool, paused=args.paused, only=args.only):
        print(deployment_id)


if __name__ == "__main__":
    main()
