"""A key carries the rights chosen when it was generated — a subset of a gestionnaire's, never beyond the
generating administrator's own — shown in the list; the OF's software acts with those and no others."""

from __future__ import annotations

import importlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.actors import Actor
from accounts.models import ApiKey, Habilitation
from rules.actions import Droit
from tests.api.conftest import key_client, session_client
from tests.factories import PDF_BYTES, of_user

pytestmark = pytest.mark.django_db

API = "/api/v1"


def generate(client, etab, droits=None):
    body = {"etablissement_id": etab.pk} if droits is None else {"etablissement_id": etab.pk, "droits": droits}
    return client.post(f"{API}/habilitations/cles", body, content_type="application/json")


def test_a_key_carries_the_rights_chosen_and_shows_them(admin_a, tenant_a):
    response = generate(admin_a, tenant_a.etab, ["deposer_pieces"])

    assert response.status_code == 201, response.content
    body = response.json()
    assert [d["code"] for d in body["droits"]] == ["deposer_pieces"]
    listed = admin_a.get(f"{API}/habilitations/cles").json()
    assert [d["code"] for d in listed[0]["droits"]] == ["deposer_pieces"]
    assert Actor.for_api_key(ApiKey.objects.get(pk=body["id"])).droits_on(tenant_a.etab.pk) == {Droit.DEPOSER_PIECES}


def test_the_software_acts_with_the_keys_rights_and_no_others(admin_a, tenant_a):
    raw = generate(admin_a, tenant_a.etab, ["deposer_pieces"]).json()["cle"]
    software = key_client(raw)

    piece = software.post(
        f"{API}/dossiers/{tenant_a.en_attente.pk}/pieces", {"fichiers": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
    )
    reglements = software.get(f"{API}/paiements")

    assert piece.status_code == 201
    assert reglements.status_code == 403  # « Consulter les règlements » was not given to the key


def test_without_rights_in_the_request_a_key_gets_a_gestionnaires_rights_that_the_admin_holds(tenant_a):
    admin, _ = of_user(tenant_a.etab, admin=True)
    Habilitation.objects.filter(user=admin).update(deposer_factures=False)

    body = generate(session_client(admin), tenant_a.etab).json()

    assert {d["code"] for d in body["droits"]} == {"saisir_contrats", "deposer_pieces", "consulter_reglements"}


@pytest.mark.parametrize(
    ("droits", "message"),
    [
        (["gerer_utilisateurs"], "Une clé ne peut pas recevoir le droit"),
        (["gerer_cles"], "Une clé ne peut pas recevoir le droit"),
        (["tout"], "Droit inconnu"),
        (["deposer_factures"], "Vous n'avez pas vous-même le droit"),
    ],
)
def test_a_key_never_gets_more_than_its_administrator_or_a_gestionnaire(droits, message, tenant_a):
    admin, _ = of_user(tenant_a.etab, admin=True)
    Habilitation.objects.filter(user=admin).update(deposer_factures=False)
    before = ApiKey.objects.count()

    response = generate(session_client(admin), tenant_a.etab, droits)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert message in error["description"] and error["champ"] == "droits[0]"
    assert ApiKey.objects.count() == before


def test_the_portal_offers_the_administrators_rights_and_generates_with_those_ticked(admin_a, tenant_a):
    page = admin_a.get("/habilitations/cle/generer/")
    jeton = page.context["form"].initial["jeton"]
    assert {v for v, _ in page.context["form"].fields["droits"].choices} == {
        "saisir_contrats",
        "deposer_pieces",
        "deposer_factures",
        "consulter_reglements",
    }

    response = admin_a.post("/habilitations/cle/generer/", {"jeton": jeton, "droits": ["consulter_reglements"]})

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get(etablissement=tenant_a.etab, revoked_at__isnull=True)
    assert key.droits == ["consulter_reglements"]
    assert "Consulter les règlements" in admin_a.get("/habilitations/cle/").content.decode()


def test_keys_made_before_rights_existed_keep_a_gestionnaires_rights_cut_to_their_creators(tenant_a):
    migration = importlib.import_module("accounts.migrations.0003_api_key_droits")
    from django.apps import apps

    creator, _ = of_user(tenant_a.etab, admin=True)
    Habilitation.objects.filter(user=creator).update(consulter_reglements=False)
    orphan_creator, _ = of_user()
    ApiKey.objects.all().delete()
    with_creator, _ = ApiKey.build(etablissement=tenant_a.etab, created_by=creator, now=tenant_a.key_obj.created_at)
    with_creator.save()
    elsewhere, _ = ApiKey.build(
        etablissement=tenant_a.entreprise, created_by=orphan_creator, now=with_creator.created_at
    )
    elsewhere.save()
    ApiKey.objects.update(droits=[])

    migration.existing_keys_rights(apps, None)

    with_creator.refresh_from_db()
    elsewhere.refresh_from_db()
    assert with_creator.droits == ["deposer_factures", "deposer_pieces", "saisir_contrats"]
    assert elsewhere.droits == []  # its creator has no habilitation there: consultation only
