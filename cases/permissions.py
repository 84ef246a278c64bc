"""Small named checks on top of :mod:`rules.actions`, for one actor and one object."""

from __future__ import annotations

from accounts.actors import Actor
from cases.models import Dossier, Facture
from common.errors import Conflict, Forbidden
from rules.actions import Action, Droit, dossier_actions, facture_actions
from rules.lifecycles import EtatDossier, EtatFacture


def actions_on_dossier(actor: Actor, dossier: Dossier) -> frozenset[str]:
    role = actor.role_on(dossier.of_etablissement_id)
    if role is None:
        return frozenset()
    return dossier_actions(
        dispositif=dossier.dispositif,
        etat=dossier.etat,
        subroge=dossier.subroge,
        role=role,
        droits=None if actor.is_opco else actor.droits_on(dossier.of_etablissement_id),
    )


def actions_on_facture(actor: Actor, facture: Facture) -> frozenset[str]:
    role = actor.role_on(facture.emetteur_id)
    if role is None:
        return frozenset()
    return facture_actions(
        etat=facture.etat, role=role, droits=None if actor.is_opco else actor.droits_on(facture.emetteur_id)
    )


def _could_ever(actor: Actor, dossier: Dossier, action: str) -> bool:
    """Whether the actor's role could take ``action`` on this dossier in *some* state."""
    role = actor.role_on(dossier.of_etablissement_id)
    droits = None if actor.is_opco else actor.droits_on(dossier.of_etablissement_id)
    return any(
        action in dossier_actions(dispositif=dossier.dispositif, etat=etat, subroge=True, role=role, droits=droits)
        for etat in EtatDossier
    )


def ensure_dossier_action(actor: Actor, dossier: Dossier, action: str) -> None:
    """403 when the role never may, 409 when the state does not allow it now."""
    if action in actions_on_dossier(actor, dossier):
        return
    if _could_ever(actor, dossier, action):
        raise Conflict(_state_message(dossier, action))
    raise Forbidden("Vous n'avez pas les droits nécessaires pour effectuer cette action sur ce dossier.")


def ensure_facture_action(actor: Actor, facture: Facture, action: str) -> None:
    if action in actions_on_facture(actor, facture):
        return
    role = actor.role_on(facture.emetteur_id)
    droits = None if actor.is_opco else actor.droits_on(facture.emetteur_id)
    if any(action in facture_actions(etat=e, role=role, droits=droits) for e in EtatFacture):
        raise Conflict(
            f"Action impossible : la facture {facture.numero} est à l'état « {EtatFacture(facture.etat).label} »."
        )
    raise Forbidden("Vous n'avez pas les droits nécessaires pour effectuer cette action sur cette facture.")


def _state_message(dossier: Dossier, action: str) -> str:
    etat = EtatDossier(dossier.etat).label
    if action == Action.DEPOSER_FACTURE and not dossier.subroge:
        return f"Le dossier {dossier.reference} n'est pas subrogé : aucune facture ne peut y être déposée."
    return f"Action impossible : le dossier {dossier.reference} est à l'état « {etat} »."


def has_droit(actor: Actor, etablissement_id: int, droit: Droit) -> bool:
    return actor.is_opco or droit in actor.droits_on(etablissement_id)
