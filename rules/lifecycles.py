"""The lifecycles of dossiers (one per dispositif) and of factures, as plain tables.

This module is the single place where states and transitions are declared. The
django-fsm transition methods of ``cases.models`` are generated from these tables,
the action matrix of :mod:`rules.actions` reads them, and ``manage.py
draw_lifecycles`` draws them into ``docs/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dispositif(StrEnum):
    APPRENTISSAGE = "apprentissage"
    PROFESSIONNALISATION = "professionnalisation"
    PRO_A = "pro_a"
    ACTION_FORMATION = "action_formation"

    @property
    def label(self) -> str:
        return DISPOSITIF_LABELS[self]


DISPOSITIF_LABELS = {
    Dispositif.APPRENTISSAGE: "Contrat d'apprentissage",
    Dispositif.PROFESSIONNALISATION: "Contrat de professionnalisation",
    Dispositif.PRO_A: "Pro-A",
    Dispositif.ACTION_FORMATION: "Action de formation",
}

# Deposited by the OF under the employer's mandate; the others are deposited by the
# entreprise on its own portal and registered here by the OPCO.
DEPOSITED_BY_OF = frozenset({Dispositif.APPRENTISSAGE})


class EtatDossier(StrEnum):
    BROUILLON = "brouillon"
    TRANSMIS = "transmis"
    EN_COURS = "en_cours_de_traitement"
    EN_ATTENTE_PIECES = "en_attente_de_pieces"
    ACCORDE = "accorde"
    AVENANT_EN_COURS = "avenant_en_instruction"
    REFUSE = "refuse"
    ANNULE = "annule"
    RUPTURE = "rupture"
    REMPLACE = "remplace"
    SOLDE = "solde"

    @property
    def label(self) -> str:
        return ETAT_DOSSIER_LABELS[self]


ETAT_DOSSIER_LABELS = {
    EtatDossier.BROUILLON: "Brouillon",
    EtatDossier.TRANSMIS: "Transmis",
    EtatDossier.EN_COURS: "En cours de traitement",
    EtatDossier.EN_ATTENTE_PIECES: "En attente de pièces",
    EtatDossier.ACCORDE: "Accordé",
    EtatDossier.AVENANT_EN_COURS: "Avenant en cours d'instruction",
    EtatDossier.REFUSE: "Refusé",
    EtatDossier.ANNULE: "Annulé",
    EtatDossier.RUPTURE: "Rompu",
    EtatDossier.REMPLACE: "Remplacé par avenant",
    EtatDossier.SOLDE: "Soldé",
}


class EtatFacture(StrEnum):
    DEPOSEE = "deposee"
    EN_COURS = "en_cours_de_traitement"
    EN_ATTENTE_PIECES = "en_attente_de_pieces"
    VALIDEE = "validee"
    PAYEE = "payee"
    REJETEE = "rejetee"

    @property
    def label(self) -> str:
        return ETAT_FACTURE_LABELS[self]


ETAT_FACTURE_LABELS = {
    EtatFacture.DEPOSEE: "Déposée",
    EtatFacture.EN_COURS: "En cours de traitement",
    EtatFacture.EN_ATTENTE_PIECES: "En attente de pièces",
    EtatFacture.VALIDEE: "Validée",
    EtatFacture.PAYEE: "Payée",
    EtatFacture.REJETEE: "Rejetée",
}


class Actor(StrEnum):
    """Who may fire a transition."""

    OF = "of"
    OPCO = "opco"


@dataclass(frozen=True, slots=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    actor: Actor
    label: str


def _t(name: str, sources: frozenset[str] | set[str], target: str, actor: Actor, label: str) -> Transition:
    return Transition(name, frozenset(sources), target, actor, label)


E = EtatDossier
# Named source-state groups.
EN_INSTRUCTION = frozenset({E.TRANSMIS, E.EN_COURS, E.EN_ATTENTE_PIECES})
ANNULABLE = EN_INSTRUCTION | {E.ACCORDE}
CLOTURABLE = frozenset({E.ACCORDE, E.RUPTURE})
FINAL_DOSSIER = frozenset({E.REFUSE, E.ANNULE, E.REMPLACE, E.SOLDE})

_INSTRUCTION = (
    _t("prendre_en_charge", {E.TRANSMIS}, E.EN_COURS, Actor.OPCO, "Prendre en charge"),
    _t("demander_pieces", {E.EN_COURS}, E.EN_ATTENTE_PIECES, Actor.OPCO, "Demander des pièces"),
    _t("reprendre_instruction", {E.EN_ATTENTE_PIECES}, E.EN_COURS, Actor.OPCO, "Reprendre l'instruction"),
    _t("accorder", {E.EN_COURS}, E.ACCORDE, Actor.OPCO, "Accorder"),
    _t("refuser", EN_INSTRUCTION, E.REFUSE, Actor.OPCO, "Refuser"),
    _t("annuler", ANNULABLE, E.ANNULE, Actor.OPCO, "Annuler"),
)
_CLOTURE = _t("cloturer", CLOTURABLE, E.SOLDE, Actor.OPCO, "Clôturer (solder)")
# A new version of an accordé dossier is instructed while the previous one stays visible;
# the previous version follows the outcome of its avenant.
_AVENANT = (
    _t("ouvrir_avenant", {E.ACCORDE}, E.AVENANT_EN_COURS, Actor.OF, "Créer un avenant"),
    _t("remplacer_par_avenant", {E.AVENANT_EN_COURS}, E.REMPLACE, Actor.OPCO, "Avenant accordé"),
    _t("abandonner_avenant", {E.AVENANT_EN_COURS}, E.ACCORDE, Actor.OPCO, "Avenant refusé ou annulé"),
)

DOSSIER_LIFECYCLES: dict[Dispositif, tuple[Transition, ...]] = {
    Dispositif.APPRENTISSAGE: (
        _t("transmettre", {E.BROUILLON}, E.TRANSMIS, Actor.OF, "Transmettre"),
        *_INSTRUCTION,
        *_AVENANT,
        _t("declarer_rupture", {E.ACCORDE}, E.RUPTURE, Actor.OF, "Déclarer une rupture de contrat"),
        _CLOTURE,
    ),
    Dispositif.PROFESSIONNALISATION: (
        *_INSTRUCTION,
        _t("enregistrer_rupture", {E.ACCORDE}, E.RUPTURE, Actor.OPCO, "Enregistrer une rupture"),
        _CLOTURE,
    ),
    Dispositif.PRO_A: (
        *_INSTRUCTION,
        _t("enregistrer_rupture", {E.ACCORDE}, E.RUPTURE, Actor.OPCO, "Enregistrer une rupture"),
        _CLOTURE,
    ),
    Dispositif.ACTION_FORMATION: (
        *_INSTRUCTION,
        _t("cloturer", {E.ACCORDE}, E.SOLDE, Actor.OPCO, "Clôturer (solder)"),
    ),
}

INITIAL_DOSSIER_STATE: dict[Dispositif, EtatDossier] = {
    Dispositif.APPRENTISSAGE: E.BROUILLON,
    Dispositif.PROFESSIONNALISATION: E.TRANSMIS,
    Dispositif.PRO_A: E.TRANSMIS,
    Dispositif.ACTION_FORMATION: E.TRANSMIS,
}

F = EtatFacture
FACTURE_EN_INSTRUCTION = frozenset({F.DEPOSEE, F.EN_COURS, F.EN_ATTENTE_PIECES})
FACTURE_LIFECYCLE: tuple[Transition, ...] = (
    _t("instruire", {F.DEPOSEE}, F.EN_COURS, Actor.OPCO, "Instruire"),
    _t("demander_pieces", {F.EN_COURS}, F.EN_ATTENTE_PIECES, Actor.OPCO, "Demander des pièces"),
    _t("reprendre_instruction", {F.EN_ATTENTE_PIECES}, F.EN_COURS, Actor.OPCO, "Reprendre l'instruction"),
    _t("valider", {F.EN_COURS}, F.VALIDEE, Actor.OPCO, "Valider"),
    _t("rejeter", FACTURE_EN_INSTRUCTION, F.REJETEE, Actor.OPCO, "Rejeter"),
    _t("payer", {F.VALIDEE}, F.PAYEE, Actor.OPCO, "Payer (règlement)"),
)
INITIAL_FACTURE_STATE = F.DEPOSEE


def dossier_transition(dispositif: str, name: str) -> Transition | None:
    for transition in DOSSIER_LIFECYCLES[Dispositif(dispositif)]:
        if transition.name == name:
            return transition
    return None


def facture_transition(name: str) -> Transition | None:
    for transition in FACTURE_LIFECYCLE:
        if transition.name == name:
            return transition
    return None


def dossier_transitions_from(dispositif: str, etat: str) -> tuple[Transition, ...]:
    return tuple(t for t in DOSSIER_LIFECYCLES[Dispositif(dispositif)] if etat in t.sources)


def facture_transitions_from(etat: str) -> tuple[Transition, ...]:
    return tuple(t for t in FACTURE_LIFECYCLE if etat in t.sources)


def all_dossier_transition_names() -> dict[str, tuple[frozenset[str], str]]:
    """Every transition name over all dispositifs, with the union of its sources and its target.

    Used to declare one django-fsm method per name; the per-dispositif table is then
    enforced by a condition.
    """
    merged: dict[str, tuple[frozenset[str], str]] = {}
    for transitions in DOSSIER_LIFECYCLES.values():
        for t in transitions:
            sources, target = merged.get(t.name, (frozenset(), t.target))
            if target != t.target:
                raise ValueError(f"La transition {t.name} a deux cibles : {target} et {t.target}")
            merged[t.name] = (sources | t.sources, t.target)
    return merged


def to_mermaid(transitions: tuple[Transition, ...], labels: dict, initial: str) -> str:
    """A Mermaid state diagram of one lifecycle (only the states it uses)."""
    used = {initial} | {t.target for t in transitions} | {s for t in transitions for s in t.sources}
    lines = ["stateDiagram-v2", "    direction LR"]
    for state in labels:
        if state in used:
            lines.append(f'    state "{labels[state]}" as {state.value}')
    lines.append(f"    [*] --> {initial}")
    for t in transitions:
        for source in sorted(t.sources):
            lines.append(f"    {source} --> {t.target}: {t.name} ({t.actor.value})")
    return "\n".join(lines) + "\n"


def render_markdown(dossiers, initial_dossier, dossier_labels, factures, initial_facture, facture_labels) -> str:
    parts = [
        "# Cycles de vie (graphes d'états)\n",
        "Généré par `python manage.py draw_lifecycles` depuis `rules/lifecycles.py` — ne pas éditer à la main.",
        "Chaque flèche porte le nom de la transition et qui la déclenche (`of` ou `opco`).\n",
    ]
    for dispositif, transitions in dossiers.items():
        parts.append(f"## Dossier — {dispositif.label}\n")
        parts.append("```mermaid\n" + to_mermaid(transitions, dossier_labels, initial_dossier[dispositif]) + "```\n")
        parts.append("| transition | depuis | vers | acteur |\n|---|---|---|---|")
        for t in transitions:
            sources = ", ".join(dossier_labels[s] for s in sorted(t.sources))
            parts.append(f"| `{t.name}` — {t.label} | {sources} | {dossier_labels[t.target]} | {t.actor.value} |")
        parts.append("")
    parts.append("## Facture\n")
    parts.append("```mermaid\n" + to_mermaid(factures, facture_labels, initial_facture) + "```\n")
    parts.append("| transition | depuis | vers | acteur |\n|---|---|---|---|")
    for t in factures:
        sources = ", ".join(facture_labels[s] for s in sorted(t.sources))
        parts.append(f"| `{t.name}` — {t.label} | {sources} | {facture_labels[t.target]} | {t.actor.value} |")
    return "\n".join(parts) + "\n"
