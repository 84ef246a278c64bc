"""Small checks shared by the accounts' use cases."""

from __future__ import annotations

from accounts.actors import Actor
from common.errors import Forbidden, NotFound
from rules.actions import Droit, Role


def require_user(actor: Actor) -> None:
    if actor.user_id is None:
        raise Forbidden("Action réservée à un utilisateur connecté (et non à une clé d'authentification).")


def is_admin_of(actor: Actor, etablissement_id: int) -> bool:
    """The actor administers the users of this établissement (role and ticked right)."""
    grant = actor.grants.get(etablissement_id)
    return grant is not None and grant.role is Role.ADMIN_OF and Droit.GERER_UTILISATEURS in grant.droits


def see_or_404(actor: Actor, etablissement_id: int) -> None:
    if actor.is_opco or etablissement_id not in actor.grants:
        # The OPCO manages habilitations in the back-office, not through the OF's pages.
        raise NotFound("Établissement introuvable.")
