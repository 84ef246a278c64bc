"""Mes habilitations in the portal: users (list, search, invitations and their follow-up, « Voir
l'utilisateur », rights per établissement, deactivation, the last active administrator), établissements
(list, sheet, contact fields) and the clé d'authentification (shown once, never cached, revoked) — with
the API's answers for another OF (404) and a missing right (403)."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey, Habilitation, Invitation, User
from tests.factories import EtablissementFactory, HabilitationFactory, of_user
from tests.portal.conftest import text_of
from tests.worlds import make_key

pytestmark = pytest.mark.django_db

GESTIONNAIRE_DROITS = ["saisir_contrats", "deposer_pieces", "deposer_factures", "consulter_reglements"]


def invite_form(etab, email="nina.recrue@exemple.fr", role="gestionnaire_of", droits=GESTIONNAIRE_DROITS, **extra):
    return {
        "nom": "RECRUE",
        "prenom": "Nina",
        "email": email,
        "sexe": "F",
        f"rattacher_{etab.pk}": "on",
        f"role_{etab.pk}": role,
        f"droits_{etab.pk}": list(droits),
        **extra,
    }


def edit_form(user, habilitations: dict, **identity):
    """The « Modifier l'utilisateur » form: identity, then {etab: (role, droits)} for the ticked rows."""
    data = {"nom": user.nom, "prenom": user.prenom, "email": user.email, "sexe": user.sexe, **identity}
    for etab, (role, droits) in habilitations.items():
        data |= {f"rattacher_{etab.pk}": "on", f"role_{etab.pk}": role, f"droits_{etab.pk}": list(droits)}
    return data


def main_text(response) -> str:
    """The visible text of the page's ``<main>`` (without the header's switcher and user menu)."""
    html = response.content.decode()
    if "<main" in html:
        html = html.split("<main", 1)[1].split("</main>", 1)[0]
    return text_of(SimpleNamespace(content=html.encode()))


def invitation_link(message) -> str:
    return next(word for word in message.body.split() if "/invitation/" in word)


@pytest.fixture
def antenne(tenant_a):
    """A second établissement of OF GENERIQUE, administered by its administrator alone."""
    etab = EtablissementFactory(raison_sociale="OF GENERIQUE ANTENNE", ville="LYON")
    HabilitationFactory(user=tenant_a.admin, etablissement=etab, role="admin_of", principal=False)
    return etab


# --- Utilisateurs --------------------------------------------------------------------------------


def test_an_administrator_sees_the_users_the_create_button_and_the_pending_invitations(admin_a, tenant_a, tenant_b):
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))

    response = admin_a.get("/habilitations/utilisateurs/")

    page = main_text(response)
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>Utilisateurs</h1>" in html
    for column in ("E-mail", "Nom", "Prénom", "Rôle", "Actif"):
        assert column in page
    assert tenant_a.admin.email in page and tenant_a.gestionnaire.email in page
    assert "Administrateur OF" in page and "Gestionnaire OF" in page
    assert tenant_b.admin.email not in page
    assert 'href="/habilitations/utilisateurs/inviter/"' in html and "+ Créer" in page
    assert f'href="/habilitations/utilisateurs/{tenant_a.gestionnaire.pk}/#modifier"' in html
    assert "Invitations en attente" in page and "nina.recrue@exemple.fr" in page
    invitation = Invitation.objects.get(email="nina.recrue@exemple.fr")
    assert f'action="/habilitations/invitations/{invitation.pk}/renvoyer/"' in html
    assert f'hx-get="/habilitations/invitations/{invitation.pk}/annuler/" hx-target="#dialogue-contenu"' in html
    assert 'aria-current="page">Utilisateurs</a>' in html


def test_a_gestionnaire_sees_the_list_read_only(gest_a, tenant_a):
    response = gest_a.get("/habilitations/utilisateurs/")

    page = main_text(response)
    assert response.status_code == 200 and tenant_a.admin.email in page
    assert "Voir l'utilisateur" in page
    assert "+ Créer" not in page and "Invitations en attente" not in page and "Modifier" not in page
    assert gest_a.get("/habilitations/utilisateurs/inviter/").status_code == 403
    assert gest_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab)).status_code == 403
    assert not Invitation.objects.exists()


def test_search_by_email_nom_prenom_and_pages_in_the_url(admin_a, tenant_a):
    tenant_a.gestionnaire.nom, tenant_a.gestionnaire.prenom = "DURAND", "Lise"
    tenant_a.gestionnaire.save()

    by_name = admin_a.get("/habilitations/utilisateurs/?q=durand")
    by_both = admin_a.get("/habilitations/utilisateurs/?q=lise+DUR")
    by_email = admin_a.get(f"/habilitations/utilisateurs/?q={tenant_a.admin.email}")
    second = admin_a.get("/habilitations/utilisateurs/?taille=1&page=2")

    assert tenant_a.gestionnaire.email in main_text(by_name) and tenant_a.admin.email not in main_text(by_name)
    assert tenant_a.gestionnaire.email in main_text(by_both)
    assert tenant_a.admin.email in main_text(by_email) and tenant_a.gestionnaire.email not in main_text(by_email)
    assert "2-2 sur 2" in main_text(second)
    assert '<details class="filtres filtres-liste" open>' in by_name.content.decode()
    assert admin_a.get("/habilitations/utilisateurs/?page=x").status_code == 422
    too_big = admin_a.get("/habilitations/utilisateurs/?taille=500")
    assert too_big.status_code == 422 and "La taille de page est comprise entre 1 et 100." in main_text(too_big)


def test_the_users_of_another_ofs_etablissement_are_a_404(admin_a, tenant_b):
    assert admin_a.get(f"/habilitations/utilisateurs/?etablissement={tenant_b.etab.pk}").status_code == 404


def test_the_list_stays_within_twelve_queries_whatever_the_page_size(admin_a, tenant_a, django_assert_max_num_queries):
    for _ in range(60):
        of_user(tenant_a.etab)
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))
    admin_a.get("/habilitations/utilisateurs/")

    counts = []
    for size in (10, 50):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            response = admin_a.get(f"/habilitations/utilisateurs/?taille={size}&page=2")
        assert response.status_code == 200 and "sur 62" in main_text(response)
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- Créer un utilisateur (invitation) ----------------------------------------------------------------


def test_the_form_offers_only_the_etablissements_the_administrator_administers(admin_a, tenant_a, antenne):
    elsewhere = EtablissementFactory(raison_sociale="CFA OU ELLE EST GESTIONNAIRE")
    HabilitationFactory(user=tenant_a.admin, etablissement=elsewhere, principal=False)

    response = admin_a.get("/habilitations/utilisateurs/inviter/")

    page = main_text(response)
    html = response.content.decode()
    assert "<h1>Créer un utilisateur</h1>" in html
    for label in ("Nom", "Prénom", "E-mail", "Sexe", "Type de rôle", "Habilitations", "Enregistrer"):
        assert label in page
    assert "OF GENERIQUE — SIRET" in page and "OF GENERIQUE ANTENNE" in page
    assert "CFA OU ELLE EST GESTIONNAIRE" not in page
    assert f'name="rattacher_{tenant_a.etab.pk}" id="id_rattacher_{tenant_a.etab.pk}" checked' in html
    assert f'name="rattacher_{antenne.pk}" id="id_rattacher_{antenne.pk}">' in html
    assert "<legend>Habilitations</legend>" in html and "Gérer les clés d'authentification" in page


def test_inviting_sends_the_link_and_creates_no_account_until_she_accepts(admin_a, tenant_a, antenne, settings):
    settings.PORTAIL = {**settings.PORTAIL, "BASE_URL": "https://portail.exemple.fr"}
    data = invite_form(tenant_a.etab) | {
        f"rattacher_{antenne.pk}": "on",
        f"role_{antenne.pk}": "admin_of",
        f"droits_{antenne.pk}": ["consulter_reglements", "gerer_utilisateurs", "gerer_cles"],
    }

    response = admin_a.post("/habilitations/utilisateurs/inviter/", data)

    assert response.status_code == 302 and response["Location"] == "/habilitations/utilisateurs/"
    page = main_text(admin_a.get(response["Location"]))
    assert (
        "Invitation envoyée à nina.recrue@exemple.fr : la personne choisit son mot de passe en suivant le lien reçu "
        "par e-mail (valable 7 jours)." in page
    )
    [message] = mail.outbox
    assert message.to == ["nina.recrue@exemple.fr"]
    assert invitation_link(message).startswith("https://portail.exemple.fr/invitation/")
    assert not User.objects.filter(email="nina.recrue@exemple.fr").exists()
    invitation = Invitation.objects.get(email="nina.recrue@exemple.fr")
    offers = {h.etablissement_id: (h.role, sorted(h.droits)) for h in invitation.habilitations.all()}
    assert offers == {
        tenant_a.etab.pk: ("gestionnaire_of", sorted(GESTIONNAIRE_DROITS)),
        antenne.pk: ("admin_of", ["consulter_reglements", "gerer_cles", "gerer_utilisateurs"]),
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"nom": ""}, "nom", "Ce champ est obligatoire."),
        ({"email": "pas-une-adresse"}, "email", "Adresse e-mail invalide."),
        ({"sexe": "X"}, "sexe", "Sélectionnez un choix valide."),
        ({"rattacher_{etab}": ""}, None, "Rattachez l'utilisateur à au moins un établissement."),
        ({"role_{etab}": ""}, "role_{etab}", "Choisissez le type de rôle."),
        (
            {"droits_{etab}": ["saisir_contrats", "gerer_cles"]},
            "droits_{etab}",
            "Le droit « Gérer les clés d'authentification » est réservé aux administrateurs.",
        ),
        ({"droits_{etab}": ["tout"]}, "droits_{etab}", "Sélectionnez un choix valide."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_kept_with_a_422(admin_a, tenant_a, change, field, message):
    etab = tenant_a.etab.pk
    data = invite_form(tenant_a.etab)
    for key, value in change.items():
        key = key.format(etab=etab)
        if value == "":
            data.pop(key, None)
        else:
            data[key] = value

    response = admin_a.post("/habilitations/utilisateurs/inviter/", data)

    assert response.status_code == 422
    assert message in main_text(response)
    html = response.content.decode()
    if field:
        assert f'id="id_{field.format(etab=etab)}_error"' in html
    assert f'value="{data["email"]}"' in html  # what was typed is kept
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_another_ofs_user_reveals_nothing_and_changes_nothing_of_hers(admin_a, tenant_a, tenant_b):
    person = tenant_b.gestionnaire
    before = list(Habilitation.objects.filter(user=person).values())
    new = admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab, email="quelquun@exemple.fr"))
    new_page = main_text(admin_a.get("/habilitations/utilisateurs/"))

    existing = admin_a.post(
        "/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab, email=person.email, nom="AUTRE")
    )
    existing_page = main_text(admin_a.get("/habilitations/utilisateurs/"))

    assert new.status_code == existing.status_code == 302 and new["Location"] == existing["Location"]
    said_new = re.search(r"Invitation envoyée à \S+ : [^.]+\.", new_page).group(0)
    said_existing = re.search(r"Invitation envoyée à \S+ : [^.]+\.", existing_page).group(0)
    assert said_new.replace("quelquun@exemple.fr", "X") == said_existing.replace(person.email, "X")
    person.refresh_from_db()
    assert person.nom != "AUTRE" and list(Habilitation.objects.filter(user=person).values()) == before
    assert not Habilitation.objects.filter(user=person, etablissement=tenant_a.etab).exists()
    assert person.nom not in existing_page.split("Invitations en attente")[0]  # not listed among the users
    assert len(mail.outbox) == 2 and mail.outbox[1].to == [person.email]


def test_an_address_already_attached_or_already_invited_is_the_services_409_on_the_form(admin_a, tenant_a):
    attached = admin_a.post(
        "/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab, email=tenant_a.gestionnaire.email)
    )
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))
    twice = admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))

    assert attached.status_code == 409
    assert "Cette personne est déjà rattachée à cet établissement : modifiez ses droits plutôt." in main_text(attached)
    assert twice.status_code == 409
    assert "Une invitation est déjà en attente pour cette adresse : renvoyez-la plutôt." in main_text(twice)
    assert 'value="RECRUE"' in twice.content.decode()


def test_when_the_email_cannot_leave_the_invitation_is_kept_and_a_warning_says_so(admin_a, tenant_a, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("serveur de messagerie indisponible")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)

    response = admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab), follow=True)

    page = main_text(response)
    assert "l'e-mail n'a pas pu partir" in page and "Invitation envoyée" not in page
    assert Invitation.objects.filter(email="nina.recrue@exemple.fr").exists()


# --- Invitations en attente: renvoyer, annuler ----------------------------------------------------------


def test_resend_sends_a_new_link_and_the_old_one_stops_working(admin_a, tenant_a):
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))
    invitation = Invitation.objects.get()
    first = invitation_link(mail.outbox[0])

    response = admin_a.post(f"/habilitations/invitations/{invitation.pk}/renvoyer/")

    assert response.status_code == 302 and response["Location"] == "/habilitations/utilisateurs/"
    assert "Invitation renvoyée à nina.recrue@exemple.fr" in main_text(admin_a.get(response["Location"]))
    second = invitation_link(mail.outbox[1])
    assert first != second
    path = lambda link: link[link.index("/invitation/") :]  # noqa: E731
    from django.test import Client

    assert Client().get(path(first)).status_code == 404
    assert Client().get(path(second)).status_code == 200
    assert admin_a.get(f"/habilitations/invitations/{invitation.pk}/renvoyer/").status_code == 405


def test_expired_invitations_are_marked_and_can_be_resent(admin_a, tenant_a):
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(days=1))

    page = main_text(admin_a.get("/habilitations/utilisateurs/"))

    assert "expirée" in page
    admin_a.post(f"/habilitations/invitations/{Invitation.objects.get().pk}/renvoyer/")
    assert "expirée" not in main_text(admin_a.get("/habilitations/utilisateurs/"))


def test_cancel_asks_for_confirmation_in_a_page_or_the_dialog_then_cancels(admin_a, tenant_a):
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))
    invitation = Invitation.objects.get()
    url = f"/habilitations/invitations/{invitation.pk}/annuler/"

    page = admin_a.get(url)
    dialog = admin_a.get(url, HTTP_HX_REQUEST="true")
    response = admin_a.post(url)

    assert page.status_code == 200 and '<h1 id="dialogue-titre">' in page.content.decode()
    assert "<html" in page.content.decode() and "data-fermer" not in page.content.decode()
    fragment = dialog.content.decode()
    assert "<html" not in fragment and '<h2 id="dialogue-titre">' in fragment and "data-fermer" in fragment
    assert f'action="{url}"' in fragment
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    assert (
        "nina.recrue@exemple.fr" not in main_text(admin_a.get("/habilitations/utilisateurs/")).split("Invitations")[-1]
    )
    assert admin_a.get(url).status_code == 404  # no longer pending


def test_another_ofs_invitation_is_a_404_and_a_gestionnaire_gets_a_403(admin_a, admin_b, gest_a, tenant_a, tenant_b):
    admin_b.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_b.etab, email="chez-b@exemple.fr"))
    admin_a.post("/habilitations/utilisateurs/inviter/", invite_form(tenant_a.etab))
    theirs = Invitation.objects.get(email="chez-b@exemple.fr")
    ours = Invitation.objects.get(email="nina.recrue@exemple.fr")

    assert admin_a.get(f"/habilitations/invitations/{theirs.pk}/annuler/").status_code == 404
    assert admin_a.post(f"/habilitations/invitations/{theirs.pk}/annuler/").status_code == 404
    assert admin_a.post(f"/habilitations/invitations/{theirs.pk}/renvoyer/").status_code == 404
    assert gest_a.get(f"/habilitations/invitations/{ours.pk}/annuler/").status_code == 403
    assert gest_a.post(f"/habilitations/invitations/{ours.pk}/annuler/").status_code == 403
    assert gest_a.post(f"/habilitations/invitations/{ours.pk}/renvoyer/").status_code == 403
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert theirs.cancelled_at is None and ours.cancelled_at is None
    assert len(mail.outbox) == 2


# --- Voir l'utilisateur, modifier, désactiver ---------------------------------------------------------


def test_voir_lutilisateur_shows_her_identity_and_only_the_viewers_etablissements(admin_a, tenant_a, tenant_b):
    person = tenant_a.gestionnaire
    HabilitationFactory(user=person, etablissement=tenant_b.etab, principal=False)

    response = admin_a.get(f"/habilitations/utilisateurs/{person.pk}/")

    page = main_text(response)
    assert response.status_code == 200 and "<h1>Voir l'utilisateur</h1>" in response.content.decode()
    assert person.email in page and person.nom in page and "Féminin" in page
    assert tenant_a.etab.siret in page and "Gestionnaire OF" in page and "Consulter les règlements" in page
    assert tenant_b.etab.siret not in page and tenant_b.etab.raison_sociale not in page
    assert "Modifier l'utilisateur" in page and "Désactiver l'utilisateur" in page


def test_a_gestionnaire_sees_a_user_read_only_and_cannot_change_her(gest_a, tenant_a):
    admin = tenant_a.admin

    page = gest_a.get(f"/habilitations/utilisateurs/{admin.pk}/")
    refused = gest_a.post(
        f"/habilitations/utilisateurs/{admin.pk}/", edit_form(admin, {tenant_a.etab: ("gestionnaire_of", [])})
    )
    deactivate = gest_a.post(f"/habilitations/utilisateurs/{admin.pk}/activation/", {"actif": "0"})
    confirmation = gest_a.get(f"/habilitations/utilisateurs/{admin.pk}/activation/")

    assert page.status_code == 200 and admin.email in main_text(page)
    assert "<form" not in page.content.decode().split('id="contenu"')[1]
    assert refused.status_code == 403 and deactivate.status_code == 403 and confirmation.status_code == 403
    assert Habilitation.objects.get(user=admin, etablissement=tenant_a.etab).role == "admin_of"
    admin.refresh_from_db()
    assert admin.is_active


def test_another_ofs_user_is_a_404_to_read_edit_or_deactivate(admin_a, tenant_b):
    person = tenant_b.gestionnaire
    url = f"/habilitations/utilisateurs/{person.pk}/"

    assert admin_a.get(url).status_code == 404
    assert admin_a.post(url, edit_form(person, {}, nom="PIRATE")).status_code == 404
    assert admin_a.get(url + "activation/").status_code == 404
    assert admin_a.post(url + "activation/", {"actif": "0"}).status_code == 404
    person.refresh_from_db()
    assert person.nom != "PIRATE" and person.is_active


def test_an_administrator_changes_role_rights_and_attaches_another_of_her_etablissements(admin_a, tenant_a, antenne):
    person = tenant_a.gestionnaire
    url = f"/habilitations/utilisateurs/{person.pk}/"

    response = admin_a.post(
        url,
        edit_form(
            person,
            {
                tenant_a.etab: ("gestionnaire_of", ["saisir_contrats", "consulter_reglements"]),
                antenne: ("admin_of", ["gerer_utilisateurs", "gerer_cles"]),
            },
            nom="MARTIN",
        ),
    )

    assert response.status_code == 302 and response["Location"] == url
    assert "sont enregistrés" in main_text(admin_a.get(url))
    person.refresh_from_db()
    assert person.nom == "MARTIN"
    here = Habilitation.objects.get(user=person, etablissement=tenant_a.etab)
    there = Habilitation.objects.get(user=person, etablissement=antenne)
    assert {d.value for d in here.droits} == {"saisir_contrats", "consulter_reglements"}
    assert there.role == "admin_of" and {d.value for d in there.droits} == {"gerer_utilisateurs", "gerer_cles"}

    detached = admin_a.post(url, edit_form(person, {tenant_a.etab: ("gestionnaire_of", GESTIONNAIRE_DROITS)}))
    assert detached.status_code == 302
    assert not Habilitation.objects.filter(user=person, etablissement=antenne).exists()

    gone = admin_a.post(url, edit_form(person, {}))
    assert gone.status_code == 302 and gone["Location"] == "/habilitations/utilisateurs/"
    assert not Habilitation.objects.filter(user=person).exists()
    assert admin_a.get(url).status_code == 404


def test_the_last_active_administrator_can_be_neither_demoted_nor_deactivated(admin_a, tenant_a, antenne):
    me = tenant_a.admin
    url = f"/habilitations/utilisateurs/{me.pk}/"

    demoted = admin_a.post(
        url,
        edit_form(
            me, {tenant_a.etab: ("admin_of", [d for d in ("gerer_utilisateurs",)]), antenne: ("gestionnaire_of", [])}
        ),
    )
    deactivated = admin_a.post(url + "activation/", {"actif": "0"})

    assert demoted.status_code == 422
    assert "est le dernier administrateur actif de « OF GENERIQUE ANTENNE »" in main_text(demoted)
    assert "nommez d'abord un autre administrateur" in main_text(demoted)
    assert deactivated.status_code == 422
    assert "Vous ne pouvez pas désactiver votre propre compte." in main_text(deactivated)
    assert Habilitation.objects.get(user=me, etablissement=antenne).role == "admin_of"
    me.refresh_from_db()
    assert me.is_active


def test_an_administrator_cannot_remove_her_own_administration(admin_a, tenant_a):
    me = tenant_a.admin

    response = admin_a.post(
        f"/habilitations/utilisateurs/{me.pk}/", edit_form(me, {tenant_a.etab: ("gestionnaire_of", [])})
    )

    assert response.status_code == 422
    assert "Vous ne pouvez pas retirer vos propres droits d'administrateur." in main_text(response)


def test_the_identity_of_a_user_also_at_another_of_is_hers_only_her_rights_here_are_editable(
    admin_a, tenant_a, tenant_b
):
    person = tenant_a.gestionnaire
    HabilitationFactory(user=person, etablissement=tenant_b.etab, principal=False)
    url = f"/habilitations/utilisateurs/{person.pk}/"

    renamed = admin_a.post(url, edit_form(person, {tenant_a.etab: ("gestionnaire_of", GESTIONNAIRE_DROITS)}, nom="X"))
    rights = admin_a.post(url, edit_form(person, {tenant_a.etab: ("gestionnaire_of", ["saisir_contrats"])}))
    deactivated = admin_a.post(url + "activation/", {"actif": "0"})

    assert renamed.status_code == 403
    assert "seuls ses droits sur vos établissements peuvent être modifiés" in main_text(renamed)
    assert 'value="X"' in renamed.content.decode()
    assert rights.status_code == 302
    assert Habilitation.objects.get(user=person, etablissement=tenant_a.etab).droits == {"saisir_contrats"}
    assert deactivated.status_code == 403
    person.refresh_from_db()
    assert person.nom != "X" and person.is_active
    assert Habilitation.objects.filter(user=person, etablissement=tenant_b.etab).exists()


def test_deactivate_through_a_confirmation_then_reactivate(admin_a, tenant_a):
    person = tenant_a.gestionnaire
    url = f"/habilitations/utilisateurs/{person.pk}/activation/"

    confirm = admin_a.get(url)
    dialog = admin_a.get(url, HTTP_HX_REQUEST="true")
    off = admin_a.post(url, {"actif": "0"})

    assert confirm.status_code == 200 and "Désactiver l'utilisateur" in main_text(confirm)
    assert '<h2 id="dialogue-titre">' in dialog.content.decode() and "data-fermer" in dialog.content.decode()
    assert off.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert Habilitation.objects.get(user=person).droits == {
        "saisir_contrats",
        "deposer_pieces",
        "deposer_factures",
        "consulter_reglements",
    }
    assert "Non" in main_text(admin_a.get("/habilitations/utilisateurs/?q=" + person.email))
    assert "Réactiver l'utilisateur" in main_text(admin_a.get(url))
    assert admin_a.post(url, {"actif": "1"}).status_code == 302
    person.refresh_from_db()
    assert person.is_active
    assert admin_a.post(url, {"actif": "peut-être"}).status_code == 422


def test_the_user_page_stays_within_twelve_queries(admin_a, tenant_a, django_assert_max_num_queries):
    for _ in range(10):
        etab = EtablissementFactory()
        HabilitationFactory(user=tenant_a.admin, etablissement=etab, role="admin_of", principal=False)
        HabilitationFactory(user=tenant_a.gestionnaire, etablissement=etab, principal=False)

    with django_assert_max_num_queries(12):
        response = admin_a.get(f"/habilitations/utilisateurs/{tenant_a.gestionnaire.pk}/")
    assert response.status_code == 200 and "Établissements 11" in main_text(response)
    with django_assert_max_num_queries(12):
        assert admin_a.get("/habilitations/utilisateurs/inviter/").status_code == 200


# --- Établissements ---------------------------------------------------------------------------------


def test_the_list_of_my_etablissements_with_filters_and_sort(admin_a, tenant_a, tenant_b, antenne):
    response = admin_a.get("/habilitations/etablissements/")

    page = main_text(response)
    html = response.content.decode()
    assert "<h1>La liste des établissements</h1>" in html
    for column in ("Établissement principal", "SIRET", "Établissement", "Adresse", "Ville", "Actif"):
        assert column in page
    assert tenant_a.etab.siret in page and antenne.siret in page and tenant_b.etab.siret not in page
    assert f'href="/habilitations/etablissements/{antenne.pk}/"' in html

    lyon = main_text(admin_a.get("/habilitations/etablissements/?ville=lyon"))
    by_siret = main_text(admin_a.get(f"/habilitations/etablissements/?q={tenant_a.etab.siret[:9]}"))
    inactive = main_text(admin_a.get("/habilitations/etablissements/?actif=non"))
    principal_first = main_text(admin_a.get("/habilitations/etablissements/?tri=principal"))
    by_city = main_text(admin_a.get("/habilitations/etablissements/?tri=-ville"))

    assert antenne.siret in lyon and tenant_a.etab.siret not in lyon
    assert tenant_a.etab.siret in by_siret and antenne.siret not in by_siret
    assert "Aucun établissement ne correspond" in inactive
    assert principal_first.index(tenant_a.etab.siret) < principal_first.index(antenne.siret)
    assert by_city.index(tenant_a.etab.siret) < by_city.index(antenne.siret)  # SEVRES before LYON
    for column in ("siret", "raison_sociale", "adresse", "actif"):
        assert admin_a.get(f"/habilitations/etablissements/?tri={column}").status_code == 200
    bad = admin_a.get("/habilitations/etablissements/?tri=chiffre&actif=peut-etre")
    assert bad.status_code == 422 and "Sélectionnez un choix valide." in main_text(bad)
    assert "Tri inconnu : « chiffre »." in main_text(admin_a.get("/habilitations/etablissements/?tri=chiffre"))


def test_the_sheet_of_an_etablissement_and_its_contact_fields(admin_a, tenant_a):
    url = f"/habilitations/etablissements/{tenant_a.etab.pk}/"

    page = main_text(admin_a.get(url))
    saved = admin_a.post(url, {"email": "contact@of-generique.fr", "telephone": "01 23 45 67 89"})
    invalid = admin_a.post(url, {"email": "contact@", "telephone": "12"})

    e = tenant_a.etab
    for value in (e.raison_sociale, e.siren, e.nic, e.siret, e.uai, e.adresse, e.code_postal, e.ville, "France"):
        assert value in page
    assert "Numéro de déclaration d'activité" in page and "Numéro de téléphone" in page and "Enregistrer" in page
    assert saved.status_code == 302
    e.refresh_from_db()
    assert (e.email, e.telephone) == ("contact@of-generique.fr", "01 23 45 67 89")
    assert invalid.status_code == 422
    assert "Adresse e-mail invalide." in main_text(invalid) and "Numéro de téléphone invalide." in main_text(invalid)
    assert 'value="contact@"' in invalid.content.decode()
    e.refresh_from_db()
    assert e.email == "contact@of-generique.fr"


def test_a_gestionnaire_reads_the_sheet_without_editing_it(gest_a, tenant_a):
    url = f"/habilitations/etablissements/{tenant_a.etab.pk}/"

    page = gest_a.get(url)
    refused = gest_a.post(url, {"email": "pirate@exemple.fr", "telephone": ""})

    assert page.status_code == 200 and 'name="email"' not in page.content.decode()
    assert refused.status_code == 403
    assert "Seul un administrateur de l'établissement peut modifier ses coordonnées." in main_text(refused)
    tenant_a.etab.refresh_from_db()
    assert tenant_a.etab.email == ""


def test_another_ofs_etablissement_is_a_404(admin_a, tenant_b):
    url = f"/habilitations/etablissements/{tenant_b.etab.pk}/"

    assert admin_a.get(url).status_code == 404
    assert admin_a.post(url, {"email": "pirate@exemple.fr"}).status_code == 404
    tenant_b.etab.refresh_from_db()
    assert tenant_b.etab.email == ""


def test_the_etablissement_pages_stay_within_twelve_queries(admin_a, tenant_a, django_assert_max_num_queries):
    for _ in range(30):
        HabilitationFactory(user=tenant_a.admin, etablissement=EtablissementFactory(), principal=False)
    with django_assert_max_num_queries(12):
        assert "1-10 sur 31" in main_text(admin_a.get("/habilitations/etablissements/"))
    with django_assert_max_num_queries(12):
        assert admin_a.get(f"/habilitations/etablissements/{tenant_a.etab.pk}/").status_code == 200


# --- Clé d'authentification -------------------------------------------------------------------------------


def test_the_key_page_shows_the_current_key_and_the_guides_text(admin_a, tenant_a):
    response = admin_a.get("/habilitations/cle/")

    page = main_text(response)
    html = response.content.decode()
    key = tenant_a.key_obj
    assert response.status_code == 200 and "<h1>Clé d'authentification</h1>" in html
    assert f"pof_{key.prefix}_…" in page and "Active" in page
    assert "Créée le 20 novembre 2026" in page and "Expire le 20 novembre 2027" in page
    assert "Dernière utilisation Jamais utilisée" in page
    assert "365 jours" in page and 'href="/api/v1/docs"' in html
    assert "+ Générer ma clé d'authentification" in page
    assert 'hx-get="/habilitations/cle/generer/' in html and f'hx-get="/habilitations/cle/{key.pk}/revoquer/"' in html
    assert tenant_a.key not in html and "expire le" not in page.split("Votre clé actuelle")[0].lower()


def test_a_warning_when_the_key_expires_within_30_days(admin_a, tenant_a):
    ApiKey.objects.filter(pk=tenant_a.key_obj.pk).update(expires_at=timezone.now() + timedelta(days=12, hours=1))
    soon = main_text(admin_a.get("/habilitations/cle/"))
    ApiKey.objects.filter(pk=tenant_a.key_obj.pk).update(expires_at=timezone.now() + timedelta(days=31))
    later = main_text(admin_a.get("/habilitations/cle/"))
    ApiKey.objects.filter(pk=tenant_a.key_obj.pk).update(expires_at=timezone.now() - timedelta(days=1))
    expired = main_text(admin_a.get("/habilitations/cle/"))

    assert "Votre clé d'authentification expire le" in soon and "(dans 12 jours)" in soon
    assert "Votre clé d'authentification expire le" not in later
    assert "Votre clé d'authentification a expiré le" in expired and "Expirée" in expired


def test_generate_shows_the_key_once_never_cached_and_revokes_the_previous_one(admin_a, tenant_a):
    previous = tenant_a.key_obj
    confirm = admin_a.get("/habilitations/cle/generer/")
    token = re.search(r'name="jeton" value="([^"]+)"', confirm.content.decode()).group(1)

    response = admin_a.post(f"/habilitations/cle/generer/?etablissement={tenant_a.etab.pk}", {"jeton": token})

    assert f"La clé actuelle (pof_{previous.prefix}_…) sera révoquée" in main_text(confirm)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    raw = re.search(r'id="cle-generee" value="([^"]+)"', html).group(1)
    assert raw.startswith("pof_") and "readonly" in html
    assert 'data-copier="#cle-generee"' in html and ">Copier</button>" in html
    assert "Copiez cette clé maintenant : elle ne sera plus jamais affichée" in main_text(response)
    new = ApiKey.objects.get(key_hash=ApiKey.hash_of(raw))
    assert new.etablissement_id == tenant_a.etab.pk and new.revoked_at is None
    previous.refresh_from_db()
    assert previous.revoked_at is not None
    # Never in the session nor in a message: the key page and a replay of the same form do not show it.
    assert all(raw not in str(s.get_decoded()) for s in Session.objects.all())
    again = admin_a.post("/habilitations/cle/generer/", {"jeton": token})
    assert again.status_code == 302 and again["Location"] == "/habilitations/cle/"
    later = admin_a.get("/habilitations/cle/")
    assert raw not in later.content.decode() and "aucune nouvelle clé n'a été générée" in main_text(later)
    assert ApiKey.objects.filter(etablissement=tenant_a.etab).count() == 2
    assert f"pof_{new.prefix}_…" in main_text(later) and f"pof_{previous.prefix}_…" in main_text(later)
    assert raw not in admin_a.get("/habilitations/cle/generer/").content.decode()


def test_generate_without_the_confirmation_token_generates_nothing(admin_a, tenant_a):
    response = admin_a.post("/habilitations/cle/generer/", {})

    assert response.status_code == 302
    assert ApiKey.objects.filter(etablissement=tenant_a.etab).count() == 1


def test_the_generation_dialog_is_a_fragment_with_its_heading_and_annuler(admin_a):
    dialog = admin_a.get("/habilitations/cle/generer/", HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in dialog and '<h2 id="dialogue-titre">Générer ma clé' in dialog
    assert "data-fermer" in dialog and 'name="jeton"' in dialog


def test_revoke_through_its_confirmation(admin_a, tenant_a):
    key = tenant_a.key_obj
    url = f"/habilitations/cle/{key.pk}/revoquer/"

    confirm = admin_a.get(url)
    dialog = admin_a.get(url, HTTP_HX_REQUEST="true")
    response = admin_a.post(url)
    page = main_text(admin_a.get("/habilitations/cle/"))
    again = admin_a.post(url)

    assert confirm.status_code == 200 and f"Révoquer la clé pof_{key.prefix}_… ?" in main_text(confirm)
    assert "data-fermer" in dialog.content.decode() and "<html" not in dialog.content.decode()
    assert response.status_code == 302 and response["Location"] == "/habilitations/cle/"
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "est révoquée" in page and "Aucune clé d'authentification n'est active pour ce SIRET." in page
    assert again.status_code == 409 and "Cette clé est déjà révoquée." in main_text(again)


def test_without_gerer_les_cles_every_key_page_is_a_403(gest_a, tenant_a):
    key = tenant_a.key_obj
    for url in ("/habilitations/cle/", "/habilitations/cle/generer/", f"/habilitations/cle/{key.pk}/revoquer/"):
        response = gest_a.get(url)
        assert response.status_code == 403, url
        assert "Gérer les clés d'authentification" in main_text(response)
    assert gest_a.post("/habilitations/cle/generer/", {"jeton": "x"}).status_code == 403
    assert gest_a.post(f"/habilitations/cle/{key.pk}/revoquer/").status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None and ApiKey.objects.filter(etablissement=tenant_a.etab).count() == 1


def test_another_ofs_key_is_a_404(admin_a, tenant_b):
    key = tenant_b.key_obj
    url = f"/habilitations/cle/{key.pk}/revoquer/"

    assert admin_a.get(url).status_code == 404
    assert admin_a.post(url).status_code == 404
    assert admin_a.get(f"/habilitations/cle/?etablissement={tenant_b.etab.pk}").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_each_siret_has_its_key_chosen_in_the_header(admin_a, tenant_a, antenne):
    key, _ = make_key(antenne, tenant_a.admin)

    page = main_text(admin_a.get(f"/habilitations/cle/?etablissement={antenne.pk}"))
    confirm = admin_a.get("/habilitations/cle/generer/")  # the header's choice is remembered
    token = re.search(r'name="jeton" value="([^"]+)"', confirm.content.decode()).group(1)
    admin_a.post(f"/habilitations/cle/generer/?etablissement={antenne.pk}", {"jeton": token})

    assert f"pof_{key.prefix}_…" in page and f"pof_{tenant_a.key_obj.prefix}_…" not in page
    key.refresh_from_db()
    tenant_a.key_obj.refresh_from_db()
    assert key.revoked_at is not None and tenant_a.key_obj.revoked_at is None


def test_the_key_pages_stay_within_twelve_queries(admin_a, tenant_a, django_assert_max_num_queries):
    for _ in range(15):
        ApiKey.objects.filter(etablissement=tenant_a.etab, revoked_at__isnull=True).update(revoked_at=timezone.now())
        make_key(tenant_a.etab, tenant_a.admin)
    with django_assert_max_num_queries(12):
        assert admin_a.get("/habilitations/cle/").status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_a.get("/habilitations/cle/generer/").status_code == 200
