"""Notifications in the portal: the guide's list (filters, sort on every column, pagination), examine,
mark read, delete (with confirmation), « tout marquer comme lu », « tout supprimer »; the header's
badge; another OF's or user's notification is a 404."""

from __future__ import annotations

import html as html_module
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile

from accounts.models import Habilitation
from cases.models import Courrier, Destinataire, Notification, StatutCourrier, TypeCourrier
from tests.factories import NOW, PDF_BYTES, DossierFactory, EtablissementFactory
from tests.portal.conftest import signed_in, text_of
from tests.worlds import make_courrier

pytestmark = pytest.mark.django_db
LIST = "/notifications/"
MESSAGE = "Un nouveau courrier a été déposé dans votre dossier."


def rows(response) -> list[str]:
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = [html_module.unescape(re.sub(r"<[^>]+>", " ", r)) for r in body.split("</tr>") if "<td" in r]
    return [re.sub(r"\s+", " ", c).strip() for c in cells]


def hrefs(response) -> list[str]:
    return [html_module.unescape(h) for h in re.findall(r'href="([^"]+)"', response.content.decode())]


def badge(response) -> str:
    return re.search(r'aria-label="Notifications : (\d+) non lue', response.content.decode()).group(1)


def notify(user, dossier=None, *, facture=None, reglement=None, days=0, destinataire=Destinataire.OF) -> Notification:
    if dossier is not None:
        courrier = make_courrier(dossier, destinataire=destinataire)
    else:
        owner = facture.emetteur if facture else reglement.beneficiaire
        courrier = Courrier(
            cle=f"test-notif:{Courrier.objects.count() + 1}",
            type=TypeCourrier.FACTURE_REJET if facture else TypeCourrier.AVIS_PAIEMENT,
            destinataire=Destinataire.OF,
            destinataire_etablissement=owner,
            of_etablissement=owner,
            facture=facture,
            reglement=reglement,
            statut=StatutCourrier.EMIS,
            created_at=NOW,
            emis_at=NOW,
        )
        courrier.fichier.save("courrier.pdf", ContentFile(PDF_BYTES), save=False)
        courrier.save()
    return Notification.objects.create(user=user, courrier=courrier, created_at=NOW + timedelta(days=days))


# --- The list ------------------------------------------------------------------------------------


def test_the_list_has_the_guide_columns_and_the_badge_counts_unread(gest_a, tenant_a):
    response = gest_a.get(LIST)

    assert response.status_code == 200
    headers = re.findall(r'<th scope="col"[^>]*>(?:<a[^>]*>)?([^<]+)', response.content.decode())
    assert headers == [
        "N° de dossier",
        "Message",
        "SIRET",
        "Raison sociale",
        "Prénom du stagiaire",
        "Nom du stagiaire",
        "Date",
        "Statut",
        "Actions",
    ]
    [row] = rows(response)
    d, of = tenant_a.dossier, tenant_a.etab
    assert row.startswith(
        f"{d.reference} {MESSAGE} Courrier d'accord (Organisme de formation) {d.reference} (PDF) "
        f"{of.siret} {of.raison_sociale} Léa MARTIN 20 novembre 2026 Non lue Examiner"
    )
    assert f"/fichiers/courriers/{tenant_a.courrier.pk}/" in hrefs(response)
    assert badge(response) == "1"
    assert "/mon-compte/notifications/" in hrefs(response) and "Gérer mes notifications" in text_of(response)
    assert response.content.decode().count("<h1") == 1


def test_a_dossier_appears_once_per_courrier(gest_a, tenant_a):
    notify(tenant_a.gestionnaire, tenant_a.dossier, destinataire=Destinataire.ENTREPRISE)

    response = gest_a.get(LIST)

    assert [r.split(" ")[0] for r in rows(response)] == [tenant_a.dossier.reference] * 2
    assert tenant_a.entreprise.siret in " ".join(rows(response))


def test_examine_marks_read_and_opens_the_dossier_and_the_badge_drops(gest_a, tenant_a):
    n = tenant_a.notification

    response = gest_a.get(f"/notifications/{n.pk}/examiner/")

    assert response.status_code == 302 and response["Location"] == f"/dossiers/{tenant_a.dossier.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None
    after = gest_a.get(LIST)
    assert badge(after) == "0" and "Lue" in rows(after)[0]


def test_examine_a_courrier_on_a_facture_or_a_paiement_opens_its_page(gest_a, tenant_a):
    on_facture = notify(tenant_a.gestionnaire, facture=tenant_a.facture)
    on_paiement = notify(tenant_a.gestionnaire, reglement=tenant_a.reglement)

    facture = gest_a.get(f"/notifications/{on_facture.pk}/examiner/")
    paiement = gest_a.get(f"/notifications/{on_paiement.pk}/examiner/")

    assert facture["Location"] == f"/factures/{tenant_a.facture.pk}/"
    assert paiement["Location"] == f"/paiements/{tenant_a.reglement.pk}/"
    listed = " ".join(rows(gest_a.get(LIST)))
    assert f"Facture {tenant_a.facture.numero}" in listed and f"Règlement {tenant_a.reglement.numero}" in listed


def test_mark_one_read_goes_back_to_the_list_as_it_was(gest_a, tenant_a):
    n = tenant_a.notification
    back = "/notifications/?lue=non&tri=-nom"

    assert gest_a.get(f"/notifications/{n.pk}/lue/").status_code == 405
    response = gest_a.post(f"/notifications/{n.pk}/lue/", {"suite": back})

    assert response.status_code == 302 and response["Location"] == back
    n.refresh_from_db()
    assert n.read_at is not None
    assert "La notification est marquée comme lue." in text_of(gest_a.get(back))


def test_the_way_back_never_leaves_the_portal(gest_a, tenant_a):
    response = gest_a.post(f"/notifications/{tenant_a.notification.pk}/lue/", {"suite": "https://ailleurs.example/"})

    assert response["Location"] == LIST


def test_delete_one_asks_first_then_deletes(gest_a, tenant_a):
    n = tenant_a.notification
    url = f"/notifications/{n.pk}/supprimer/?suite=%2Fnotifications%2F%3Fpage%3D1"

    page = gest_a.get(url)
    dialog = gest_a.get(url, HTTP_HX_REQUEST="true")

    assert page.status_code == 200 and '<h1 id="dialogue-titre">Supprimer la notification</h1>' in page.content.decode()
    assert "Vous êtes sur le point de supprimer la notification du 20 novembre 2026" in text_of(page)
    assert "Voulez-vous continuer ?" in text_of(page)
    assert 'href="/notifications/?page=1">Annuler</a>' in page.content.decode()
    assert "<html" not in dialog.content.decode()
    assert '<h2 id="dialogue-titre">Supprimer la notification</h2>' in dialog.content.decode()
    assert '<button type="button" class="bouton bouton-secondaire" data-fermer>Annuler</button>' in (
        dialog.content.decode()
    )
    n.refresh_from_db()
    assert n.deleted_at is None

    done = gest_a.post(f"/notifications/{n.pk}/supprimer/", {"suite": "/notifications/?page=1"})

    assert done.status_code == 302 and done["Location"] == "/notifications/?page=1"
    n.refresh_from_db()
    assert n.deleted_at is not None
    assert rows(gest_a.get(LIST)) == ["Aucune notification."]


def test_the_list_links_open_the_confirmation_in_the_dialog(gest_a, tenant_a):
    html = gest_a.get(LIST).content.decode()

    assert (
        'href="/notifications/tout-supprimer/" hx-get="/notifications/tout-supprimer/" '
        'hx-target="#dialogue-contenu">Tout supprimer</a>'
    ) in html
    n = tenant_a.notification.pk
    assert f'hx-get="/notifications/{n}/supprimer/?suite=/notifications/"' in html.replace("%2F", "/")


def test_mark_all_read_is_bounded_by_the_chosen_etablissement(gest_a, tenant_a):
    antenne = EtablissementFactory(raison_sociale="OF GENERIQUE ANTENNE")
    Habilitation.objects.create(user=tenant_a.gestionnaire, etablissement=antenne, role="gestionnaire_of")
    elsewhere = notify(tenant_a.gestionnaire, DossierFactory(of_etablissement=antenne))
    notify(tenant_a.gestionnaire, tenant_a.en_attente)
    assert badge(gest_a.get(LIST)) == "2"

    response = gest_a.post("/notifications/tout-marquer-lu/", {"suite": LIST})

    assert response["Location"] == LIST
    after = gest_a.get(LIST)
    assert badge(after) == "0" and "2 notifications marquées comme lues." in text_of(after)
    elsewhere.refresh_from_db()
    assert elsewhere.read_at is None
    assert badge(gest_a.get(f"{LIST}?etablissement={antenne.pk}")) == "1"


def test_delete_all_asks_first_then_deletes_the_etablissement_s_notifications(gest_a, tenant_a):
    notify(tenant_a.gestionnaire, tenant_a.en_attente)

    page = gest_a.get("/notifications/tout-supprimer/")
    dialog = gest_a.get("/notifications/tout-supprimer/", HTTP_HX_REQUEST="true")

    question = (
        "Vous êtes sur le point de supprimer toutes les notifications de l'établissement « OF GENERIQUE ». "
        "Voulez-vous continuer ?"
    )
    assert question in text_of(page) and question in text_of(dialog)
    assert ">Confirmer</button>" in dialog.content.decode() and 'id="dialogue-titre"' in dialog.content.decode()
    assert Notification.objects.filter(user=tenant_a.gestionnaire, deleted_at__isnull=True).count() == 2

    done = gest_a.post("/notifications/tout-supprimer/")

    assert done["Location"] == LIST
    after = gest_a.get(LIST)
    assert "2 notifications supprimées." in text_of(after) and rows(after) == ["Aucune notification."]
    assert Notification.objects.filter(user=tenant_a.admin, deleted_at__isnull=True).count() == 1  # hers stay


def test_another_ofs_or_another_users_notification_is_404_everywhere(gest_a, tenant_a, tenant_b):
    colleague = Notification.objects.get(user=tenant_a.admin)
    for n in (tenant_b.notification, colleague):
        assert gest_a.get(f"/notifications/{n.pk}/examiner/").status_code == 404
        assert gest_a.post(f"/notifications/{n.pk}/lue/").status_code == 404
        assert gest_a.get(f"/notifications/{n.pk}/supprimer/").status_code == 404
        assert gest_a.post(f"/notifications/{n.pk}/supprimer/").status_code == 404
        n.refresh_from_db()
        assert n.read_at is None and n.deleted_at is None
    assert gest_a.get(f"{LIST}?etablissement={tenant_b.etab.pk}").status_code == 404


# --- Filters, sort, pagination -------------------------------------------------------------------


@pytest.fixture
def many(tenant_a):
    durand = tenant_a.en_attente
    for i in range(11):
        notify(tenant_a.gestionnaire, durand if i % 2 else tenant_a.dossier, days=i + 1)
    return tenant_a


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("nom=durand", 5),
        ("prenom=l%C3%A9a", 12),
        ("lue=oui", 0),
        ("lue=non", 12),
        ("date_min=2026-11-25", 7),
        ("date_max=22%2F11%2F2026", 3),
        ("siret=999", 0),
        ("raison_sociale=generique", 12),
    ],
)
def test_filters(gest_a, many, query, count):
    response = gest_a.get(f"{LIST}?{query}&taille=100")

    assert response.status_code == 200
    assert len([r for r in rows(response) if r != "Aucune notification ne correspond à ces filtres."]) == count


def test_filter_on_the_dossier_number(gest_a, many):
    response = gest_a.get(f"{LIST}?numero={many.en_attente.reference}")

    assert {r.split(" ")[0] for r in rows(response)} == {many.en_attente.reference}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("numero=abc", "numero", "Numéro de dossier invalide (attendu : 3866466 ou 3866466.1)."),
        ("date_min=hier", "date_min", "Saisissez une date valide (jj/mm/aaaa)."),
        ("lue=peut-etre", "lue", "Sélectionnez un choix valide. peut-etre n’en fait pas partie."),
    ],
)
def test_bad_filters_are_422_on_their_field_with_the_input_kept(gest_a, many, query, field, message):
    response = gest_a.get(f"{LIST}?{query}")

    assert response.status_code == 422
    html = response.content.decode()
    error = re.search(rf'id="id_{field}_error">(.*?)</p>', html, re.S).group(1)
    assert html_module.unescape(re.sub(r"<[^>]+>", "", error)).replace("Erreur : ", "") == message
    assert rows(response) == ["Corrigez les filtres pour afficher la liste."]


@pytest.mark.parametrize(
    ("query", "message"), [("tri=couleur", "Tri inconnu : « couleur »."), ("taille=0", "La taille de page")]
)
def test_bad_parameters_are_422(gest_a, query, message):
    response = gest_a.get(f"{LIST}?{query}")

    assert response.status_code == 422 and message in text_of(response)


def test_sort_on_every_sortable_column_and_filters_kept(gest_a, many):
    page = gest_a.get(f"{LIST}?lue=non")
    for column in ("numero", "message", "siret", "raison_sociale", "prenom", "nom", "date", "lue"):
        assert f"?lue=non&tri={column}" in hrefs(page) or f"?lue=non&tri=-{column}" in hrefs(page), column
        assert gest_a.get(f"{LIST}?lue=non&tri={column}").status_code == 200
        assert gest_a.get(f"{LIST}?lue=non&tri=-{column}").status_code == 200

    by_name = gest_a.get(f"{LIST}?tri=nom&taille=100")
    by_name_desc = gest_a.get(f"{LIST}?tri=-nom&taille=100")

    names = [r.split(" Léa ")[1].split(" ")[0] for r in rows(by_name)]
    assert names == sorted(names) and names[0] == "DURAND"
    assert [r.split(" Léa ")[1].split(" ")[0] for r in rows(by_name_desc)][0] == "MARTIN"
    assert 'aria-sort="descending"' in page.content.decode()  # by date, the latest first

    notify(many.gestionnaire, facture=many.facture)
    by_message = rows(gest_a.get(f"{LIST}?tri=message&taille=100"))
    assert "Courrier d'accord" in by_message[0] and f"Facture {many.facture.numero}" in by_message[-1]
    assert "Rejet de facture" in by_message[-1]


def test_pagination_keeps_the_filters(gest_a, many):
    response = gest_a.get(f"{LIST}?lue=non&taille=5&page=2")

    assert len(rows(response)) == 5 and "6-10 sur 12" in text_of(response)
    assert "?lue=non&taille=5&page=3" in hrefs(response)
    assert f"/notifications/{Notification.objects.order_by('-created_at')[5].pk}/examiner/" in hrefs(response)


@pytest.mark.parametrize("taille", [10, 50])
def test_list_queries_are_few_and_flat(gest_a, many, django_assert_max_num_queries, taille):
    for i in range(40):
        notify(many.gestionnaire, many.dossier, days=20 + i)
    gest_a.get(LIST)

    with django_assert_max_num_queries(12):
        response = gest_a.get(f"{LIST}?taille={taille}&lue=non&tri=nom")

    assert len(rows(response)) == min(taille, 52)


def test_the_actions_show_the_state_in_words_and_keep_the_list(gest_a, tenant_a):
    tenant_a.notification.read_at = NOW
    tenant_a.notification.save()

    response = gest_a.get(f"{LIST}?lue=oui")

    [row] = rows(response)
    assert " Lue " in f" {row} " and "Marquer comme lue" not in row
    assert 'name="suite" value="/notifications/?lue=oui"' in response.content.decode()


def test_a_user_without_notifications_sees_an_empty_list(tenant_a):
    client = signed_in(tenant_a.admin)
    Notification.objects.filter(user=tenant_a.admin).delete()

    response = client.get(LIST)

    assert rows(response) == ["Aucune notification."] and badge(response) == "0"
