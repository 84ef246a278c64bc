"""Mes dossiers in the portal: the lists of the four dispositifs (filters, sort, pagination kept in the
URL), the synthesis (blocks, accord, courriers, factures, pièces, history, actions from the
allowed-actions function), and the OF's actions: pièces jointes, facture, rupture."""

from __future__ import annotations

import html as html_module
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.actors import Actor, Channel
from accounts.models import Habilitation
from cases.models import Dossier, Facture, PieceJointe, TransitionLog
from cases.services import dossier_take_charge
from tests.factories import PDF_BYTES, DossierFactory, UserFactory, of_user
from tests.portal.conftest import signed_in, text_of
from tests.worlds import make_courrier

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
APPRENTISSAGE = "/dossiers/apprentissage/"


def stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def rows(response) -> list[str]:
    """The text of each body row of the page's main table."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    cells = [html_module.unescape(re.sub(r"<[^>]+>", " ", r)) for r in body.split("</tr>") if "<td" in r]
    return [re.sub(r"\s+", " ", c).strip() for c in cells]


def hrefs(response) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', response.content.decode())]


def field_error(response, field: str) -> str:
    match = re.search(rf'<p class="erreur-champ" id="id_{field}_error">(.*?)</p>', response.content.decode(), re.S)
    assert match, f"no error on {field}"
    return html_module.unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("Erreur : ", "").strip()


def without_right(tenant, droit: str):
    user, _ = of_user(tenant.etab)
    Habilitation.objects.filter(user=user).update(**{droit: False})
    return user


# --- Lists ---------------------------------------------------------------------------------------


def test_dashboard_tile_leads_to_the_list_of_exactly_that_etat(gest_a, tenant_a):
    DossierFactory(
        of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, salarie_nom="EN COURS", en_cours=True
    )
    DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, salarie_nom="TRANSMIS")
    dashboard = gest_a.get("/tableau-de-bord/")
    tiles = [h for h in hrefs(dashboard) if h.startswith(APPRENTISSAGE + "?")]
    en_cours, en_attente = tiles[0], tiles[1]

    response = gest_a.get(en_cours)
    waiting = gest_a.get(en_attente)

    assert response.status_code == 200
    names = sorted(r.split(",")[0] for r in rows(response))
    assert names == ["EN COURS", "TRANSMIS"]
    assert "Filtres actifs : État Transmis, En cours de traitement, Avenant en cours d'instruction" in text_of(response)
    assert [r.split(",")[0] for r in rows(waiting)] == ["DURAND"]
    assert "En attente de pièces" in rows(waiting)[0]
    assert '<details class="filtres" open>' in waiting.content.decode()


def test_apprenticeship_lists_transmis_and_brouillon_in_the_guide_columns(admin_a, tenant_a):
    transmis = admin_a.get(APPRENTISSAGE)
    brouillons = admin_a.get(APPRENTISSAGE + "?vue=brouillon")

    headers = re.findall(r'<th scope="col"[^>]*>(?:<a[^>]*>)?([^<]+)', transmis.content.decode())
    assert headers == [
        "Nom, Prénom",
        "Établissement",
        "N° de dossier",
        "Numéro DECA",
        "Intitulé de la formation",
        "Date de début du contrat",
        "Date de fin du contrat",
        "État",
    ]
    d = tenant_a.dossier
    row = next(r for r in rows(transmis) if d.reference in r)
    assert row == (
        f"MARTIN, Léa {tenant_a.entreprise.raison_sociale} {d.reference} 076202209037237 "
        "AMBULANCIER (DIPLOME D'ETAT) 7 septembre 2026 31 août 2027 Accordé"
    )
    assert f"/dossiers/{d.pk}/" in hrefs(transmis)
    assert len(rows(transmis)) == 2  # the brouillon is not among the transmis
    assert "+ Créer" in text_of(transmis) and "/contrats/apprentissage/nouveau/" in hrefs(transmis)
    assert 'aria-current="page">Transmis' in transmis.content.decode()

    [draft] = rows(brouillons)
    assert draft.startswith("MARTIN, Léa") and draft.endswith("Modifier le brouillon MARTIN Léa")
    assert f"/contrats/apprentissage/{tenant_a.brouillon.pk}/" in hrefs(brouillons)
    assert f"/dossiers/{tenant_a.brouillon.pk}/" in hrefs(brouillons)
    assert 'aria-current="page">Brouillon' in brouillons.content.decode()
    title = re.search(r"<title>(.*?)</title>", brouillons.content.decode()).group(1)
    assert html_module.unescape(title) == "Contrats d'apprentissage — brouillons — Mes dossiers — Portail OF"


def test_no_create_nor_modify_without_the_right_to_enter_contracts(tenant_a):
    client = signed_in(without_right(tenant_a, "saisir_contrats"))

    transmis = client.get(APPRENTISSAGE)
    brouillons = client.get(APPRENTISSAGE + "?vue=brouillon")

    assert "+ Créer" not in text_of(transmis)
    assert "Modifier" not in text_of(brouillons) and len(rows(brouillons)) == 1


@pytest.mark.parametrize(
    ("dispositif", "trait"), [("professionnalisation", "pro"), ("pro_a", "pro_a"), ("action_formation", "action")]
)
def test_other_dispositifs_have_their_columns_and_no_create(gest_a, tenant_a, dispositif, trait):
    dossier = DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, **{trait: True})

    response = gest_a.get(f"/dossiers/{dispositif}/")

    headers = re.findall(r'<th scope="col"[^>]*>(?:<a[^>]*>)?([^<]+)', response.content.decode())
    assert headers == [
        "Nom, Prénom",
        "Établissement",
        "N° de dossier",
        "Intitulé de la formation",
        "Date de début du contrat",
        "Date de fin du contrat",
        "État",
    ]
    assert any(dossier.reference in r for r in rows(response))
    assert "+ Créer" not in text_of(response) and "Brouillon" not in text_of(response)
    assert f'href="/dossiers/{dispositif}/" aria-current="page"' in response.content.decode()


def test_an_unknown_dispositif_is_a_french_404(gest_a):
    response = gest_a.get("/dossiers/formation_continue/")

    assert response.status_code == 404 and "Dispositif inconnu." in text_of(response)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nom=dur", ["DURAND"]),
        ("prenom=l%C3%A9a&nom=martin", ["MARTIN"]),
        ("numero_deca=0762022", ["MARTIN"]),
        ("etat=accorde", ["MARTIN"]),
        ("etat=accorde&etat=en_attente_de_pieces", ["DURAND", "MARTIN"]),
        ("formation=ambulancier", ["DURAND", "MARTIN"]),
        ("etablissement_nom=entreprise+de+of", ["DURAND", "MARTIN"]),
        ("etablissement_nom=nulle+part", []),
        ("date_debut_contrat_min=2026-09-08", []),
        ("date_fin_contrat_max=31%2F08%2F2027", ["DURAND", "MARTIN"]),
        ("subroge=non", []),
    ],
)
def test_filters_on_every_column(gest_a, tenant_a, query, expected):
    response = gest_a.get(f"{APPRENTISSAGE}?{query}")

    assert response.status_code == 200
    found = sorted(r.split(",")[0] for r in rows(response) if "Aucun dossier" not in r)
    assert found == expected


def test_filter_on_the_dossier_number(gest_a, tenant_a):
    response = gest_a.get(f"{APPRENTISSAGE}?numero={tenant_a.en_attente.reference}")

    assert [r.split(",")[0] for r in rows(response)] == ["DURAND"]
    assert f'value="{tenant_a.en_attente.reference}"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_debut_contrat_min=32%2F13%2F2026", "date_debut_contrat_min", "Saisissez une date valide (jj/mm/aaaa)."),
        ("numero=abc", "numero", "Numéro de dossier invalide (attendu : 3866466 ou 3866466.1)."),
        ("etat=perdu", "etat", "Sélectionnez un choix valide. perdu n’en fait pas partie."),
    ],
)
def test_bad_filters_are_told_on_their_field_kept_and_422(gest_a, tenant_a, query, field, message):
    response = gest_a.get(f"{APPRENTISSAGE}?{query}")

    assert response.status_code == 422
    assert field_error(response, field) == message
    assert "Corrigez les filtres pour afficher la liste." in text_of(response)
    assert "Le formulaire contient 1 erreur" in text_of(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("tri=couleur", "Tri inconnu : « couleur »."),
        ("page=abc", "Le numéro de page doit être un nombre entier."),
        ("page=0", "La page commence à 1."),
        ("taille=500", "La taille de page est comprise entre 1 et 100."),
        ("vue=corbeille", "Vue inconnue (transmis ou brouillon)."),
    ],
)
def test_bad_list_parameters_are_422_in_french(gest_a, query, message):
    response = gest_a.get(f"{APPRENTISSAGE}?{query}")

    assert response.status_code == 422
    assert message in text_of(response)


def test_sort_on_every_column_both_ways_keeps_the_filters(gest_a, tenant_a):
    DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, salarie_nom="ZOLA", accorde=True)
    columns = ["nom", "etablissement", "numero", "numero_deca", "formation", "date_debut_contrat"]
    columns += ["date_fin_contrat", "etat"]
    page = gest_a.get(f"{APPRENTISSAGE}?etat=accorde&taille=25")
    for column in columns:
        assert f"?etat=accorde&taille=25&tri={column}" in hrefs(page)
        assert gest_a.get(f"{APPRENTISSAGE}?etat=accorde&tri={column}").status_code == 200
        assert gest_a.get(f"{APPRENTISSAGE}?etat=accorde&tri=-{column}").status_code == 200

    up = gest_a.get(f"{APPRENTISSAGE}?etat=accorde&tri=nom")
    down = gest_a.get(f"{APPRENTISSAGE}?etat=accorde&tri=-nom")

    assert [r.split(",")[0] for r in rows(up)] == ["MARTIN", "ZOLA"]
    assert [r.split(",")[0] for r in rows(down)] == ["ZOLA", "MARTIN"]
    assert 'aria-sort="descending"' in down.content.decode()
    assert "?etat=accorde&tri=nom" in hrefs(down)  # clicking again sorts the other way


def test_pagination_keeps_filters_and_sort(gest_a, tenant_a):
    for i in range(12):
        DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, salarie_nom=f"NOM{i:02d}")

    response = gest_a.get(f"{APPRENTISSAGE}?etat=transmis&tri=nom&taille=5&page=2")

    assert [r.split(",")[0] for r in rows(response)] == ["NOM05", "NOM06", "NOM07", "NOM08", "NOM09"]
    assert "6-10 sur 12" in text_of(response)
    assert "?etat=transmis&tri=nom&taille=5&page=3" in hrefs(response)
    assert "?etat=transmis&tri=nom&taille=5&page=1" in hrefs(response)
    assert '<input type="hidden" name="tri" value="nom">' in response.content.decode()


def test_the_list_is_the_chosen_etablissement_and_another_of_is_404(gest_a, tenant_a, tenant_b):
    other = gest_a.get(f"{APPRENTISSAGE}?etablissement={tenant_b.etab.pk}")

    assert other.status_code == 404
    response = gest_a.get(APPRENTISSAGE)
    assert all(tenant_b.dossier.reference not in r for r in rows(response))


@pytest.mark.parametrize("count", [3, 50])
def test_list_queries_are_few_and_flat(gest_a, tenant_a, django_assert_max_num_queries, count):
    for _ in range(count):
        DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise)
    gest_a.get(APPRENTISSAGE)  # the session and the établissement remembered

    with django_assert_max_num_queries(12):
        response = gest_a.get(f"{APPRENTISSAGE}?taille=100&etat=transmis&tri=nom")

    assert len(rows(response)) == count


# --- Synthèse ------------------------------------------------------------------------------------


def test_synthesis_shows_every_block_of_the_guide(gest_a, tenant_a):
    d = tenant_a.dossier
    response = gest_a.get(f"/dossiers/{d.pk}/")
    text = text_of(response)

    assert response.status_code == 200
    assert f"Dossier N° {d.reference}" in text
    assert "État du dossier Accordé" in text and "Subrogé ✓ Oui" in text
    assert "N° de dépôt (DECA) 076202209037237" in text
    of = tenant_a.etab
    assert f"Le CFA Raison sociale {of.raison_sociale} SIRET {of.siret} Numéro UAI {of.uai}" in text
    e = tenant_a.entreprise
    assert f"L'entreprise Raison sociale {e.raison_sociale} SIRET {e.siret} " in text
    assert "Adresse de l'entreprise 1 rue de la Formation, 92310, SEVRES" in text
    assert "Le salarié NOM, Prénom MARTIN, Léa Date de naissance 14 mars 2005" in text
    assert "La formation Intitulé de la formation AMBULANCIER (DIPLOME D'ETAT) Code RNCP Non renseigné" in text
    assert "Date de début 14 septembre 2026 Date de fin 30 juin 2027" in text
    assert "Le contrat Date de début 7 septembre 2026 Date de fin 31 août 2027" in text
    assert "Montants HT NPEC total Total Demandés 6 795,83 € 6 795,83 € Pris en charge 6 795,83 € 6 795,83 €" in text
    assert f"Courrier d'accord (Organisme de formation) {d.reference} (PDF) 20 novembre 2026" in text
    assert f"/fichiers/courriers/{tenant_a.courrier.pk}/" in hrefs(response)
    assert f"/factures/{tenant_a.facture.pk}/" in hrefs(response)
    assert f"/fichiers/factures/{tenant_a.facture.pk}/" in hrefs(response)
    assert "Déposée" in text and "Payée" in text
    assert "convention.pdf (télécharger) 20 novembre 2026" in text
    assert f"/fichiers/pieces/{tenant_a.piece.pk}/" in hrefs(response)
    assert "Retour à la liste des demandes" in text and APPRENTISSAGE in hrefs(response)
    assert not any(h.startswith("/media/") for h in hrefs(response))
    assert response.content.decode().count("<h1") == 1


def test_accorde_subroge_dossier_has_the_guide_buttons_and_nothing_of_the_opco(admin_a, tenant_a):
    d = tenant_a.dossier
    response = admin_a.get(f"/dossiers/{d.pk}/")
    actions = re.search(r'<ul class="actions liste-actions">(.*?)</ul>', response.content.decode(), re.S).group(1)

    labels = re.findall(r">([^<>]+)</a>", actions)
    links = re.findall(r'href="([^"]+)"', actions)
    assert labels == [
        "Afficher",
        "Ajouter une pièce jointe",
        "Créer un avenant",
        "Déposer votre facture",
        "Déclarer une rupture de contrat",
    ]
    assert links == [
        f"/fichiers/cerfa/{d.pk}/",
        f"/dossiers/{d.pk}/pieces/",
        f"/dossiers/{d.pk}/avenant/",
        f"/dossiers/{d.pk}/facture/",
        f"/dossiers/{d.pk}/rupture/",
    ]
    assert "Clôturer" not in text_of(response) and "Annuler" not in labels


def test_brouillon_synthesis_offers_modify_delete_transmit(gest_a, tenant_a):
    b = tenant_a.brouillon
    response = gest_a.get(f"/dossiers/{b.pk}/")
    html = response.content.decode()

    assert "Brouillon de contrat" in text_of(response)
    assert f'href="/contrats/apprentissage/{b.pk}/">Modifier le brouillon</a>' in html
    assert (
        f'href="/contrats/apprentissage/{b.pk}/supprimer/" hx-get="/contrats/apprentissage/{b.pk}/supprimer/" '
        'hx-target="#dialogue-contenu">Supprimer le brouillon</a>'
    ) in html
    assert f'href="/contrats/apprentissage/{b.pk}/">Transmettre</a>' in html
    assert "Déposer votre facture" not in html and "Ajouter une pièce jointe" not in html
    assert f"{APPRENTISSAGE}?vue=brouillon" in hrefs(response)


def test_a_non_subrogated_dossier_has_no_facture_button_and_its_form_is_409(gest_a, tenant_a):
    d = DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise, accorde=True, non_subroge=True)

    synthesis = gest_a.get(f"/dossiers/{d.pk}/")
    form = gest_a.get(f"/dossiers/{d.pk}/facture/")

    assert "Déposer votre facture" not in text_of(synthesis) and "Subrogé Non" in text_of(synthesis)
    assert form.status_code == 409 and "n'est pas subrogé" in text_of(form)


def test_a_gestionnaire_without_the_facture_right_has_no_button_and_a_403(tenant_a):
    client = signed_in(without_right(tenant_a, "deposer_factures"))
    url = f"/dossiers/{tenant_a.dossier.pk}/facture/"

    synthesis = client.get(f"/dossiers/{tenant_a.dossier.pk}/")
    page = client.get(url)
    post = client.post(url, {"reference": "F-1", "date_facture": "2026-11-02", "montant_ht": "1", "montant_ttc": "1"})

    assert "Déposer votre facture" not in text_of(synthesis)
    assert "Ajouter une pièce jointe" in text_of(synthesis)
    assert page.status_code == 403 and post.status_code == 403
    assert "Accès refusé" in text_of(page)
    assert Facture.objects.filter(reference="F-1").count() == 0


def test_a_pro_dossier_has_no_cerfa_and_says_organisme(gest_a, tenant_a):
    response = gest_a.get(f"/dossiers/{tenant_a.pro.pk}/")

    assert "L'organisme de formation" in text_of(response) and "NDA" in text_of(response)
    assert "/fichiers/cerfa/" not in response.content.decode()
    assert gest_a.get(f"/dossiers/{tenant_a.pro.pk}/rupture/").status_code == 403


def test_history_is_a_timeline_with_states_people_and_channels(gest_a, tenant_a):
    opco = UserFactory(opco=True)
    d = DossierFactory(of_etablissement=tenant_a.etab, entreprise=tenant_a.entreprise)
    dossier_take_charge(actor=Actor.for_user(opco, channel=Channel.ADMIN), dossier_id=d.pk, now=timezone.now())

    response = gest_a.get(f"/dossiers/{d.pk}/")
    text = text_of(response)

    assert '<ol class="chronologie">' in response.content.decode()
    assert "Prendre en charge — Transmis → , devient En cours de traitement Par OPCO Mobilités · Back-office" in text
    assert opco.email not in text


def test_another_ofs_dossier_is_404_on_every_url(gest_a, tenant_b):
    assert gest_a.get(f"/dossiers/{tenant_b.dossier.pk}/").status_code == 404
    for suffix in ("pieces/", "facture/", "rupture/"):
        url = f"/dossiers/{tenant_b.dossier.pk}/{suffix}"
        assert gest_a.get(url).status_code == 404, url
        assert gest_a.post(url, {"reference": "X", "motif": "3"}).status_code == 404, url
    assert TransitionLog.objects.filter(dossier=tenant_b.dossier).count() == 0


def test_synthesis_queries_are_few_and_flat(gest_a, tenant_a, django_assert_max_num_queries):
    d = tenant_a.dossier
    for _ in range(15):
        make_courrier(d)
        PieceJointe.objects.create(dossier=d, nom="x.pdf", fichier="x.pdf", uploaded_at=timezone.now())
    gest_a.get(f"/dossiers/{d.pk}/")

    with django_assert_max_num_queries(12):
        response = gest_a.get(f"/dossiers/{d.pk}/")

    assert response.status_code == 200


# --- Pièces jointes --------------------------------------------------------------------------------


def test_add_several_pieces_then_they_are_listed(gest_a, tenant_a):
    url = f"/dossiers/{tenant_a.en_attente.pk}/pieces/"
    page = gest_a.get(url)
    assert f"Ajouter des documents complémentaires pour la demande {tenant_a.en_attente.reference}" in text_of(page)
    assert "Merci de ne pas déposer de factures dans cet emplacement" in text_of(page)
    assert 'enctype="multipart/form-data"' in page.content.decode()

    response = gest_a.post(
        url, {"fichiers": [SimpleUploadedFile("cerfa signé.pdf", PDF_BYTES), SimpleUploadedFile("photo.png", PNG)]}
    )

    assert response.status_code == 302 and response["Location"] == url
    listed = gest_a.get(url)
    assert "2 fichiers envoyés sur le dossier" in text_of(listed)
    assert "cerfa signé.pdf" in text_of(listed) and "photo.png" in text_of(listed)
    created = PieceJointe.objects.filter(dossier=tenant_a.en_attente, uploaded_by=tenant_a.gestionnaire)
    assert created.count() == 2


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "Ajoutez au moins un fichier."),
        ([("virus.exe", b"MZ\x90\x00binary")], "Le type du fichier « virus.exe » n'est pas accepté"),
        ([("ok.pdf", PDF_BYTES), ("vide.pdf", b"")], "Le fichier « vide.pdf » est vide."),
    ],
)
def test_a_refused_upload_is_told_on_the_field_and_stores_nothing(gest_a, tenant_a, files, message):
    before = stored_files()

    response = gest_a.post(
        f"/dossiers/{tenant_a.dossier.pk}/pieces/", {"fichiers": [SimpleUploadedFile(n, c) for n, c in files]}
    )

    assert response.status_code == 422
    assert message in field_error(response, "fichiers")
    assert 'aria-invalid="true"' in response.content.decode()
    assert stored_files() == before
    assert tenant_a.dossier.pieces.count() == 1


def test_pieces_need_the_right_and_a_state_that_accepts_them(tenant_a):
    refuse = DossierFactory(of_etablissement=tenant_a.etab, etat="refuse")
    client = signed_in(without_right(tenant_a, "deposer_pieces"))

    assert client.get(f"/dossiers/{tenant_a.dossier.pk}/pieces/").status_code == 403
    assert signed_in(tenant_a.gestionnaire).get(f"/dossiers/{refuse.pk}/pieces/").status_code == 409


def test_pieces_page_queries(gest_a, tenant_a, django_assert_max_num_queries):
    gest_a.get("/tableau-de-bord/")
    with django_assert_max_num_queries(12):
        assert gest_a.get(f"/dossiers/{tenant_a.dossier.pk}/pieces/").status_code == 200


# --- Déposer votre facture ------------------------------------------------------------------------

FACTURE = {
    "reference": "FAC-2026-001",
    "date_facture": "2026-11-02",
    "montant_ht": "3 262,00",
    "montant_ttc": "3 914,40",
    "commentaire": "Premier semestre",
}


def facture_post(client, dossier, data=None, fichier=("facture.pdf", PDF_BYTES), justificatifs=()):
    payload = dict(FACTURE if data is None else data)
    if fichier is not None:
        payload["fichier"] = SimpleUploadedFile(*fichier)
    if justificatifs:
        payload["justificatifs"] = [SimpleUploadedFile(n, c) for n, c in justificatifs]
    return client.post(f"/dossiers/{dossier.pk}/facture/", payload)


def test_the_facture_form_has_the_guide_fields(gest_a, tenant_a):
    response = gest_a.get(f"/dossiers/{tenant_a.dossier.pk}/facture/")
    text = text_of(response)

    assert f"Dépôt d'une facture - Dossier N° {tenant_a.dossier.reference}" in text
    for label in ("Référence de la facture", "Entrez un numéro comptable", "Date de la facture", "Montant HT"):
        assert label in text
    assert "Montant TTC" in text and "Commentaire" in text
    assert "Joindre votre facture au format pdf" in text and "Joindre vos pièces justificatives" in text
    assert '<div class="zone-depot">\n    <label for="id_fichier">' in response.content.decode()
    assert ">Envoyer</button>" in response.content.decode()


def test_deposit_a_facture_with_justificatifs_then_its_page(gest_a, tenant_a):
    response = facture_post(gest_a, tenant_a.dossier, justificatifs=[("rib.png", PNG), ("emargement.pdf", PDF_BYTES)])

    facture = Facture.objects.get(reference="FAC-2026-001")
    assert response.status_code == 302 and response["Location"] == f"/factures/{facture.pk}/"
    assert (facture.montant_ht, facture.montant_ttc) == (Decimal("3262.00"), Decimal("3914.40"))
    assert facture.date_facture == date(2026, 11, 2) and facture.commentaire == "Premier semestre"
    assert facture.pieces.count() == 2 and facture.deposited_by == tenant_a.gestionnaire
    assert facture.journal.get().channel == "portail"
    synthesis = gest_a.get(f"/dossiers/{tenant_a.dossier.pk}/")
    assert f"Votre facture « FAC-2026-001 » a été déposée : elle porte le n° {facture.numero}." in text_of(synthesis)
    assert f"N° {facture.numero}" in text_of(synthesis)


@pytest.mark.parametrize(
    ("changes", "fichier", "field", "message"),
    [
        ({"montant_ht": "trois mille"}, None, "montant_ht", "Saisissez un montant en euros, par exemple 6 795,83."),
        ({"montant_ttc": "100"}, None, "montant_ttc", "Le montant TTC ne peut pas être inférieur au montant HT."),
        ({"montant_ht": "-5"}, None, "montant_ht", "Le montant doit être strictement positif."),
        ({"montant_ht": "10,123"}, None, "montant_ht", "Le montant a au plus deux décimales."),
        ({"date_facture": "31/02/2026"}, None, "date_facture", "Saisissez une date valide (jj/mm/aaaa)."),
        ({"reference": ""}, None, "reference", "La référence de la facture est obligatoire."),
        ({}, ("facture.docx", b"PK\x03\x04docx"), "fichier", "Le fichier « facture.docx » n'est pas un PDF."),
        ({}, "absent", "fichier", "Joignez votre facture au format PDF."),
    ],
)
def test_bad_facture_input_is_told_on_the_field_kept_and_nothing_is_stored(
    gest_a, tenant_a, changes, fichier, field, message
):
    before = stored_files()
    data = {**FACTURE, **changes}
    kwargs = {} if fichier is None else {"fichier": None if fichier == "absent" else fichier}

    response = facture_post(gest_a, tenant_a.dossier, data, **kwargs)

    assert response.status_code == 422
    assert field_error(response, field) == message
    html = response.content.decode()
    assert 'value="FAC-2026-001"' in html or field == "reference"
    assert 'value="2026-11-02"' in html or field == "date_facture"
    assert "Premier semestre</textarea>" in html
    assert Facture.objects.filter(dossier=tenant_a.dossier).count() == 2
    assert stored_files() == before


def test_a_date_that_is_no_date_stays_as_typed(gest_a, tenant_a):
    response = facture_post(gest_a, tenant_a.dossier, {**FACTURE, "date_facture": "31/02/2026"})
    ok = facture_post(gest_a, tenant_a.dossier, {**FACTURE, "montant_ht": "x"})

    assert 'type="text" name="date_facture" value="31/02/2026"' in response.content.decode()
    assert 'type="date" name="date_facture" value="2026-11-02"' in ok.content.decode()


def test_a_future_date_is_refused_by_the_service(gest_a, tenant_a):
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()

    response = facture_post(gest_a, tenant_a.dossier, {**FACTURE, "date_facture": tomorrow})

    assert response.status_code == 422
    assert field_error(response, "date_facture") == "La date de la facture ne peut pas être dans le futur."


def test_a_reference_already_deposited_is_told_with_the_input_kept(gest_a, tenant_a):
    facture_post(gest_a, tenant_a.dossier)

    again = facture_post(gest_a, tenant_a.dossier)

    assert again.status_code == 409
    assert "Une facture de référence « FAC-2026-001 » a déjà été déposée." in text_of(again)
    assert 'value="FAC-2026-001"' in again.content.decode()
    assert Facture.objects.filter(reference="FAC-2026-001").count() == 1


def test_facture_form_queries(gest_a, tenant_a, django_assert_max_num_queries):
    gest_a.get("/tableau-de-bord/")
    with django_assert_max_num_queries(12):
        assert gest_a.get(f"/dossiers/{tenant_a.dossier.pk}/facture/").status_code == 200


# --- Déclarer une rupture de contrat ---------------------------------------------------------------


def test_declare_a_rupture(gest_a, tenant_a):
    d = tenant_a.dossier
    form = gest_a.get(f"/dossiers/{d.pk}/rupture/")
    assert "Déclarer une rupture de contrat" in text_of(form)
    assert "Rupture d'un commun accord" in text_of(form)
    assert "L'apprenti(e) poursuit-il (elle) sa formation au CFA ?" in text_of(form)

    response = gest_a.post(
        f"/dossiers/{d.pk}/rupture/",
        {
            "date_rupture": "01/12/2026",
            "motif": "3",
            "initiateur": "commun",
            "formation_poursuivie": "oui",
            "commentaire": "Accord des deux parties",
        },
    )

    assert response.status_code == 302 and response["Location"] == f"/dossiers/{d.pk}/"
    d.refresh_from_db()
    assert d.etat == "rupture" and d.date_rupture == date(2026, 12, 1)
    log = d.journal.get(transition="declarer_rupture")
    assert log.channel == "portail" and log.details["formation_poursuivie"] is True
    synthesis = gest_a.get(f"/dossiers/{d.pk}/")
    text = text_of(synthesis)
    assert f"La rupture du contrat {d.reference} a été déclarée." in text
    assert "Date de rupture 1er décembre 2026 Motif de rupture Rupture d'un commun accord" in text
    assert "Déclarer une rupture de contrat — Accordé → , devient Rompu" in text
    assert "À l'initiative de D'un commun accord" in text and "Poursuit sa formation au CFA Oui" in text
    assert "Motif ou commentaire : Accord des deux parties" in text


def test_a_rupture_missing_everything_is_told_field_by_field(gest_a, tenant_a):
    response = gest_a.post(f"/dossiers/{tenant_a.dossier.pk}/rupture/", {"commentaire": "à compléter"})

    assert response.status_code == 422
    assert field_error(response, "date_rupture") == "La date de rupture est obligatoire."
    assert field_error(response, "motif") == "Motif de rupture inconnu."
    assert "à compléter</textarea>" in response.content.decode()
    assert Dossier.objects.get(pk=tenant_a.dossier.pk).etat == "accorde"


def test_a_rupture_before_the_contract_is_refused(gest_a, tenant_a):
    response = gest_a.post(
        f"/dossiers/{tenant_a.dossier.pk}/rupture/",
        {"date_rupture": "2026-01-01", "motif": "3", "initiateur": "employeur", "formation_poursuivie": "non"},
    )

    assert response.status_code == 422
    assert field_error(response, "date_rupture") == "La date de rupture précède le début du contrat."
    assert 'value="employeur" id="id_initiateur_0" required checked' in response.content.decode() or (
        "checked" in response.content.decode()
    )


def test_rupture_needs_an_accorde_apprenticeship(gest_a, tenant_a):
    assert gest_a.get(f"/dossiers/{tenant_a.en_attente.pk}/rupture/").status_code == 409
