"""The lifecycles checked against an independent statement: the graph of each dispositif and of the facture is
written out here once, by hand, as literal (from, transition, to) triples — from the user guide
(``shared/seed/guide-utilisateur-of-v2.0.txt``) and the domain notes (``shared/domain/*.md``), never read from
``rules/lifecycles.py`` — and compared with both the rule table and the django-fsm transitions the models declare.

Where the sources say it:
* the guide: the OF saves a **brouillon** of a contrat d'apprentissage and **transmits** it; the other
  dispositifs (professionnalisation, Pro-A, action de formation) are deposited by the entreprise and only
  visible to the OF; the OPCO instructs (« En cours de traitement »), asks for pièces (« En attente de
  pièces », « déposer la pièce afin que le statut se mette à jour après étude d'OPCO Mobilités »: the OPCO
  resumes), grants (« Accordé »); on an accordé apprenticeship the OF may « Créer un avenant » and
  « Déclarer une rupture de contrat » — and on the other dispositifs only display, add a pièce, deposit a
  facture; dossiers end « Annulé »; factures are « En cours de traitement », « En attente de pièces justificatives »,
  « Payée »;
* the norm's notes (§8.1): ENGAGÉ → {RUPTU | SOLDÉ | ANNULÉ}; RUPTU → SOLDÉ; a refusal is reasoned; the
  refusal motifs include « les pièces demandées n'ont pas été fournies » (a refusal while waiting for pièces);
* the CERFA notes (§10, §11): an avenant is a new version carrying the amended contract's number; the
  rupture is stored as the state RUPTURE; the peers' notes: professionnalisation and Pro-A follow the same
  path (Pro-A is deposited like a contrat pro), an action de formation has no work contract (no rupture);
* the architecture: the previous version of an avenant stays visible « avenant en cours d'instruction » and
  follows its avenant's outcome (replaced when the avenant is granted, accordé again otherwise).
"""

from __future__ import annotations

import pytest

from cases.models import Dossier, Facture
from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    ETAT_DOSSIER_LABELS,
    ETAT_FACTURE_LABELS,
    FACTURE_LIFECYCLE,
    INITIAL_DOSSIER_STATE,
    INITIAL_FACTURE_STATE,
    Dispositif,
    EtatDossier,
    EtatFacture,
)

# --- The statement (plain strings on purpose: nothing here comes from the code under test) ------------------

BROUILLON, TRANSMIS, EN_COURS, EN_ATTENTE = "brouillon", "transmis", "en_cours_de_traitement", "en_attente_de_pieces"
ACCORDE, AVENANT, REFUSE, ANNULE = "accorde", "avenant_en_instruction", "refuse", "annule"
RUPTURE, REMPLACE, SOLDE = "rupture", "remplace", "solde"

INSTRUCTION = {
    (TRANSMIS, "prendre_en_charge", EN_COURS),
    (EN_COURS, "demander_pieces", EN_ATTENTE),
    (EN_ATTENTE, "reprendre_instruction", EN_COURS),
    (EN_COURS, "accorder", ACCORDE),
    (TRANSMIS, "refuser", REFUSE),
    (EN_COURS, "refuser", REFUSE),
    (EN_ATTENTE, "refuser", REFUSE),
    (TRANSMIS, "annuler", ANNULE),
    (EN_COURS, "annuler", ANNULE),
    (EN_ATTENTE, "annuler", ANNULE),
    (ACCORDE, "annuler", ANNULE),
}

EXPECTED: dict[str, set[tuple[str, str, str]]] = {
    "apprentissage": INSTRUCTION
    | {
        (BROUILLON, "transmettre", TRANSMIS),
        (ACCORDE, "ouvrir_avenant", AVENANT),
        (AVENANT, "remplacer_par_avenant", REMPLACE),
        (AVENANT, "abandonner_avenant", ACCORDE),
        (ACCORDE, "declarer_rupture", RUPTURE),
        (ACCORDE, "cloturer", SOLDE),
        (RUPTURE, "cloturer", SOLDE),
    },
    "professionnalisation": INSTRUCTION
    | {
        (ACCORDE, "enregistrer_rupture", RUPTURE),
        (ACCORDE, "cloturer", SOLDE),
        (RUPTURE, "cloturer", SOLDE),
    },
    "pro_a": INSTRUCTION
    | {
        (ACCORDE, "enregistrer_rupture", RUPTURE),
        (ACCORDE, "cloturer", SOLDE),
        (RUPTURE, "cloturer", SOLDE),
    },
    "action_formation": INSTRUCTION | {(ACCORDE, "cloturer", SOLDE)},
}
EXPECTED_INITIAL = {
    "apprentissage": BROUILLON,
    "professionnalisation": TRANSMIS,
    "pro_a": TRANSMIS,
    "action_formation": TRANSMIS,
}
# The OF fires only these (the guide's buttons); the OPCO every other one.
EXPECTED_BY_OF = {"transmettre", "ouvrir_avenant", "declarer_rupture"}

DEPOSEE, F_EN_COURS, F_EN_ATTENTE, VALIDEE, PAYEE, REJETEE = (
    "deposee",
    "en_cours_de_traitement",
    "en_attente_de_pieces",
    "validee",
    "payee",
    "rejetee",
)
EXPECTED_FACTURE = {
    (DEPOSEE, "instruire", F_EN_COURS),
    (F_EN_COURS, "demander_pieces", F_EN_ATTENTE),
    (F_EN_ATTENTE, "reprendre_instruction", F_EN_COURS),
    (F_EN_COURS, "valider", VALIDEE),
    (DEPOSEE, "rejeter", REJETEE),
    (F_EN_COURS, "rejeter", REJETEE),
    (F_EN_ATTENTE, "rejeter", REJETEE),
    (VALIDEE, "payer", PAYEE),
}
EXPECTED_FACTURE_INITIAL = DEPOSEE

# The states' names as the guide shows them.
GUIDE_DOSSIER_LABELS = {
    BROUILLON: "Brouillon",
    TRANSMIS: "Transmis",
    EN_COURS: "En cours de traitement",
    EN_ATTENTE: "En attente de pièces",
    ACCORDE: "Accordé",
    ANNULE: "Annulé",
}
GUIDE_FACTURE_LABELS = {F_EN_COURS: "En cours de traitement", F_EN_ATTENTE: "En attente de pièces", PAYEE: "Payée"}


# --- The code, read two ways ---------------------------------------------------------------------------------


def table_graph(transitions) -> set[tuple[str, str, str]]:
    return {(str(s), t.name, str(t.target)) for t in transitions for s in t.sources}


def fsm_graph(make, states) -> set[tuple[str, str, str]]:
    """What django-fsm lets an object of each state do (conditions included), and where it lands."""
    graph = set()
    for state in states:
        obj = make(state)
        for t in obj.get_available_etat_transitions():
            graph.add((str(state), t.name, str(t.target)))
    return graph


def _diff(expected: set, actual: set) -> str:
    return f"manquent : {sorted(expected - actual)} ; en trop : {sorted(actual - expected)}"


def test_the_statement_covers_every_dispositif():
    assert set(EXPECTED) == {str(d) for d in Dispositif}


@pytest.mark.parametrize("dispositif", sorted(EXPECTED))
def test_the_rule_table_is_the_stated_graph(dispositif):
    actual = table_graph(DOSSIER_LIFECYCLES[Dispositif(dispositif)])

    assert actual == EXPECTED[dispositif], _diff(EXPECTED[dispositif], actual)
    assert str(INITIAL_DOSSIER_STATE[Dispositif(dispositif)]) == EXPECTED_INITIAL[dispositif]


@pytest.mark.parametrize("dispositif", sorted(EXPECTED))
def test_the_models_fsm_is_the_stated_graph(dispositif):
    actual = fsm_graph(lambda etat: Dossier(dispositif=dispositif, etat=etat), [str(e) for e in EtatDossier])

    assert actual == EXPECTED[dispositif], _diff(EXPECTED[dispositif], actual)


@pytest.mark.parametrize("dispositif", sorted(EXPECTED))
def test_only_the_guides_buttons_are_fired_by_the_of(dispositif):
    by_of = {t.name for t in DOSSIER_LIFECYCLES[Dispositif(dispositif)] if t.actor.value == "of"}

    assert by_of == EXPECTED_BY_OF & {name for _, name, _ in EXPECTED[dispositif]}


def test_the_facture_table_and_fsm_are_the_stated_graph():
    table = table_graph(FACTURE_LIFECYCLE)
    fsm = fsm_graph(lambda etat: Facture(etat=etat), [str(e) for e in EtatFacture])

    assert table == EXPECTED_FACTURE, _diff(EXPECTED_FACTURE, table)
    assert fsm == EXPECTED_FACTURE, _diff(EXPECTED_FACTURE, fsm)
    assert str(INITIAL_FACTURE_STATE) == EXPECTED_FACTURE_INITIAL
    assert all(t.actor.value == "opco" for t in FACTURE_LIFECYCLE)


def test_every_state_of_the_code_is_stated():
    stated = {s for graph in EXPECTED.values() for triple in graph for s in (triple[0], triple[2])}
    assert {str(e) for e in EtatDossier} == stated
    stated_f = {s for triple in EXPECTED_FACTURE for s in (triple[0], triple[2])}
    assert {str(e) for e in EtatFacture} == stated_f


def test_the_states_carry_the_guides_names():
    for state, label in GUIDE_DOSSIER_LABELS.items():
        assert ETAT_DOSSIER_LABELS[EtatDossier(state)] == label
    for state, label in GUIDE_FACTURE_LABELS.items():
        assert ETAT_FACTURE_LABELS[EtatFacture(state)] == label
