"""Mes habilitations: users (search, create, edit — administrators only, on their établissements),
établissements (list, detail, contact fields), clés d'authentification (generate, list, revoke)."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiKey, Habilitation, User
from tests.api.conftest import API, codes_of, fields_of, session_client
from tests.factories import EtablissementFactory

pytestmark = pytest.mark.django_db


def new_user(etab_id, **overrides):
    body = {
        "email": "maryline.gadras@exemple.fr",
        "nom": "GADRAS",
        "prenom": "Maryline",
        "sexe": "F",
        "actif": True,
        "habilitations": [{"etablissement_id": etab_id, "role": "gestionnaire_of"}],
    }
    body.update(overrides)
    return body


# --- Utilisateurs -----------------------------------------------------------------------------


def test_users_of_the_etablissement_with_search(gest_a, tenant_a):
    everyone = gest_a.get(f"{API}/habilitations/utilisateurs").json()
    searched = gest_a.get(f"{API}/habilitations/utilisateurs?q={tenant_a.admin.email}").json()

    assert everyone["total"] == 2
    assert {u["role"] for u in everyone["elements"]} == {"admin_of", "gestionnaire_of"}
    assert [u["email"] for u in searched["elements"]] == [tenant_a.admin.email]


def test_admin_invites_a_user_and_no_habilitation_exists_before_acceptance(admin_a, tenant_a, mailoutbox):
    response = admin_a.post(
        f"{API}/habilitations/utilisateurs", new_user(tenant_a.etab.pk), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["statut"] == "en_attente" and body["email_envoye"] is True
    [offer] = body["etablissements"]
    assert offer["role"] == "gestionnaire_of"
    assert {d["code"] for d in offer["droits"]} == {
        "saisir_contrats",
        "deposer_pieces",
        "deposer_factures",
        "consulter_reglements",
    }
    assert not User.objects.filter(email="maryline.gadras@exemple.fr").exists()
    [mail] = mailoutbox
    assert mail.to == ["maryline.gadras@exemple.fr"] and "/invitation/" in mail.body
    pending = admin_a.get(f"{API}/habilitations/invitations").json()
    assert [i["email"] for i in pending] == ["maryline.gadras@exemple.fr"]


def test_inviting_another_ofs_user_reveals_nothing_and_changes_nothing(admin_a, tenant_a, tenant_b, mailoutbox):
    """The review's cross-tenant write: the invitation answers as for an unknown address, and the person's
    account, habilitations and principal établissement stay as they were until she accepts."""
    victim = tenant_b.gestionnaire
    before = list(Habilitation.objects.filter(user=victim).values_list("etablissement_id", "principal", "role"))
    offer = [{"etablissement_id": tenant_a.etab.pk, "role": "admin_of", "principal": True}]
    body = new_user(tenant_a.etab.pk, email=victim.email, nom="AUTRE", prenom="Nom", habilitations=offer)

    response = admin_a.post(f"{API}/habilitations/utilisateurs", body, content_type="application/json")
    unknown = admin_a.post(
        f"{API}/habilitations/utilisateurs",
        new_user(tenant_a.etab.pk, email="personne@exemple.fr", nom="AUTRE", prenom="Nom", habilitations=offer),
        content_type="application/json",
    )

    assert response.status_code == unknown.status_code == 201
    shape = lambda b: {k: v for k, v in b.items() if k not in {"id", "email", "envoyee_le", "expire_le"}}  # noqa: E731
    assert shape(response.json()) == shape(unknown.json())
    assert response.json()["nom"] == "AUTRE"  # what the inviter typed, never the account's identity
    after = list(Habilitation.objects.filter(user=victim).values_list("etablissement_id", "principal", "role"))
    assert after == before
    victim.refresh_from_db()
    assert victim.nom != "AUTRE"
    assert admin_a.get(f"{API}/habilitations/utilisateurs/{victim.pk}").status_code == 404


def test_gestionnaire_cannot_create_users(gest_a, tenant_a):
    response = gest_a.post(
        f"{API}/habilitations/utilisateurs", new_user(tenant_a.etab.pk), content_type="application/json"
    )

    assert response.status_code == 403 and codes_of(response) == {"interdit"}


def test_admin_grants_only_where_they_are_admin(admin_a, tenant_a):
    elsewhere = EtablissementFactory()
    gestion_only = EtablissementFactory()
    Habilitation.objects.create(user=tenant_a.admin, etablissement=gestion_only, role="gestionnaire_of")

    outside = admin_a.post(f"{API}/habilitations/utilisateurs", new_user(elsewhere.pk), content_type="application/json")
    not_admin = session_client(tenant_a.admin).post(
        f"{API}/habilitations/utilisateurs", new_user(gestion_only.pk), content_type="application/json"
    )

    assert outside.status_code == 404
    assert not_admin.status_code == 403


def test_admin_only_rights_are_refused_to_a_gestionnaire(admin_a, tenant_a):
    body = new_user(
        tenant_a.etab.pk,
        habilitations=[{"etablissement_id": tenant_a.etab.pk, "role": "gestionnaire_of", "droits": ["gerer_cles"]}],
    )

    response = admin_a.post(f"{API}/habilitations/utilisateurs", body, content_type="application/json")

    assert response.status_code == 422 and fields_of(response) == {"habilitations[0].droits"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "pas-un-email"}, "email"),
        ({"nom": ""}, "nom"),
        ({"sexe": "X"}, "sexe"),
        ({"habilitations": [{"etablissement_id": 1, "role": "chef"}]}, "habilitations[0].role"),
    ],
)
def test_invalid_user_fields_are_422(admin_a, tenant_a, overrides, field):
    response = admin_a.post(
        f"{API}/habilitations/utilisateurs", new_user(tenant_a.etab.pk, **overrides), content_type="application/json"
    )

    assert response.status_code == 422
    assert field in fields_of(response)


def test_admin_edits_a_user_rights_and_identity(admin_a, tenant_a):
    body = new_user(
        tenant_a.etab.pk,
        email=tenant_a.gestionnaire.email,
        nom="NOUVEAU",
        habilitations=[{"etablissement_id": tenant_a.etab.pk, "role": "gestionnaire_of", "droits": ["deposer_pieces"]}],
    )

    response = admin_a.put(
        f"{API}/habilitations/utilisateurs/{tenant_a.gestionnaire.pk}", body, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["nom"] == "NOUVEAU"
    assert [d["code"] for d in response.json()["etablissements"][0]["droits"]] == ["deposer_pieces"]


def test_identity_of_a_user_shared_with_another_of_is_not_editable(admin_a, tenant_a, tenant_b):
    Habilitation.objects.create(user=tenant_b.gestionnaire, etablissement=tenant_a.etab, role="gestionnaire_of")
    body = new_user(tenant_a.etab.pk, email=tenant_b.gestionnaire.email, nom="PIRATE")

    response = admin_a.put(
        f"{API}/habilitations/utilisateurs/{tenant_b.gestionnaire.pk}", body, content_type="application/json"
    )
    seen = admin_a.get(f"{API}/habilitations/utilisateurs/{tenant_b.gestionnaire.pk}").json()

    assert response.status_code == 403
    assert [h["etablissement"]["id"] for h in seen["etablissements"]] == [tenant_a.etab.pk]  # not OF B's


def test_users_of_another_of_are_404(admin_a, tenant_b):
    assert admin_a.get(f"{API}/habilitations/utilisateurs/{tenant_b.admin.pk}").status_code == 404
    body = new_user(tenant_b.etab.pk, email=tenant_b.admin.email)
    assert (
        admin_a.put(
            f"{API}/habilitations/utilisateurs/{tenant_b.admin.pk}", body, content_type="application/json"
        ).status_code
        == 404
    )


def test_an_admin_cannot_remove_their_own_admin_rights(admin_a, tenant_a):
    body = new_user(tenant_a.etab.pk, email=tenant_a.admin.email, nom=tenant_a.admin.nom, prenom=tenant_a.admin.prenom)

    response = admin_a.put(
        f"{API}/habilitations/utilisateurs/{tenant_a.admin.pk}", body, content_type="application/json"
    )

    assert response.status_code == 422


# --- Établissements -------------------------------------------------------------------------------


def test_etablissements_list_and_detail(gest_a, tenant_a):
    [row] = gest_a.get(f"{API}/habilitations/etablissements").json()
    detail = gest_a.get(f"{API}/habilitations/etablissements/{tenant_a.etab.pk}").json()

    assert row["principal"] is True and row["siret"] == tenant_a.etab.siret
    assert detail["siren"] == tenant_a.etab.siret[:9] and detail["nic"] == tenant_a.etab.siret[9:]
    assert detail["coordonnees_modifiables"] is False
    assert gest_a.get(f"{API}/habilitations/etablissements?q=zzz").json() == []


def test_admin_edits_contact_fields_gestionnaire_cannot(admin_a, gest_a, tenant_a):
    url = f"{API}/habilitations/etablissements/{tenant_a.etab.pk}"
    body = {"email": "contact@of-generique.fr", "telephone": "01 02 03 04 05"}

    assert gest_a.patch(url, body, content_type="application/json").status_code == 403
    response = admin_a.patch(url, body, content_type="application/json")
    invalid = admin_a.patch(url, {"email": "x"}, content_type="application/json")

    assert response.status_code == 200 and response.json()["email"] == "contact@of-generique.fr"
    assert invalid.status_code == 422 and fields_of(invalid) == {"email"}


# --- Clés d'authentification ----------------------------------------------------------------------


def test_generate_list_use_and_regenerate_a_key(admin_a, tenant_a):
    first = admin_a.post(
        f"{API}/habilitations/cles", {"etablissement_id": tenant_a.etab.pk}, content_type="application/json"
    )
    assert first.status_code == 201, first.content
    raw = first.json()["cle"]
    assert first.json()["statut"] == "active" and "une seule fois" not in raw
    assert Client(headers={"X-API-KEY": raw}).get(f"{API}/auth/moi").status_code == 200
    assert not ApiKey.objects.filter(key_hash=raw).exists()  # stored hashed

    second = admin_a.post(
        f"{API}/habilitations/cles", {"etablissement_id": tenant_a.etab.pk}, content_type="application/json"
    )
    listed = admin_a.get(f"{API}/habilitations/cles").json()

    assert [k["statut"] for k in listed] == ["active", "revoquee", "revoquee"]  # the fixture's and the first
    assert all("cle" not in k for k in listed)
    refused = Client(headers={"X-API-KEY": raw}).get(f"{API}/auth/moi")
    assert refused.status_code == 403 and codes_of(refused) == {"CLE_REVOQUEE"}
    assert Client(headers={"X-API-KEY": second.json()["cle"]}).get(f"{API}/auth/moi").status_code == 200
    days = (
        ApiKey.objects.get(pk=second.json()["id"]).expires_at - ApiKey.objects.get(pk=second.json()["id"]).created_at
    ).days
    assert days == 365


def test_revoke_a_key(admin_a, tenant_a):
    response = admin_a.delete(f"{API}/habilitations/cles/{tenant_a.key_obj.pk}")

    assert response.status_code == 200 and response.json()["statut"] == "revoquee"
    assert admin_a.delete(f"{API}/habilitations/cles/{tenant_a.key_obj.pk}").status_code == 409
    assert Client(headers={"X-API-KEY": tenant_a.key}).get(f"{API}/auth/moi").status_code == 403


def test_keys_need_the_gerer_cles_right(gest_a, key_a, tenant_a):
    assert gest_a.get(f"{API}/habilitations/cles").status_code == 403
    assert (
        gest_a.post(
            f"{API}/habilitations/cles", {"etablissement_id": tenant_a.etab.pk}, content_type="application/json"
        ).status_code
        == 403
    )
    assert (
        key_a.post(
            f"{API}/habilitations/cles", {"etablissement_id": tenant_a.etab.pk}, content_type="application/json"
        ).status_code
        == 403
    )


def test_key_management_of_another_siret_is_404(admin_a, tenant_b):
    assert admin_a.get(f"{API}/habilitations/cles?etablissement={tenant_b.etab.pk}").status_code == 404
    assert admin_a.delete(f"{API}/habilitations/cles/{tenant_b.key_obj.pk}").status_code == 404
    generated = admin_a.post(
        f"{API}/habilitations/cles", {"etablissement_id": tenant_b.etab.pk}, content_type="application/json"
    )
    assert generated.status_code == 404


def test_pending_invitations_are_for_administrators_only(admin_a, gest_a, tenant_a):
    admin_a.post(f"{API}/habilitations/utilisateurs", new_user(tenant_a.etab.pk), content_type="application/json")

    assert gest_a.get(f"{API}/habilitations/invitations").status_code == 403
    assert len(admin_a.get(f"{API}/habilitations/invitations").json()) == 1
