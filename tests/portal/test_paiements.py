"""Mes règlements › Les paiements OPCO in the portal: the list (one line per règlement and dossier) with
filters, sort and pages in the URL, the exports, « Règlement N° … » with « Imprimer » — a user without
« Consulter les règlements » gets the selector's 403, another OF's règlement is a 404."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import FactureFactory, of_user
from tests.portal.conftest import signed_in, text_of
from tests.worlds import make_reglement

pytestmark = pytest.mark.django_db


def paid_facture(tenant, amount: str):
    return FactureFactory(dossier=tenant.dossier, etat="payee", montant_ttc=Decimal(amount), montant_ht=Decimal(amount))


def test_the_list_shows_the_guides_columns_for_this_of_only(admin_a, tenant_a, tenant_b):
    response = admin_a.get("/paiements/")

    page = text_of(response)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Les paiements OPCO</h1>" in html
    for column in (
        "Référence",
        "Raison sociale du bénéficiaire",
        "Date de paiement",
        "Montant total TTC",
        "N° de dossier",
        "Montant TTC / dossier",
    ):
        assert column in page
    assert tenant_a.reglement.reference_virement in page and "15 novembre 2026" in page and "378,00 €" in page
    assert tenant_b.reglement.reference_virement not in page
    assert f'href="/paiements/{tenant_a.reglement.pk}/"' in html
    assert f'href="/dossiers/{tenant_a.dossier.pk}/"' in html
    assert 'aria-current="page">Les paiements OPCO</a>' in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("reference=VIR", True),
        ("reference=CHQ", False),
        ("numero={numero}", True),
        ("numero=9999999", False),
        ("dossier={dossier}", True),
        ("dossier=1234567", False),
        ("date_paiement_min=2026-11-15&date_paiement_max=15/11/2026", True),
        ("date_paiement_min=2026-11-16", False),
        ("montant_min=300&montant_max=378,00", True),
        ("montant_max=377,99", False),
    ],
)
def test_each_filter(admin_a, tenant_a, query, shown):
    query = query.format(numero=tenant_a.reglement.numero, dossier=tenant_a.dossier.reference)

    response = admin_a.get(f"/paiements/?{query}")

    assert response.status_code == 200
    assert (f"/paiements/{tenant_a.reglement.pk}/" in response.content.decode()) is shown


def test_sort_on_every_column_and_pages_in_the_url(admin_a, tenant_a):
    for i in range(11):
        make_reglement(paid_facture(tenant_a, f"{100 + i}.00"))
    for column in ("reference", "beneficiaire", "date_paiement", "montant_total", "dossier", "montant_dossier"):
        assert admin_a.get(f"/paiements/?tri={column}").status_code == 200
        assert admin_a.get(f"/paiements/?tri=-{column}").status_code == 200

    first = admin_a.get("/paiements/?tri=montant_total")
    second = admin_a.get("/paiements/?tri=montant_total&page=2")

    assert "1-10 sur 12" in text_of(first) and "11-12 sur 12" in text_of(second)
    assert text_of(first).index("100,00 €") < text_of(first).index("109,00 €")
    assert "378,00 €" in text_of(second)
    assert 'aria-sort="ascending"' in first.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_paiement_min=demain", "Saisissez une date valide (jj/mm/aaaa)."),
        ("montant_min=-5", "Assurez-vous que cette valeur est supérieure ou égale à 0."),
        ("montant_max=12,345", "Assurez-vous qu’il n’y a pas plus de 2 chiffres après la virgule."),
        ("dossier=abc", "Numéro de dossier invalide"),
        ("tri=montant", "Tri inconnu : « montant »."),
        ("taille=-3", "Le nombre de lignes par page doit être un nombre entier."),
    ],
)
def test_bad_filter_values_are_french_messages_with_a_422(admin_a, tenant_a, query, message):
    response = admin_a.get(f"/paiements/?{query}")

    assert response.status_code == 422
    assert message in text_of(response)


def test_without_consulter_les_reglements_the_list_the_detail_and_the_export_are_403(tenant_a):
    user, _ = of_user(tenant_a.etab, droits=["saisir_contrats", "deposer_factures"])
    client = signed_in(user)

    for url in ("/paiements/", "/paiements/export.csv", f"/paiements/{tenant_a.reglement.pk}/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Vous n'avez pas le droit de consulter les règlements." in text_of(response)


def test_the_list_stays_within_twelve_queries_whatever_the_page_size(admin_a, tenant_a, django_assert_max_num_queries):
    for i in range(60):
        make_reglement(paid_facture(tenant_a, f"{10 + i}.00"))
    admin_a.get("/paiements/")

    counts = []
    for size in (10, 50):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            response = admin_a.get(f"/paiements/?taille={size}&page=2")
        assert response.status_code == 200 and "sur 61" in text_of(response)
        counts.append(len(queries))

    assert counts[0] == counts[1]


# --- Exports ------------------------------------------------------------------------------------


def test_exports_xlsx_and_csv_with_the_filters_and_only_this_ofs_rows(admin_a, tenant_a, tenant_b):
    make_reglement(paid_facture(tenant_a, "99.00"))

    xlsx = admin_a.get("/paiements/export.xlsx")
    everything = admin_a.get("/paiements/export.csv?tri=montant_total")
    filtered = admin_a.get("/paiements/export.csv?montant_min=100")

    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    rows = list(csv.reader(io.StringIO(b"".join(everything.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Référence",
        "N° de règlement",
        "Raison sociale du bénéficiaire",
        "SIRET du bénéficiaire",
        "Date de paiement",
        "Montant total TTC",
        "N° de dossier",
        "Montant TTC / dossier",
    ]
    assert [r[5] for r in rows[1:]] == ["99,00", "378,00"]
    assert tenant_b.reglement.reference_virement not in {r[0] for r in rows}
    kept = list(csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in kept[1:]] == [tenant_a.reglement.reference_virement]
    assert admin_a.get("/paiements/export.ods").status_code == 404


# --- Règlement N° … --------------------------------------------------------------------------------


def test_the_synthesis_of_a_reglement_with_its_factures_and_imprimer(admin_a, tenant_a):
    response = admin_a.get(f"/paiements/{tenant_a.reglement.pk}/")

    page = text_of(response)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<h1>Règlement N° {tenant_a.reglement.numero}</h1>" in html
    assert "Date de paiement : 15 novembre 2026" in page
    assert f'href="/fichiers/avis/{tenant_a.reglement.pk}/"' in html and "Imprimer" in page
    assert "Le bénéficiaire" in page and tenant_a.etab.siret in page
    assert "La transaction" in page and "Règlement par virement" in page and "Montant TTC 378,00 €" in page
    assert "Les factures" in page and f"Facture N° {tenant_a.paid.numero}" in page
    assert f'href="/factures/{tenant_a.paid.pk}/"' in html and f'href="/dossiers/{tenant_a.dossier.pk}/"' in html


def test_another_ofs_reglement_is_a_404(admin_a, tenant_b):
    response = admin_a.get(f"/paiements/{tenant_b.reglement.pk}/")

    assert response.status_code == 404 and "Règlement introuvable." in text_of(response)
    assert admin_a.get(f"/fichiers/avis/{tenant_b.reglement.pk}/").status_code == 404


def test_the_synthesis_stays_within_twelve_queries(admin_a, tenant_a, django_assert_max_num_queries):
    reglement = make_reglement(paid_facture(tenant_a, "50.00"))
    from cases.models import LigneReglement

    for i in range(20):
        LigneReglement.objects.create(
            reglement=reglement, facture=paid_facture(tenant_a, f"{i + 1}.00"), dossier=tenant_a.dossier, montant_ttc=1
        )
    with django_assert_max_num_queries(12):
        response = admin_a.get(f"/paiements/{reglement.pk}/")
    assert response.status_code == 200 and text_of(response).count("Facture N° ") == 21
