from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.actors import Actor
from accounts.models import ApiKey, Habilitation
from rules.actions import Role
from tests.factories import NOW, EtablissementFactory, HabilitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_etablissement_derives_siren_and_nic():
    etab = EtablissementFactory(siret="73282932000074")

    assert (etab.siren, etab.nic) == ("732829320", "00074")


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),
        ("73282932000075", False),
        ("35600000000048", True),  # La Poste: Luhn fails, digit sum is a multiple of 5
        ("7328293200007", False),
    ],
)
def test_siret_validation_on_the_model(siret, valid):
    etab = EtablissementFactory.build(siret=siret, uai="")
    if valid:
        etab.full_clean()
    else:
        with pytest.raises(ValidationError) as exc:
            etab.full_clean()
        assert "siret" in exc.value.message_dict


def test_uai_check_letter_on_the_model():
    with pytest.raises(ValidationError) as exc:
        EtablissementFactory.build(uai="0010856B").full_clean()
    assert "uai" in exc.value.message_dict


def test_only_administrators_hold_administration_rights():
    habilitation = HabilitationFactory(role=Role.GESTIONNAIRE_OF)
    habilitation.gerer_utilisateurs = True

    with pytest.raises(IntegrityError), transaction.atomic():
        habilitation.save()


def test_one_principal_etablissement_per_user():
    first = HabilitationFactory(principal=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        HabilitationFactory(user=first.user, principal=True)


def test_api_key_is_stored_hashed_and_expires_after_365_days():
    etab = EtablissementFactory()
    key, raw = ApiKey.build(etablissement=etab, created_by=UserFactory(), now=NOW)
    key.save()

    assert raw not in (key.key_hash, key.prefix) and key.key_hash == ApiKey.hash_of(raw)
    assert key.expires_at - key.created_at == timedelta(days=365)
    assert key.is_usable(NOW) and not key.is_usable(NOW + timedelta(days=365))
    assert ApiKey.objects.active(NOW).get() == key


def test_one_active_key_per_siret():
    etab = EtablissementFactory()
    ApiKey.build(etablissement=etab, created_by=None, now=NOW)[0].save()

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiKey.build(etablissement=etab, created_by=None, now=NOW)[0].save()


def test_actor_of_a_user_has_the_grants_of_its_habilitations():
    habilitation = HabilitationFactory(admin=True)
    other = EtablissementFactory(actif=False)
    Habilitation.objects.create(user=habilitation.user, etablissement=other, role=Role.GESTIONNAIRE_OF)

    actor = Actor.for_user(habilitation.user)

    assert actor.etablissement_ids == {habilitation.etablissement_id}  # inactive établissements give nothing
    assert actor.role_on(habilitation.etablissement_id) is Role.ADMIN_OF
    assert not actor.is_opco


def test_actor_of_an_api_key_sees_only_its_siret():
    etab = EtablissementFactory()
    key, _ = ApiKey.build(etablissement=etab, created_by=None, now=NOW)
    key.save()

    actor = Actor.for_api_key(key)

    assert actor.etablissement_ids == {etab.pk} and actor.user_id is None and actor.api_key_id == key.pk
