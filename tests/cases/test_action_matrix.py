"""The action matrix, written out by hand: dispositif × état × subrogé × role.

The expectations below are spelled out independently of the implementation, from the guide:
actions depend on the dossier's state and its subrogation.
"""

import itertools

import pytest

from rules.actions import DEFAULT_DROITS, Droit, Role, dossier_actions, facture_actions
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture

A, P, PA, AF = (
    Dispositif.APPRENTISSAGE,
    Dispositif.PROFESSIONNALISATION,
    Dispositif.PRO_A,
    Dispositif.ACTION_FORMATION,
)
E = EtatDossier
INSTRUCTION_OPCO = {
    E.TRANSMIS: {"prendre_en_charge", "refuser", "annuler"},
    E.EN_COURS: {"demander_pieces", "accorder", "refuser", "annuler"},
    E.EN_ATTENTE_PIECES: {"reprendre_instruction", "refuser", "annuler"},
}


def expected_opco(dispositif, etat):
    if etat in INSTRUCTION_OPCO:
        return INSTRUCTION_OPCO[etat] | {"afficher"}
    if etat == E.ACCORDE:
        if dispositif == A:
            return {"afficher", "annuler", "cloturer"}
        if dispositif in (P, PA):
            return {"afficher", "annuler", "cloturer", "enregistrer_rupture"}
        return {"afficher", "annuler", "cloturer"}
    if etat == E.AVENANT_EN_COURS and dispositif == A:
        return {"afficher", "remplacer_par_avenant", "abandonner_avenant"}
    if etat == E.RUPTURE and dispositif != AF:
        return {"afficher", "cloturer"}
    return {"afficher"}


def expected_of(dispositif, etat, subroge):
    actions = {"afficher"}
    if dispositif == A and etat == E.BROUILLON:
        actions |= {"modifier_brouillon", "supprimer_brouillon", "transmettre"}
    if etat in (E.TRANSMIS, E.EN_COURS, E.EN_ATTENTE_PIECES, E.ACCORDE, E.AVENANT_EN_COURS, E.RUPTURE):
        actions.add("ajouter_piece")
    if subroge and etat in (E.ACCORDE, E.EN_COURS, E.AVENANT_EN_COURS, E.RUPTURE):
        actions.add("deposer_facture")
    if dispositif == A and etat == E.ACCORDE:
        actions |= {"creer_avenant", "declarer_rupture"}
    return actions


ALL = list(itertools.product(Dispositif, EtatDossier, (True, False), Role))


@pytest.mark.parametrize(("dispositif", "etat", "subroge", "role"), ALL)
def test_dossier_actions_table(dispositif, etat, subroge, role):
    actual = dossier_actions(dispositif=dispositif, etat=etat, subroge=subroge, role=role)

    expected = expected_opco(dispositif, etat) if role is Role.OPCO else expected_of(dispositif, etat, subroge)

    assert actual == expected


def test_guide_example_accorde_subroge_apprentissage():
    """The guide's 3866466.1: accordé and subrogé shows the five buttons."""
    actions = dossier_actions(dispositif=A, etat=E.ACCORDE, subroge=True, role=Role.GESTIONNAIRE_OF)

    assert actions == {"afficher", "ajouter_piece", "creer_avenant", "deposer_facture", "declarer_rupture"}


def test_guide_example_pro_en_attente_has_no_invoice():
    actions = dossier_actions(dispositif=P, etat=E.EN_ATTENTE_PIECES, subroge=True, role=Role.GESTIONNAIRE_OF)

    assert actions == {"afficher", "ajouter_piece"}


@pytest.mark.parametrize(
    ("droit", "action"),
    [
        (Droit.DEPOSER_FACTURES, "deposer_facture"),
        (Droit.DEPOSER_PIECES, "ajouter_piece"),
        (Droit.SAISIR_CONTRATS, "creer_avenant"),
        (Droit.SAISIR_CONTRATS, "declarer_rupture"),
    ],
)
def test_a_missing_right_removes_the_action(droit, action):
    droits = DEFAULT_DROITS[Role.ADMIN_OF] - {droit}

    actions = dossier_actions(dispositif=A, etat=E.ACCORDE, subroge=True, role=Role.ADMIN_OF, droits=droits)

    assert action not in actions


@pytest.mark.parametrize(("etat", "role"), list(itertools.product(EtatFacture, Role)))
def test_facture_actions_table(etat, role):
    F = EtatFacture
    if role is Role.OPCO:
        expected = {
            F.DEPOSEE: {"instruire", "rejeter"},
            F.EN_COURS: {"demander_pieces", "valider", "rejeter"},
            F.EN_ATTENTE_PIECES: {"reprendre_instruction", "rejeter"},
        }.get(etat, set()) | {"afficher"}
    else:
        expected = {"afficher"} | ({"ajouter_piece"} if etat in (F.DEPOSEE, F.EN_COURS, F.EN_ATTENTE_PIECES) else set())

    assert facture_actions(etat=etat, role=role) == expected
