"""Mes règlements › Mes factures in the portal: the lists « Toutes les factures » / « Payé » with their
filters, sort and pages in the URL, the exports, the synthesis of a facture and « Déposer une pièce
complémentaire à la facture » — same answers as the API for another OF (404) or a missing right (403)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import PieceJointe
from tests.factories import PDF_BYTES, FactureFactory, of_user
from tests.portal.conftest import signed_in, text_of

pytestmark = pytest.mark.django_db


def pdf(name="certificat.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- The list -----------------------------------------------------------------------------------


def test_the_list_shows_the_guides_columns_for_this_of_only(admin_a, tenant_a, tenant_b):
    response = admin_a.get("/factures/")

    page = text_of(response)
    assert response.status_code == 200
    assert "<h1>Mes factures</h1>" in response.content.decode()
    for column in (
        "Numéro",
        "Raison sociale de l'émetteur",
        "Référence",
        "N° de dossier",
        "État",
        "Date de facture",
        "Date de réception",
        "Montant TTC",
    ):
        assert column in page
    assert str(tenant_a.facture.numero) in page and tenant_a.facture.reference in page
    assert "3 262,00 €" in page and "2 novembre 2026" in page and "Déposée" in page
    assert str(tenant_b.facture.numero) not in page
    html = response.content.decode()
    assert f'href="/factures/{tenant_a.facture.pk}/"' in html
    assert f'href="/dossiers/{tenant_a.dossier.pk}/"' in html
    assert 'aria-current="page">Mes factures</a>' in html  # the section's tab
    assert '<details class="filtres filtres-liste">' in html  # no filter: the panel is closed


def test_the_payees_tab_lists_only_the_paid_factures(admin_a, tenant_a):
    html = admin_a.get("/factures/?vue=payees").content.decode()

    assert str(tenant_a.paid.numero) in html and str(tenant_a.facture.numero) not in html
    assert 'href="?vue=payees" aria-current="page">Payé</a>' in html


def test_filters_from_the_dashboard_tiles_several_etats_in_the_url(admin_a, tenant_a):
    en_attente = FactureFactory(dossier=tenant_a.dossier, etat="en_attente_de_pieces")
    etab = tenant_a.etab.pk

    response = admin_a.get(f"/factures/?etat=deposee&etat=en_cours_de_traitement&etat=validee&etablissement={etab}")
    waiting = admin_a.get(f"/factures/?etat=en_attente_de_pieces&etablissement={etab}")

    html = response.content.decode()
    assert str(tenant_a.facture.numero) in html
    assert str(tenant_a.paid.numero) not in html and str(en_attente.numero) not in html
    assert '<details class="filtres filtres-liste" open>' in html  # a filter is set: the panel is open
    assert 'value="deposee" id="id_etat_0" checked' in html
    assert str(en_attente.numero) in text_of(waiting) and str(tenant_a.facture.numero) not in text_of(waiting)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("numero={facture}", True),
        ("numero={paid}", False),
        ("reference=FAC", True),
        ("reference=nulle-part", False),
        ("emetteur=generique", True),
        ("dossier={dossier}", True),
        ("dossier=1234567.1", False),
        ("date_facture_min=2026-11-01&date_facture_max=2026-11-30", True),
        ("date_facture_min=01/12/2026", False),
        ("date_reception_min=2026-11-20&date_reception_max=2026-11-20", True),
        ("montant_ttc_min=3000&montant_ttc_max=3262,00", True),
        ("montant_ttc_min=3262,01", False),
    ],
)
def test_each_filter(admin_a, tenant_a, query, shown):
    query = query.format(facture=tenant_a.facture.numero, paid=tenant_a.paid.numero, dossier=tenant_a.dossier.reference)

    response = admin_a.get(f"/factures/?{query}")

    assert response.status_code == 200
    assert (f"/factures/{tenant_a.facture.pk}/" in response.content.decode()) is shown


def test_sort_on_every_column_and_pages_are_kept_in_the_url(admin_a, tenant_a):
    for i in range(12):
        FactureFactory(dossier=tenant_a.dossier, montant_ttc=Decimal(1000 + i), montant_ht=Decimal(1000 + i))
    for column in (
        "numero",
        "emetteur",
        "reference",
        "dossier",
        "etat",
        "date_facture",
        "date_reception",
        "montant_ttc",
    ):
        assert admin_a.get(f"/factures/?tri={column}").status_code == 200
        assert admin_a.get(f"/factures/?tri=-{column}").status_code == 200

    first = admin_a.get("/factures/?tri=-montant_ttc&taille=10&reference=FAC")
    second = admin_a.get("/factures/?tri=-montant_ttc&taille=10&reference=FAC&page=2")

    html = first.content.decode()
    assert 'aria-sort="descending"' in html
    assert "1-10 sur 14" in text_of(first) and "11-14 sur 14" in text_of(second)
    assert text_of(first).index("3 262,00 €") < text_of(first).index("1 011,00 €")  # the largest first
    assert "1 000,00 €" in text_of(second) and "378,00 €" in text_of(second)
    assert 'href="?tri=-montant_ttc&amp;taille=10&amp;reference=FAC&amp;page=2"' in html
    # The sort link of another column keeps the filters and starts again at page 1.
    assert 'href="?tri=numero&amp;taille=10&amp;reference=FAC"' in second.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("numero=abc", "Saisissez un numéro de facture (chiffres uniquement)."),
        ("numero=99999999999999999999", "Assurez-vous que cette valeur est inférieure ou égale à 2147483647."),
        ("date_facture_min=31/02/2026", "Saisissez une date valide (jj/mm/aaaa)."),
        ("montant_ttc_min=beaucoup", "Saisissez un montant en euros (par exemple 1250,50)."),
        ("montant_ttc_max=1e400", "Assurez-vous qu’il n’y a pas plus de 14 chiffres au total."),
        ("montant_ttc_min=NaN", "Saisissez un montant en euros (par exemple 1250,50)."),
        ("etat=inconnu", "État inconnu : « inconnu »."),
        ("vue=toutes-sauf", "Vue inconnue : « toutes » ou « payees »."),
        ("dossier=12AB", "Numéro de dossier invalide (attendu : 3866466 ou 3866466.1)."),
        ("tri=prix", "Tri inconnu : « prix »."),
        ("page=deux", "Le numéro de page doit être un nombre entier."),
        ("page=0", "La page commence à 1."),
        ("taille=1000", "La taille de page est comprise entre 1 et 100."),
        ("reference=" + "x" * 150, "Assurez-vous que cette valeur comporte au plus 100 caractères (actuellement 150)."),
    ],
)
def test_bad_filter_values_are_french_messages_with_a_422(admin_a, tenant_a, query, message):
    response = admin_a.get(f"/factures/?{query}")

    assert response.status_code == 422
    assert message in text_of(response)
    assert "Le formulaire contient" in text_of(response)


def test_the_list_stays_within_twelve_queries_whatever_the_page_size(admin_a, tenant_a, django_assert_max_num_queries):
    for _ in range(60):
        FactureFactory(dossier=tenant_a.dossier)
    admin_a.get("/factures/")  # the session remembers the établissement

    counts = []
    for size in (10, 50):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            response = admin_a.get(f"/factures/?taille={size}&page=2")
        assert response.status_code == 200 and "sur 62" in text_of(response)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_the_etablissement_of_another_of_is_a_404(admin_a, tenant_b):
    assert admin_a.get(f"/factures/?etablissement={tenant_b.etab.pk}").status_code == 404
    assert admin_a.get(f"/factures/export.csv?etablissement={tenant_b.etab.pk}").status_code == 404


# --- Exports ------------------------------------------------------------------------------------


def test_xlsx_export_is_a_streamed_workbook(admin_a, tenant_a):
    response = admin_a.get("/factures/export.xlsx")

    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'attachment; filename="factures-' in response["Content-Disposition"]


def test_csv_export_has_the_french_header_the_filters_and_only_this_ofs_rows(admin_a, tenant_a, tenant_b):
    FactureFactory(dossier=tenant_a.dossier, montant_ttc=Decimal("10.00"), montant_ht=Decimal("10.00"))

    everything = admin_a.get("/factures/export.csv?tri=montant_ttc")
    paid = admin_a.get("/factures/export.csv?vue=payees")

    rows = list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:5] == ["Numéro", "Raison sociale de l'émetteur", "SIRET de l'émetteur", "Référence", "État"]
    assert [r[-1] for r in rows[1:]] == ["10,00", "378,00", "3262,00"]  # sorted as asked
    numbers = {r[0] for r in rows[1:]}
    assert str(tenant_a.facture.numero) in numbers and str(tenant_b.facture.numero) not in numbers
    paid_rows = list(csv.reader(io.StringIO(b"".join(paid.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in paid_rows[1:]] == [str(tenant_a.paid.numero)]
    assert paid_rows[1][4] == "Payée"


def test_the_export_links_carry_the_current_filters_and_sort(admin_a, tenant_a):
    html = admin_a.get("/factures/?vue=payees&tri=numero&page=1").content.decode()

    assert f'href="/factures/export.xlsx?vue=payees&amp;tri=numero&amp;etablissement={tenant_a.etab.pk}"' in html
    assert f'href="/factures/export.csv?vue=payees&amp;tri=numero&amp;etablissement={tenant_a.etab.pk}"' in html


def test_an_unknown_export_format_is_a_404_and_bad_filters_a_422(admin_a, tenant_a):
    assert admin_a.get("/factures/export.pdf").status_code == 404
    bad = admin_a.get("/factures/export.csv?date_facture_min=hier")
    assert bad.status_code == 422
    assert "Date de facture, du : Saisissez une date valide" in text_of(bad)


# --- Facture N° … --------------------------------------------------------------------------------


def test_the_synthesis_shows_every_block_of_the_guide(admin_a, tenant_a):
    response = admin_a.get(f"/factures/{tenant_a.facture.pk}/")

    page = text_of(response)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Facture N° {tenant_a.facture.numero}</h1>" in html
    assert "Déposée" in page and "Afficher votre facture" in page
    assert f'href="/fichiers/factures/{tenant_a.facture.pk}/"' in html
    assert "L'émetteur" in page and tenant_a.etab.siret in page and "OF GENERIQUE" in page
    assert "Les montants" in page and "Montant HT 3 262,00 €" in page and "Montant TTC 3 262,00 €" in page
    assert f'href="/dossiers/{tenant_a.dossier.pk}/"' in html
    assert "Déposer une pièce complémentaire à la facture" in page
    assert 'enctype="multipart/form-data"' in html and 'type="file" name="fichiers"' in html


def test_a_paid_facture_links_its_reglement_and_offers_no_deposit(admin_a, tenant_a):
    response = admin_a.get(f"/factures/{tenant_a.paid.pk}/")

    html = response.content.decode()
    assert f'href="/paiements/{tenant_a.reglement.pk}/"' in html
    assert f"Règlement N° {tenant_a.reglement.numero}" in text_of(response)
    assert 'name="fichiers"' not in html and "Déposer une pièce complémentaire" not in text_of(response)


def test_a_rejected_facture_tells_why(admin_a, tenant_a):
    rejetee = FactureFactory(
        dossier=tenant_a.dossier, etat="rejetee", motif_rejet="Montant supérieur à la prise en charge."
    )

    page = text_of(admin_a.get(f"/factures/{rejetee.pk}/"))

    assert "Rejetée" in page and "Motif de rejet : Montant supérieur à la prise en charge." in page


def test_another_ofs_facture_is_a_404_to_read_and_to_write(admin_a, tenant_b, settings):
    assert admin_a.get(f"/factures/{tenant_b.facture.pk}/").status_code == 404
    response = admin_a.post(f"/factures/{tenant_b.facture.pk}/pieces/", {"fichiers": [pdf()]})
    assert response.status_code == 404
    assert "Facture introuvable." in text_of(response)
    assert not PieceJointe.objects.filter(facture=tenant_b.facture).exists()


def test_the_synthesis_stays_within_twelve_queries(admin_a, tenant_a, django_assert_max_num_queries):
    for i in range(15):
        PieceJointe.objects.create(
            facture=tenant_a.facture,
            nom=f"piece-{i}.pdf",
            fichier=f"x/{i}.pdf",
            taille=10,
            uploaded_at=tenant_a.facture.deposited_at,
        )
    with django_assert_max_num_queries(12):
        response = admin_a.get(f"/factures/{tenant_a.paid.pk}/")
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        response = admin_a.get(f"/factures/{tenant_a.facture.pk}/")
    assert "piece-14.pdf" in text_of(response)


# --- Pièces complémentaires ------------------------------------------------------------------------


def test_depositing_several_pieces_then_they_are_listed_with_their_download_link(admin_a, tenant_a):
    response = admin_a.post(
        f"/factures/{tenant_a.facture.pk}/pieces/",
        {"fichiers": [pdf("certificat-realisation.pdf"), pdf("emargements.pdf")]},
    )

    assert response.status_code == 302 and response["Location"] == f"/factures/{tenant_a.facture.pk}/"
    follow = admin_a.get(response["Location"])
    page = text_of(follow)
    assert "2 pièces sont ajoutées à la facture." in page
    assert "certificat-realisation.pdf" in page and "emargements.pdf" in page
    piece = PieceJointe.objects.get(facture=tenant_a.facture, nom="certificat-realisation.pdf")
    assert f'href="/fichiers/pieces/{piece.pk}/"' in follow.content.decode()
    assert admin_a.get(f"/fichiers/pieces/{piece.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([], "Ajoutez au moins un fichier."),
        (
            [SimpleUploadedFile("notes.txt", b"bonjour", content_type="text/plain")],
            "Le type du fichier « notes.txt » n'est pas accepté",
        ),
        ([SimpleUploadedFile("vide.pdf", b"", content_type="application/pdf")], "Le fichier « vide.pdf » est vide."),
        ([pdf(f"p{i}.pdf") for i in range(21)], "20 fichiers au plus par envoi."),
        ([pdf("bon.pdf"), SimpleUploadedFile("image.gif", b"GIF89a....", content_type="image/gif")], "image.gif"),
    ],
)
def test_bad_uploads_are_french_messages_on_the_field_and_nothing_is_stored(
    admin_a, tenant_a, settings, files, message
):
    before = stored_files(settings)

    response = admin_a.post(f"/factures/{tenant_a.facture.pk}/pieces/", {"fichiers": files})

    assert response.status_code == 422
    page = text_of(response)
    assert message in page
    assert "Le formulaire contient" in page
    html = response.content.decode()
    assert 'id="id_fichiers_error"' in html and 'aria-invalid="true"' in html
    assert not PieceJointe.objects.filter(facture=tenant_a.facture).exists()
    assert stored_files(settings) == before


def test_no_deposit_on_a_paid_facture_409_nor_without_the_right_403(tenant_a, admin_a):
    paid = admin_a.post(f"/factures/{tenant_a.paid.pk}/pieces/", {"fichiers": [pdf()]})
    user, _ = of_user(tenant_a.etab, droits=["saisir_contrats", "consulter_reglements"])
    client = signed_in(user)

    page = client.get(f"/factures/{tenant_a.facture.pk}/")
    refused = client.post(f"/factures/{tenant_a.facture.pk}/pieces/", {"fichiers": [pdf()]})

    assert paid.status_code == 409 and "Action impossible" in text_of(paid)
    assert page.status_code == 200 and 'name="fichiers"' not in page.content.decode()
    assert refused.status_code == 403
    assert not PieceJointe.objects.filter(facture__in=[tenant_a.facture, tenant_a.paid]).exists()


def test_the_deposit_is_a_post_and_needs_a_signed_in_user(tenant_a, admin_a):
    from django.test import Client

    assert admin_a.get(f"/factures/{tenant_a.facture.pk}/pieces/").status_code == 405
    anonymous = Client().get("/factures/")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/connexion/?next=/factures/"
