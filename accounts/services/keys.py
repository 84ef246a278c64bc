"""Clés d'authentification: one active key per SIRET (365 days), generated and revoked by the
SIRET's administrators, checked on every call of the OF's software."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import F

from accounts.actors import Actor, ActorCache, invalidate_all_actors, invalidate_key, key_scope
from accounts.models import ApiKey, Etablissement
from accounts.services._common import require_user, see_or_404
from common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rules.actions import Droit
from rules.verdicts import Problem

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


def api_key_droits_offered(*, actor: Actor, etablissement_id: int) -> list[Droit]:
    """The rights this administrator may give a key of the SIRET: a gestionnaire's, those she holds there."""
    held = actor.droits_on(etablissement_id)
    return [d for d in Droit if d in ApiKey.KEY_DROITS and d in held]


def _key_droits(actor: Actor, etablissement_id: int, droits: Iterable[str] | None) -> list[Droit]:
    offered = api_key_droits_offered(actor=actor, etablissement_id=etablissement_id)
    if droits is None:
        return offered
    problems, chosen = [], []
    for i, code in enumerate(droits):
        try:
            droit = Droit(code)
        except ValueError:
            known = ", ".join(d.value for d in ApiKey.KEY_DROITS)
            problems.append(
                Problem(f"droits[{i}]", f"Droit inconnu : « {code} » (droits possibles : {known}).", "inconnu")
            )
            continue
        if droit not in ApiKey.KEY_DROITS:
            problems.append(
                Problem(f"droits[{i}]", f"Une clé ne peut pas recevoir le droit « {droit.label} ».", "interdit")
            )
        elif droit not in offered:
            problems.append(
                Problem(
                    f"droits[{i}]",
                    f"Vous n'avez pas vous-même le droit « {droit.label} » sur cet établissement : "
                    "vous ne pouvez pas le donner à une clé.",
                    "interdit",
                )
            )
        elif droit not in chosen:
            chosen.append(droit)
    if problems:
        raise InvalidInput(problems)
    return chosen


def api_key_generate(
    *, actor: Actor, etablissement_id: int, now, droits: Iterable[str] | None = None
) -> tuple[ApiKey, str]:
    """A new key for the SIRET, valid 365 days; the previous one is revoked. The clear key is returned once.

    ``droits``: the rights the key carries, among a gestionnaire's and never beyond the administrator's own
    on the SIRET (``None``: all of those she may give)."""
    require_user(actor)
    _require_gerer_cles(actor, etablissement_id)
    chosen = _key_droits(actor, etablissement_id, droits)
    with transaction.atomic():
        etablissement = Etablissement.objects.select_for_update().get(pk=etablissement_id)
        ApiKey.objects.filter(etablissement_id=etablissement_id, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.user_id
        )
        invalidate_all_actors()  # the revoked keys' cached actors
        key, raw = ApiKey.build(etablissement=etablissement, created_by=None, now=now, droits=chosen)
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
        invalidate_key(key.key_hash)
    key.refresh_from_db()
    return key


def api_key_authenticate(raw: str, now) -> ApiKey:
    """The key behind an X-API-KEY header, or :class:`ApiKeyRefused` (unknown, revoked, expired)."""
    if not raw or len(raw) > 200:
        raise ApiKeyRefused("CLE_INVALIDE", "Clé d'authentification invalide.")
    key_hash = ApiKey.hash_of(raw.strip())
    key, stamp = ActorCache.get(key_scope(key_hash))
    if key is None:
        try:
            key = ApiKey.objects.select_related("etablissement").get(key_hash=key_hash)
        except ApiKey.DoesNotExist:
            raise ApiKeyRefused("CLE_INVALIDE", "Clé d'authentification invalide.") from None
        ActorCache.put(key_scope(key_hash), stamp, key)
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
        ActorCache.put(key_scope(key_hash), stamp, key)
    return key
