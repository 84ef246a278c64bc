"""Alerts to the operators (``PORTAIL_OPS_EMAILS``): a scheduled run failed, or the courrier outbox
stopped draining. Each alert is recorded under a unique key before it is sent, so that it goes out
once (per failed run, per hour of backlog) even when several processes notice the same trouble."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import AlerteExploitation
from cases.services.courriers import courriers_backlog

logger = logging.getLogger(__name__)
SUBJECT_PREFIX = "[Portail OF — exploitation] "


def ops_recipients() -> list[str]:
    return [e for e in getattr(settings, "PORTAIL_OPS_EMAILS", []) if e]


def ops_alert_send(*, cle: str, sujet: str, message: str, now) -> bool:
    """Send one alert to the operators, once per ``cle``; ``False`` when already sent or nobody to tell."""
    recipients = ops_recipients()
    if not recipients:
        logger.warning("Alerte non envoyée (PORTAIL_OPS_EMAILS est vide) : %s", sujet)
        return False
    try:
        with transaction.atomic():
            alerte = AlerteExploitation.objects.create(
                cle=cle[:200], sujet=sujet[:250], message=message, destinataires=len(recipients), sent_at=now
            )
    except IntegrityError:
        return False
    try:
        EmailMessage(subject=SUBJECT_PREFIX + sujet, body=message, to=recipients).send()
    except Exception:
        alerte.delete()  # not sent: the next occasion tries again
        raise
    return True


def flow_failure_alert(*, flow: str, run_id: str, run_name: str, state: str, message: str, url: str, now) -> bool:
    sujet = f"le traitement « {flow} » a échoué ({run_name})"
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"L'exécution {run_name} du traitement planifié « {flow} » s'est terminée à l'état {state}.",
            f"Cause : {message or 'non précisée'}",
            "",
            f"Journal de l'exécution dans l'interface Prefect : {url}" if url else "",
            "Les éléments non traités restent en file : l'exécution suivante les reprendra.",
            "",
            "Portail OF",
        ]
    )
    return ops_alert_send(cle=f"flow:{run_id}", sujet=sujet, message=body, now=now)


def courriers_backlog_alert(*, now, admin_url: str = "") -> bool:
    """Alert when the oldest requested courrier has waited longer than ``BACKLOG_ALERT_MINUTES`` (once an hour)."""
    limit = timedelta(minutes=settings.PORTAIL_FLOWS["BACKLOG_ALERT_MINUTES"])
    backlog = courriers_backlog()
    if backlog.plus_ancienne_demande is None or now - backlog.plus_ancienne_demande <= limit:
        return False
    waited = int(backlog.age_seconds(now) // 60)
    since = timezone.localtime(backlog.plus_ancienne_demande)
    body = "\n".join(
        [
            "Bonjour,",
            "",
            f"{backlog.en_attente} courrier(s) attendent d'être émis ; le plus ancien a été demandé le "
            f"{since:%d/%m/%Y à %H:%M}, il y a {waited} minutes.",
            f"{backlog.en_echec} courrier(s) sont en échec et attendent d'être remis dans la file.",
            "Vérifiez que les workers Prefect tournent et que le convertisseur PDF répond.",
            f"Courriers dans le back-office : {admin_url}" if admin_url else "",
            "",
            "Portail OF",
        ]
    )
    hour = timezone.localtime(now).strftime("%Y-%m-%dT%H")
    return ops_alert_send(
        cle=f"file-courriers:{hour}",
        sujet=f"{backlog.en_attente} courrier(s) en attente depuis plus de {limit.seconds // 60} minutes",
        message=body,
        now=now,
    )
