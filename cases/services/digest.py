"""The morning e-mail: one per user and day, listing the courriers deposited since the last one.

Never twice for the same day (unique (user, periode), claimed before sending); nothing for
opted-out or inactive users; only courriers of établissements the user is habilitated on today.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string

from accounts.models import Habilitation, User
from cases.models import DigestEnvoi, Notification

# How far back a first digest looks.
FIRST_DIGEST_LOOKBACK = timedelta(days=1)
BATCH_USERS = 1000


@dataclass
class DigestReport:
    utilisateurs: int = 0
    envoyes: int = 0
    courriers: int = 0
    echecs: int = 0


@dataclass(frozen=True)
class DigestLine:
    reference: str
    dispositif: str
    courrier: str
    raison_sociale: str
    siret: str
    stagiaire: str
    date: str
    url: str


def _line(notification: Notification) -> DigestLine:
    courrier = notification.courrier
    dossier = courrier.dossier
    base = settings.PORTAIL["BASE_URL"].rstrip("/")
    if dossier is not None:
        reference, dispositif = dossier.reference, dossier.get_dispositif_display()
        stagiaire = f"{dossier.salarie_prenom} {dossier.salarie_nom}".strip()
        url = f"{base}{settings.PORTAIL['DOSSIER_PATH'].format(id=dossier.pk)}"
    elif courrier.facture_id:
        reference, dispositif, stagiaire = f"Facture {courrier.facture.numero}", "Facture", ""
        url = f"{base}{settings.PORTAIL['FACTURE_PATH'].format(id=courrier.facture_id)}"
    else:
        reference, dispositif, stagiaire = f"Règlement {courrier.reglement.numero}", "Règlement", ""
        url = f"{base}{settings.PORTAIL['REGLEMENT_PATH'].format(id=courrier.reglement_id)}"
    return DigestLine(
        reference=reference,
        dispositif=dispositif,
        courrier=courrier.get_type_display(),
        raison_sociale=courrier.of_etablissement.raison_sociale,
        siret=courrier.of_etablissement.siret,
        stagiaire=stagiaire,
        date=f"{courrier.emis_at or courrier.created_at:%d/%m/%Y}",
        url=url,
    )


def _message(user: User, lines: list[DigestLine], today: date) -> EmailMultiAlternatives:
    context = {"user": user, "lines": lines, "today": today, "base_url": settings.PORTAIL["BASE_URL"]}
    count = len(lines)
    subject = (
        f"Portail OF — {count} nouveau courrier déposé sur vos dossiers"
        if count == 1
        else f"Portail OF — {count} nouveaux courriers déposés sur vos dossiers"
    )
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("emails/digest.txt", context), to=[user.email]
    )
    message.attach_alternative(render_to_string("emails/digest.html", context), "text/html")
    return message


def digest_send_all(*, today: date, cutoff: datetime, now, batch_users: int = BATCH_USERS) -> DigestReport:
    """Send the digest of ``today`` covering notifications created up to ``cutoff``."""
    report = DigestReport()
    users = (
        User.objects.filter(is_active=True, daily_digest=True)
        .exclude(digests__periode=today)
        .annotate(last_borne=Max("digests__borne"))
        .order_by("pk")
        .only("pk", "email", "prenom", "nom")
    )
    last_pk = 0
    connection = get_connection()
    while True:
        batch = list(users.filter(pk__gt=last_pk)[:batch_users])
        if not batch:
            break
        last_pk = batch[-1].pk
        report.utilisateurs += len(batch)
        _send_batch(batch, today=today, cutoff=cutoff, now=now, connection=connection, report=report)
    return report


def _send_batch(batch: list[User], *, today, cutoff, now, connection, report: DigestReport) -> None:
    by_id = {u.pk: u for u in batch}
    starts = {u.pk: u.last_borne or cutoff - FIRST_DIGEST_LOOKBACK for u in batch}
    allowed: dict[int, set[int]] = defaultdict(set)
    for user_id, etab_id in Habilitation.objects.filter(user_id__in=by_id, etablissement__actif=True).values_list(
        "user_id", "etablissement_id"
    ):
        allowed[user_id].add(etab_id)
    notifications = (
        Notification.objects.filter(
            user_id__in=by_id, deleted_at__isnull=True, created_at__gt=min(starts.values()), created_at__lte=cutoff
        )
        .select_related("courrier__dossier", "courrier__facture", "courrier__reglement", "courrier__of_etablissement")
        .order_by("user_id", "created_at", "pk")
    )
    lines: dict[int, list[DigestLine]] = defaultdict(list)
    for notification in notifications.iterator(chunk_size=2000):
        user_id = notification.user_id
        if notification.created_at > starts[user_id] and notification.courrier.of_etablissement_id in allowed[user_id]:
            lines[user_id].append(_line(notification))
    if not lines:
        return
    # Claim first: a rerun, or an overlapping run, finds the day taken and sends nothing.
    with transaction.atomic():
        DigestEnvoi.objects.bulk_create(
            [
                DigestEnvoi(user_id=uid, periode=today, borne=cutoff, nombre=len(ls), sent_at=now)
                for uid, ls in lines.items()
            ],
            ignore_conflicts=True,
        )
    claimed_ids = set(
        DigestEnvoi.objects.filter(periode=today, user_id__in=lines, sent_at=now).values_list("user_id", flat=True)
    )
    messages = [_message(by_id[uid], lines[uid], today) for uid in lines if uid in claimed_ids]
    try:
        sent = connection.send_messages(messages) or 0
    except Exception:
        # Nothing was sent reliably: give the day back so that the next run retries.
        DigestEnvoi.objects.filter(periode=today, user_id__in=claimed_ids, sent_at=now).delete()
        report.echecs += len(messages)
        raise
    report.envoyes += sent
    report.courriers += sum(len(lines[uid]) for uid in claimed_ids)
