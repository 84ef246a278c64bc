"""Who is acting: a user (through a session or the admin), an API key, or a scheduled flow.

Services and selectors take an :class:`Actor`, never a request. Its scope (the
établissements it may see) is computed once, when the actor is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from accounts.models import ApiKey, Habilitation, User
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
        grants = {
            h.etablissement_id: Grant(Role(h.role), h.droits, h.principal)
            for h in Habilitation.objects.filter(user=user, etablissement__actif=True)
        }
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
