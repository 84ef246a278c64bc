"""Who is acting: a user (through a session or the admin), an API key, or a scheduled flow.

Services and selectors take an :class:`Actor`, never a request. Its scope (the
établissements it may see) is computed once, when the actor is built.

:class:`ActorCache` keeps, per signed-in user and per API key, what building an actor reads from the
database (the user, their habilitations, the key), so that a request needs no login query. Every
entry carries version stamps — one for all actors, one for its user or key — read before the
database is; any change to a user, a habilitation, a key or an établissement draws new stamps (at
once and again after the commit), so a stale entry is never used. It is on when
``PORTAIL["ACTOR_CACHE_SECONDS"]`` > 0 (by default with a shared cache, see ``config/settings.py``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from accounts.models import ApiKey, Etablissement, Habilitation, User
from rules.actions import Droit, Role


class Channel(StrEnum):
    PORTAIL = "portail"
    API = "api"
    ADMIN = "admin"
    FLOW = "flow"
    COMMANDE = "commande"
    NORME = "norme"  # the inter-OPCO « API CFA » norm (/api/cfa), spoken by the CFA's software

    @property
    def label(self) -> str:
        return {
            "portail": "Portail web",
            "api": "API",
            "admin": "Back-office",
            "flow": "Traitement planifié",
            "commande": "Commande",
            "norme": "API CFA (norme inter-OPCO)",
        }[self.value]


@dataclass(frozen=True)
class Grant:
    role: Role
    droits: frozenset[Droit]
    principal: bool = False


@dataclass(frozen=True)
class Actor:
    label: str
    channel: Channel
    user_id: int | None = None
    api_key_id: int | None = None
    is_opco: bool = False
    # établissement id -> what this actor may do there
    grants: dict[int, Grant] = field(default_factory=dict)
    # The calling software, when it names itself (the norm's EDITEUR/LOGICIEL/VERSION headers):
    # written into the details of every journal entry this actor causes.
    client: dict[str, str] = field(default_factory=dict)

    # Factories
    @classmethod
    def for_user(cls, user: User, *, channel: Channel = Channel.API) -> Actor:
        if not user.is_active:
            return cls(label=user.email, channel=channel, user_id=user.pk)
        grants = user_grants(user)
        return cls(
            label=user.email,
            channel=channel,
            user_id=user.pk,
            is_opco=user.is_opco_gestionnaire or user.is_superuser,
            grants=grants,
        )

    @classmethod
    def for_api_key(cls, key: ApiKey) -> Actor:
        # A key acts as its SIRET's software, with the rights chosen when it was generated (a subset of a
        # gestionnaire OF's, never beyond the generating administrator's): nothing more.
        grant = Grant(Role.GESTIONNAIRE_OF, key.droits_set)
        return cls(
            label=f"Clé API {key.prefix}… ({key.etablissement.siret})",
            channel=Channel.API,
            api_key_id=key.pk,
            grants={key.etablissement_id: grant},
        )

    @classmethod
    def system(cls, label: str, *, channel: Channel = Channel.FLOW) -> Actor:
        """The OPCO's own scheduled processes: they see every tenant."""
        return cls(label=label, channel=channel, is_opco=True)

    # Queries
    @property
    def etablissement_ids(self) -> frozenset[int]:
        return frozenset(self.grants)

    def role_on(self, etablissement_id: int) -> Role | None:
        if self.is_opco:
            return Role.OPCO
        grant = self.grants.get(etablissement_id)
        return grant.role if grant else None

    def droits_on(self, etablissement_id: int) -> frozenset[Droit]:
        grant = self.grants.get(etablissement_id)
        return grant.droits if grant else frozenset()

    def can_see(self, etablissement_id: int) -> bool:
        return self.is_opco or etablissement_id in self.grants


# --- Habilitations of a user, read once -------------------------------------------------------------

GRANTS_ATTR = "_portail_grants"  # set on a User instance by the actor cache (with its établissements)
ETABLISSEMENTS_ATTR = "_portail_etablissements"


@dataclass(frozen=True)
class EtablissementCourt:
    id: int
    raison_sociale: str
    siret: str


def _load_grants(user: User) -> tuple[dict[int, Grant], tuple[EtablissementCourt, ...]]:
    grants, etabs = {}, []
    rows = Habilitation.objects.filter(user=user, etablissement__actif=True).select_related("etablissement")
    for h in rows:
        grants[h.etablissement_id] = Grant(Role(h.role), h.droits, h.principal)
        etabs.append(EtablissementCourt(h.etablissement_id, h.etablissement.raison_sociale, h.etablissement.siret))
    etabs.sort(key=lambda e: (e.raison_sociale, e.siret))
    return grants, tuple(etabs)


def attach_grants(user: User) -> None:
    """Read the user's habilitations once and keep them on this instance (the actor cache's entry)."""
    grants, etabs = _load_grants(user)
    setattr(user, GRANTS_ATTR, grants)
    setattr(user, ETABLISSEMENTS_ATTR, etabs)


def user_grants(user: User) -> dict[int, Grant]:
    """The user's habilitations on active établissements (one query, unless the actor cache brought them)."""
    grants = getattr(user, GRANTS_ATTR, None)
    return grants if grants is not None else _load_grants(user)[0]


def user_etablissements(user: User) -> tuple[EtablissementCourt, ...]:
    """The active établissements of the user's habilitations, by raison sociale (the portal's picker)."""
    etabs = getattr(user, ETABLISSEMENTS_ATTR, None)
    return etabs if etabs is not None else _load_grants(user)[1]


# --- The actor cache -----------------------------------------------------------------------------------

_ALL = "actors:v"


def actor_cache_seconds() -> int:
    return int(getattr(settings, "PORTAIL", {}).get("ACTOR_CACHE_SECONDS", 0) or 0)


class ActorCache:
    """Entries stamped with the versions read *before* the database: valid only while both stamps hold."""

    @staticmethod
    def _keys(scope: str) -> tuple[str, str, str]:
        return _ALL, f"actors:v:{scope}", f"actors:e:{scope}"

    @classmethod
    def get(cls, scope: str) -> tuple[Any, tuple | None]:
        """``(value or None, stamp)``; ``stamp`` is None when the cache is off."""
        if actor_cache_seconds() <= 0:
            return None, None
        all_key, own_key, entry_key = cls._keys(scope)
        got = cache.get_many([all_key, own_key, entry_key])
        if all_key not in got or own_key not in got:
            for key in (all_key, own_key):
                if key not in got:
                    cache.add(key, secrets.token_hex(8), None)
            got = cache.get_many([all_key, own_key])
            if all_key not in got or own_key not in got:
                return None, None  # the cache keeps nothing: work without it
            return None, (got[all_key], got[own_key])
        stamp = (got[all_key], got[own_key])
        entry = got.get(entry_key)
        if entry is not None and entry[0] == stamp:
            return entry[1], stamp
        return None, stamp

    @classmethod
    def put(cls, scope: str, stamp: tuple | None, value: Any) -> None:
        if stamp is not None:
            cache.set(cls._keys(scope)[2], (stamp, value), actor_cache_seconds())

    @classmethod
    def invalidate(cls, scope: str | None = None) -> None:
        """New stamps for ``scope`` (``None``: every actor), now and once the transaction commits."""
        key = _ALL if scope is None else cls._keys(scope)[1]

        def bump() -> None:
            cache.set(key, secrets.token_hex(8), None)

        bump()
        transaction.on_commit(bump)


def user_scope(user_id: int | str) -> str:
    return f"user:{user_id}"


def key_scope(key_hash: str) -> str:
    return f"key:{key_hash}"


def invalidate_user(user_id: int) -> None:
    ActorCache.invalidate(user_scope(user_id))


def invalidate_key(key_hash: str) -> None:
    ActorCache.invalidate(key_scope(key_hash))


def invalidate_all_actors() -> None:
    ActorCache.invalidate(None)


def _on_user(sender, instance: User, **kwargs) -> None:
    invalidate_user(instance.pk)


def _on_habilitation(sender, instance: Habilitation, **kwargs) -> None:
    invalidate_user(instance.user_id)


def _on_key(sender, instance: ApiKey, **kwargs) -> None:
    if kwargs.get("update_fields") == frozenset({"last_used_at"}):
        return
    invalidate_key(instance.key_hash)


def _on_etablissement(sender, instance: Etablissement, **kwargs) -> None:
    invalidate_all_actors()


def connect_invalidation() -> None:
    """Any saved or deleted user, habilitation, key or établissement invalidates the actors it makes
    (``QuerySet.update`` sends no signal: the services that use it invalidate themselves)."""
    from django.db.models.signals import post_delete, post_save

    for model, receiver in (
        (User, _on_user),
        (Habilitation, _on_habilitation),
        (ApiKey, _on_key),
        (Etablissement, _on_etablissement),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"actors-{model.__name__}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"actors-{model.__name__}-delete")
