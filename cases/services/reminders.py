"""Reminders to the administrators of a SIRET that its API key expires in 30 and in 7 days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import ApiKey, Habilitation
from cases.models import RappelCle
from rules.actions import Role

PALIERS = (30, 7)


@dataclass
class ReminderReport:
    cles: int = 0
    courriels: int = 0


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def api_key_reminders_send(*, today: date, now) -> ReminderReport:
    report = ReminderReport()
    connection = get_connection()
    horizon = _end_of(today + timedelta(days=max(PALIERS)))
    keys = (
        ApiKey.objects.active(now)
        .filter(expires_at__lte=horizon)
        .select_related("etablissement")
        .prefetch_related("rappels")
        .order_by("expires_at")
    )
    for key in keys.iterator(chunk_size=500):
        days_left = (timezone.localdate(key.expires_at) - today).days
        due = [p for p in PALIERS if days_left <= p]
        done = {r.palier for r in key.rappels.all()}
        if not due or min(due) in done:
            continue
        admins = list(
            Habilitation.objects.filter(
                etablissement_id=key.etablissement_id, role=Role.ADMIN_OF, gerer_cles=True, user__is_active=True
            ).select_related("user")
        )
        try:
            with transaction.atomic():
                # The larger thresholds passed unnoticed (e.g. flows stopped) are settled by this one.
                for p in due:
                    if p not in done:
                        RappelCle.objects.create(api_key=key, palier=p, destinataires=len(admins), sent_at=now)
        except IntegrityError:
            continue  # another run sent it
        if admins:
            try:
                # One message to every administrator: sent whole or not at all, so that the claim above
                # is given back exactly when nobody got it (never a reminder twice, never one lost).
                connection.send_messages([_message([h.user for h in admins], key, days_left)])
            except Exception:
                RappelCle.objects.filter(api_key=key, sent_at=now).delete()
                raise
        report.cles += 1
        report.courriels += len(admins)
    return report


def _message(users, key: ApiKey, days_left: int) -> EmailMultiAlternatives:
    context = {
        "users": users,
        "etablissement": key.etablissement,
        "prefix": key.prefix,
        "expires": timezone.localdate(key.expires_at),
        "days_left": days_left,
        "url": settings.PORTAIL["BASE_URL"].rstrip("/") + settings.PORTAIL["HABILITATIONS_PATH"],
    }
    subject = f"Portail OF — votre clé d'authentification expire dans {days_left} jour{'s' if days_left > 1 else ''}"
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string("emails/cle_expiration.txt", context), to=[u.email for u in users]
    )
    message.attach_alternative(render_to_string("emails/cle_expiration.html", context), "text/html")
    return message
