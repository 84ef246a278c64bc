"""The user's notifications: mark one / all as read, delete one / all (soft delete: ``deleted_at``).

Each acts only on the actor's own notifications (another user's is a 404); « tout » is bounded by
the établissement the user is looking at, like the list it is clicked from.
"""

from __future__ import annotations

from accounts.actors import Actor
from cases.models import Notification
from cases.selectors import notifications_of, notifications_scope
from common.errors import NotFound


def _one(actor: Actor, notification_id: int):
    qs = notifications_of(actor).filter(pk=notification_id)
    if not qs.exists():
        raise NotFound("Notification introuvable.")
    return Notification.objects.filter(pk=notification_id)


def notification_mark_read(*, actor: Actor, notification_id: int, now) -> None:
    _one(actor, notification_id).filter(read_at__isnull=True).update(read_at=now)


def notifications_mark_all_read(*, actor: Actor, etablissement_id: int | None, now) -> int:
    """« Tout marquer comme lu »: how many notifications were unread."""
    scope = notifications_scope(actor=actor, etablissement_id=etablissement_id).filter(read_at__isnull=True)
    return Notification.objects.filter(pk__in=scope.values("pk")).update(read_at=now)


def notification_delete(*, actor: Actor, notification_id: int, now) -> None:
    _one(actor, notification_id).update(deleted_at=now)


def notifications_delete_all(*, actor: Actor, etablissement_id: int | None, now) -> int:
    """« Tout supprimer »: how many notifications were deleted."""
    scope = notifications_scope(actor=actor, etablissement_id=etablissement_id)
    return Notification.objects.filter(pk__in=scope.values("pk")).update(deleted_at=now)
