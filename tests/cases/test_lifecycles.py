"""The django-fsm transitions of the models agree with the lifecycle tables of rules/."""

import pytest

from cases.models import Dossier, Facture
from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    FACTURE_LIFECYCLE,
    INITIAL_DOSSIER_STATE,
    Dispositif,
    EtatDossier,
    EtatFacture,
    dossier_transitions_from,
    facture_transitions_from,
)


def fsm_names(obj):
    return {t.name for t in obj.get_available_etat_transitions()}


@pytest.mark.parametrize("dispositif", list(Dispositif))
@pytest.mark.parametrize("etat", list(EtatDossier))
def test_model_transitions_match_the_table(dispositif, etat):
    dossier = Dossier(dispositif=dispositif, etat=etat)

    assert fsm_names(dossier) == {t.name for t in dossier_transitions_from(dispositif, etat)}


@pytest.mark.parametrize("etat", list(EtatFacture))
def test_facture_transitions_match_the_table(etat):
    assert fsm_names(Facture(etat=etat)) == {t.name for t in facture_transitions_from(etat)}


def test_every_table_transition_has_a_model_method():
    names = {t.name for ts in DOSSIER_LIFECYCLES.values() for t in ts}
    assert all(callable(getattr(Dossier, name, None)) for name in names)
    assert all(callable(getattr(Facture, t.name, None)) for t in FACTURE_LIFECYCLE)


@pytest.mark.parametrize("dispositif", list(Dispositif))
def test_every_state_of_a_lifecycle_is_reachable_from_its_initial_state(dispositif):
    transitions = DOSSIER_LIFECYCLES[dispositif]
    used = (
        {INITIAL_DOSSIER_STATE[dispositif]}
        | {t.target for t in transitions}
        | {s for t in transitions for s in t.sources}
    )
    seen, todo = set(), [INITIAL_DOSSIER_STATE[dispositif]]
    while todo:
        state = todo.pop()
        if state in seen:
            continue
        seen.add(state)
        todo.extend(t.target for t in transitions if state in t.sources)

    assert seen == used


def test_entreprise_dispositifs_never_start_as_drafts():
    for dispositif in (Dispositif.PROFESSIONNALISATION, Dispositif.PRO_A, Dispositif.ACTION_FORMATION):
        assert INITIAL_DOSSIER_STATE[dispositif] == EtatDossier.TRANSMIS
        assert all(EtatDossier.BROUILLON not in t.sources for t in DOSSIER_LIFECYCLES[dispositif])
