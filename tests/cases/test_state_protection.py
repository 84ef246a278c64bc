"""No code path can change a state without a transition."""

import pytest
from django.core.exceptions import FieldError
from django.db import transaction
from django_fsm import ConcurrentTransition

from cases.models import Dossier, Facture
from rules.lifecycles import EtatDossier, EtatFacture
from tests.factories import DossierFactory, FactureFactory


@pytest.mark.django_db
def test_assigning_the_state_is_refused():
    dossier = DossierFactory()

    with pytest.raises(AttributeError):
        dossier.etat = EtatDossier.ACCORDE

    dossier.refresh_from_db()
    assert dossier.etat == EtatDossier.TRANSMIS


@pytest.mark.django_db
def test_queryset_update_of_the_state_is_refused():
    dossier = DossierFactory()
    facture = FactureFactory()

    with pytest.raises(FieldError):
        Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.ACCORDE)
    with pytest.raises(FieldError):
        Facture.objects.filter(pk=facture.pk).update(etat=EtatFacture.PAYEE)

    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.TRANSMIS


@pytest.mark.django_db
def test_bulk_update_of_the_state_is_refused():
    dossier = DossierFactory()

    with pytest.raises(FieldError):
        Dossier.objects.bulk_update([dossier], ["etat"])


@pytest.mark.django_db
def test_a_stale_instance_cannot_overwrite_a_newer_state():
    dossier = DossierFactory()
    stale = Dossier.objects.get(pk=dossier.pk)
    dossier.prendre_en_charge()
    dossier.save()

    stale.salarie_nom = "AUTRE"

    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.save()
    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.EN_COURS


@pytest.mark.django_db
def test_refresh_from_db_still_works_on_the_protected_field():
    dossier = DossierFactory()
    other = Dossier.objects.get(pk=dossier.pk)
    other.prendre_en_charge()
    other.save()

    dossier.refresh_from_db()

    assert dossier.etat == EtatDossier.EN_COURS


def test_no_project_code_writes_a_state_directly():
    """A meta-test: outside the model constructors and the seeding, no `.etat = ` assignment exists."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ".etat =" in line.replace("  ", " ") and "==" not in line:
                offenders.append(f"{path.relative_to(root)}:{number}")
    assert offenders == []
