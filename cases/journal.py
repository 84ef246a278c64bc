"""The journal as a reader sees it: the labels of transitions, states and channels, and who acted —
to an OF, the OPCO's gestionnaires are named by their organisation, never by their own name.

Both interfaces (the API's « historique », the portal's timeline) present entries from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from accounts.actors import Channel
from cases.models import TransitionLog
from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    ETAT_DOSSIER_LABELS,
    ETAT_FACTURE_LABELS,
    FACTURE_LIFECYCLE,
    Dispositif,
)

# Journal entries that create their object (no transition of a lifecycle table).
CREATION_LABELS = {
    "creer_brouillon": "Création du brouillon",
    "enregistrer": "Enregistrement du dossier",
    "deposer_avenant": "Dépôt de l'avenant",
    "deposer": "Dépôt de la facture",
}
# Journal entries of the échéancier: no change of the dossier's state, the amounts of its échéances move.
ECHEANCIER_LABELS = {
    "calculer_echeancier": "Calcul de l'échéancier",
    "facturer_echeance": "Facture déposée sur l'échéancier",
    "liberer_echeance": "Facture rejetée : échéance libérée",
    "regler_echeance": "Règlement d'échéance",
}


@dataclass(frozen=True)
class JournalEntry:
    date: datetime
    transition: str
    libelle: str
    de: str
    de_libelle: str
    vers: str
    vers_libelle: str
    acteur: str
    canal: str
    canal_libelle: str
    motif: str
    details: dict


def transition_label(dispositif: str | None, name: str) -> str:
    """A dossier transition of ``dispositif``'s lifecycle, or a facture transition when ``None``."""
    if name in CREATION_LABELS:
        return CREATION_LABELS[name]
    if name in ECHEANCIER_LABELS:
        return ECHEANCIER_LABELS[name]
    transitions = DOSSIER_LIFECYCLES[Dispositif(dispositif)] if dispositif else FACTURE_LIFECYCLE
    return next((t.label for t in transitions if t.name == name), name)


def _channel_label(code: str) -> str:
    try:
        return Channel(code).label
    except ValueError:
        return code


def journal_entries(
    logs: Iterable[TransitionLog], *, dispositif: str | None, viewer_is_opco: bool
) -> list[JournalEntry]:
    """The entries in the order given (``actor_user`` selected with the logs)."""
    labels = ETAT_DOSSIER_LABELS if dispositif else ETAT_FACTURE_LABELS
    opco = getattr(settings, "PORTAIL_OPCO_NAME", "") or "OPCO"
    entries = []
    for log in logs:
        acteur = log.actor_label
        if not viewer_is_opco and log.actor_user_id and log.actor_user and log.actor_user.is_opco_gestionnaire:
            acteur = opco
        entries.append(
            JournalEntry(
                date=log.created_at,
                transition=log.transition,
                libelle=transition_label(dispositif, log.transition),
                de=log.source,
                de_libelle=labels.get(log.source, log.source) if log.source else "",
                vers=log.target,
                vers_libelle=labels.get(log.target, log.target),
                acteur=acteur,
                canal=log.channel,
                canal_libelle=_channel_label(log.channel),
                motif=log.reason,
                details=log.details or {},
            )
        )
    return entries
