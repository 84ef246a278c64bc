"""What an actor may do on a dossier or a facture, from its state and its subrogation.

One function per object kind answers for any role. The API's ``actions`` field, its
refusals and the admin's buttons all come from here; the lifecycle tables of
:mod:`rules.lifecycles` give the OPCO's transitions.
"""

from __future__ import annotations

from enum import StrEnum

from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    FACTURE_EN_INSTRUCTION,
    FACTURE_LIFECYCLE,
    Actor,
    Dispositif,
    EtatDossier,
    dossier_transitions_from,
    facture_transitions_from,
)


class Role(StrEnum):
    ADMIN_OF = "admin_of"
    GESTIONNAIRE_OF = "gestionnaire_of"
    OPCO = "gestionnaire_opco"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.ADMIN_OF: "Administrateur OF",
    Role.GESTIONNAIRE_OF: "Gestionnaire OF",
    Role.OPCO: "Gestionnaire OPCO",
}


class Droit(StrEnum):
    """The rights an OF administrator ticks for each habilitation."""

    SAISIR_CONTRATS = "saisir_contrats"
    DEPOSER_PIECES = "deposer_pieces"
    DEPOSER_FACTURES = "deposer_factures"
    CONSULTER_REGLEMENTS = "consulter_reglements"
    GERER_UTILISATEURS = "gerer_utilisateurs"
    GERER_CLES = "gerer_cles"

    @property
    def label(self) -> str:
        return DROIT_LABELS[self]


DROIT_LABELS = {
    Droit.SAISIR_CONTRATS: "Saisir des contrats d'apprentissage",
    Droit.DEPOSER_PIECES: "Ajouter des pièces jointes",
    Droit.DEPOSER_FACTURES: "Déposer des factures",
    Droit.CONSULTER_REGLEMENTS: "Consulter les règlements",
    Droit.GERER_UTILISATEURS: "Gérer les utilisateurs",
    Droit.GERER_CLES: "Gérer les clés d'authentification",
}

DEFAULT_DROITS: dict[Role, frozenset[Droit]] = {
    Role.ADMIN_OF: frozenset(Droit),
    Role.GESTIONNAIRE_OF: frozenset(
        {Droit.SAISIR_CONTRATS, Droit.DEPOSER_PIECES, Droit.DEPOSER_FACTURES, Droit.CONSULTER_REGLEMENTS}
    ),
    Role.OPCO: frozenset(),
}
# Rights that only an administrator may hold.
ADMIN_ONLY_DROITS = frozenset({Droit.GERER_UTILISATEURS, Droit.GERER_CLES})


class Action(StrEnum):
    """Actions that are not transitions (transitions are named by their lifecycle name)."""

    AFFICHER = "afficher"
    AJOUTER_PIECE = "ajouter_piece"
    CREER_AVENANT = "creer_avenant"
    DEPOSER_FACTURE = "deposer_facture"
    DECLARER_RUPTURE = "declarer_rupture"
    MODIFIER_BROUILLON = "modifier_brouillon"
    SUPPRIMER_BROUILLON = "supprimer_brouillon"
    TRANSMETTRE = "transmettre"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.AFFICHER: "Afficher",
    Action.AJOUTER_PIECE: "Ajouter une pièce jointe",
    Action.CREER_AVENANT: "Créer un avenant",
    Action.DEPOSER_FACTURE: "Déposer votre facture",
    Action.DECLARER_RUPTURE: "Déclarer une rupture de contrat",
    Action.MODIFIER_BROUILLON: "Modifier le brouillon",
    Action.SUPPRIMER_BROUILLON: "Supprimer le brouillon",
    Action.TRANSMETTRE: "Transmettre",
}

E = EtatDossier
# The guide: invoices only on subrogated dossiers that are accordé or en cours de traitement; an
# apprenticeship contract's échéancier is also invoiced while its avenant is instructed (its échéances
# stay on this version until the avenant's accord) and after a rupture (the balance at its date).
FACTURABLE = frozenset({E.ACCORDE, E.EN_COURS, E.AVENANT_EN_COURS, E.RUPTURE})
PIECES_ACCEPTEES = frozenset({E.TRANSMIS, E.EN_COURS, E.EN_ATTENTE_PIECES, E.ACCORDE, E.AVENANT_EN_COURS, E.RUPTURE})
OF_ROLES = frozenset({Role.ADMIN_OF, Role.GESTIONNAIRE_OF})


def dossier_actions(
    *,
    dispositif: str,
    etat: str,
    subroge: bool,
    role: Role,
    droits: frozenset[Droit] | None = None,
) -> frozenset[str]:
    """Every action ``role`` may take on a dossier of ``dispositif`` in ``etat``."""
    dispositif = Dispositif(dispositif)
    etat = E(etat)
    if droits is None:
        droits = DEFAULT_DROITS[role]
    actions: set[str] = {Action.AFFICHER}

    if role is Role.OPCO:
        actions.update(t.name for t in dossier_transitions_from(dispositif, etat) if t.actor is Actor.OPCO)
        return frozenset(actions)

    apprentissage = dispositif is Dispositif.APPRENTISSAGE
    if apprentissage and etat is E.BROUILLON and Droit.SAISIR_CONTRATS in droits:
        actions.update({Action.MODIFIER_BROUILLON, Action.SUPPRIMER_BROUILLON, Action.TRANSMETTRE})
    if etat in PIECES_ACCEPTEES and Droit.DEPOSER_PIECES in droits:
        actions.add(Action.AJOUTER_PIECE)
    if subroge and etat in FACTURABLE and Droit.DEPOSER_FACTURES in droits:
        actions.add(Action.DEPOSER_FACTURE)
    if apprentissage and etat is E.ACCORDE and Droit.SAISIR_CONTRATS in droits:
        actions.update({Action.CREER_AVENANT, Action.DECLARER_RUPTURE})
    return frozenset(actions)


class ActionFacture(StrEnum):
    AFFICHER = "afficher"
    AJOUTER_PIECE = "ajouter_piece"

    @property
    def label(self) -> str:
        return {"afficher": "Afficher votre facture", "ajouter_piece": "Déposer une pièce complémentaire à la facture"}[
            self.value
        ]


# "payer" happens only through the creation of a règlement, never as a button on one facture.
_FACTURE_DIRECT_TRANSITIONS = frozenset(t.name for t in FACTURE_LIFECYCLE if t.name != "payer")


def facture_actions(*, etat: str, role: Role, droits: frozenset[Droit] | None = None) -> frozenset[str]:
    if droits is None:
        droits = DEFAULT_DROITS[role]
    actions: set[str] = {ActionFacture.AFFICHER}
    if role is Role.OPCO:
        actions.update(t.name for t in facture_transitions_from(etat) if t.name in _FACTURE_DIRECT_TRANSITIONS)
        return frozenset(actions)
    if etat in FACTURE_EN_INSTRUCTION and Droit.DEPOSER_FACTURES in droits:
        actions.add(ActionFacture.AJOUTER_PIECE)
    return frozenset(actions)


def action_label(dispositif: str, code: str) -> str:
    """French label of an action code (a non-transition action or a transition name)."""
    try:
        return Action(code).label
    except ValueError:
        pass
    for t in DOSSIER_LIFECYCLES[Dispositif(dispositif)]:
        if t.name == code:
            return t.label
    return code


def facture_action_label(code: str) -> str:
    try:
        return ActionFacture(code).label
    except ValueError:
        pass
    for t in FACTURE_LIFECYCLE:
        if t.name == code:
            return t.label
    return code
