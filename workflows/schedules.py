"""Every schedule of the product, as Prefect deployments (served in-process or by workers)."""

from __future__ import annotations

from prefect.schedules import Cron, Interval

from workflows.bootstrap import PARIS
from workflows.courriers import issue_courriers
from workflows.digest import daily_digest
from workflows.keys import key_expiry_reminders
from workflows.relances import relances


def deployments():
    return [
        issue_courriers.to_deployment(name="courriers", schedule=Interval(30, timezone=PARIS)),
        relances.to_deployment(name="relances", schedule=Cron("0 6 * * *", timezone=PARIS)),
        daily_digest.to_deployment(name="recapitulatif-quotidien", schedule=Cron("0 7 * * *", timezone=PARIS)),
        key_expiry_reminders.to_deployment(name="expiration-cles", schedule=Cron("30 6 * * *", timezone=PARIS)),
    ]
