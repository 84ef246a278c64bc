"""Two concurrent transitions of one dossier: exactly one wins, the other gets a conflict."""

import threading

import pytest
from django.db import connection

from accounts.actors import Actor, Channel
from cases import services
from cases.models import Dossier, TransitionLog
from common.errors import Conflict
from rules.lifecycles import EtatDossier
from tests.factories import NOW, DossierFactory, UserFactory


def race(*calls):
    """Run the calls at the same instant, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_the_same_transition_twice_at_once():
    dossier = DossierFactory(en_cours=True)
    actor = Actor.for_user(UserFactory(opco=True), channel=Channel.API)
    grant = lambda: services.dossier_grant(  # noqa: E731
        actor=actor, dossier_id=dossier.pk, montants_pris_en_charge={"npec": "6795.83"}, now=NOW
    )

    outcomes = race(grant, grant)

    winners = [o for o in outcomes if isinstance(o, Dossier)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert TransitionLog.objects.filter(dossier=dossier, transition="accorder").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.ACCORDE


@pytest.mark.django_db(transaction=True)
def test_two_different_transitions_from_the_same_state():
    dossier = DossierFactory(en_cours=True)
    actor = Actor.for_user(UserFactory(opco=True), channel=Channel.API)

    outcomes = race(
        lambda: services.dossier_grant(
            actor=actor, dossier_id=dossier.pk, montants_pris_en_charge={"npec": "100"}, now=NOW
        ),
        lambda: services.dossier_refuse(
            actor=actor, dossier_id=dossier.pk, motif="AGE_NON_ELIGIBLE", explication="Trop âgé.", now=NOW
        ),
    )

    assert sum(isinstance(o, Dossier) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1, outcomes
    assert TransitionLog.objects.filter(dossier=dossier, transition__in=["accorder", "refuser"]).count() == 1
