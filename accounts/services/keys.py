"""Clés d'authentification: one active key per SIRET (365 days), generated and revoked by the
SIRET's administrators, checked on every call of the OF's software."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import F

from accounts.actors import Actor
from accounts.models import ApiKey, Etablissement
from accounts.services._common import require_user, see_or_404
from common.errors import Conflict, DomainError, Forbidden, NotFound
from rules.actions import Droit

# A key's last use is written at most this often (one UPDATE per key and period, not per call).
LAST_USED_RESOLUTION = timedelta(minutes=5)


class ApiKeyRefused(DomainError):
    """The X-API-KEY of a call is unknown, revoked or expired (the norm's 403 CLE_…)."""

    status = 403

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _require_gerer_cles(actor: Actor, etablissement_id: int) -> None:
    see_or_404(actor, etablissement_id)
    if Droit.GERER_CLES not in actor.droits_on(etablissement_id):
        raise Forbidden("Seul un administrateur disposant du droit « Gérer les clés d'authentification » le peut.")


def api_key_list(*, actor: Actor, etablissement_id: int) -> list[ApiKey]:
    """Every key of one SIRET (the active one first), with their expiry and revocation."""
    _require_gerer_cles(actor, etablissement_id)
    return list(
        ApiKey.objects.filter(etablissement_id=etablissement_id)
        .select_related("etablissement")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def api_key_generate(*, actor: Actor, etablissement_id: int, now) -> tuple[ApiKey, str]:
    """A new key for the SIRET, valid 365 days; the previous one is revoked. The clear key is returned once."""
    require_user(actor)
    _require_gerer_cles(actor, etablissement_id)
    with transaction.atomic():
        etablissement = Etablissement.objects.select_for_update().get(pk=etablissement_id)
        ApiKey.objects.filter(etablissement_id=etablissement_id, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.user_id
        )
        key, raw = ApiKey.build(etablissement=etablissement, created_by=None, now=now)
        key.created_by_id = actor.user_id
        key.save()
    return key, raw


def api_key_revoke(*, actor: Actor, key_id: int, now) -> ApiKey:
    require_user(actor)
    try:
        key = ApiKey.objects.select_related("etablissement").get(pk=key_id)
    except ApiKey.DoesNotExist:
        raise NotFound("Clé introuvable.") from None
    if actor.is_opco or key.etablissement_id not in actor.grants:
        raise NotFound("Clé introuvable.")
    _require_gerer_cles(actor, key.etablissement_id)
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.user_id
        )
        if not updated:
            raise Conflict("Cette clé est déjà révoquée.")
    key.refresh_from_db()
    return key


def api_key_authenticate(raw: str, now) -> ApiKey:
    """The key behind an X-API-KEY header, or :class:`ApiKeyRefused` (unknown, revoked, expired)."""
    if not raw or len(raw) > 200:
        raise ApiKeyRefused("CLE_INVALIDE", "Clé d'authentification invalide.")
    try:
        key = ApiKey.objects.select_related("etablissement").get(key_hash=ApiKey.hash_of(raw.strip()))
    except ApiKey.DoesNotExist:
        raise ApiKeyRefused("CLE_INVALIDE", "Clé d'authentification invalide.") from None
    if key.revoked_at is not None:
        raise ApiKeyRefused(
            "CLE_REVOQUEE", f"Cette clé d'authentification a été révoquée le {key.revoked_at:%d/%m/%Y}."
        )
    if key.expires_at <= now:
        raise ApiKeyRefused(
            "CLE_EXPIREE",
            f"Cette clé d'authentification a expiré le {key.expires_at:%d/%m/%Y} : "
            "un administrateur de l'établissement doit en générer une nouvelle.",
        )
    if not key.etablissement.actif:
        raise ApiKeyRefused("CLE_INVALIDE", "L'établissement de cette clé n'est plus actif.")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
