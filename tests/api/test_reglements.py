"""Mes règlements: factures (lists, export XLSX/CSV, detail, PDF, pièce complémentaire) and paiements."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.selectors import FACTURE_SORTS, PAIEMENT_SORTS
from tests.api.conftest import API, codes_of, fields_of, session_client
from tests.factories import PDF_BYTES, FactureFactory, of_user

pytestmark = pytest.mark.django_db


def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "xl/workbook.xml" in archive.namelist()
        return "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))


def streamed(response) -> bytes:
    assert response.status_code == 200, response.content if not response.streaming else ""
    return b"".join(response.streaming_content)


# --- Factures ---------------------------------------------------------------------------------


def test_facture_list_all_and_paid(gest_a, tenant_a):
    toutes = gest_a.get(f"{API}/factures").json()
    payees = gest_a.get(f"{API}/factures?vue=payees").json()

    assert toutes["total"] == 2
    assert [f["numero"] for f in payees["elements"]] == [tenant_a.paid.numero]
    row = next(f for f in toutes["elements"] if f["id"] == tenant_a.facture.pk)
    assert row["emetteur"]["raison_sociale"] == tenant_a.etab.raison_sociale
    assert (row["etat_libelle"], row["montant_ttc"]) == ("Déposée", "3262.00")
    assert row["dossier"]["numero"] == tenant_a.dossier.reference


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("etat=payee", ["paid"]),
        ("etat=deposee&etat=payee", ["facture", "paid"]),
        ("numero={facture_numero}", ["facture"]),
        ("emetteur=generique", ["facture", "paid"]),
        ("reference={paid_reference}", ["paid"]),
        ("dossier={dossier}", ["facture", "paid"]),
        ("montant_ttc_min=1000", ["facture"]),
        ("montant_ttc_max=500", ["paid"]),
        ("date_facture_min=2026-11-02&date_facture_max=2026-11-02", ["facture", "paid"]),
        ("date_reception_max=2020-01-01", []),
    ],
)
def test_facture_filters(gest_a, tenant_a, query, expected):
    query = query.format(
        facture_numero=tenant_a.facture.numero,
        paid_reference=tenant_a.paid.reference,
        dossier=tenant_a.dossier.reference,
    )

    rows = gest_a.get(f"{API}/factures?{query}").json()["elements"]

    assert sorted(r["id"] for r in rows) == sorted(getattr(tenant_a, name).pk for name in expected)


@pytest.mark.parametrize("column", sorted(FACTURE_SORTS))
def test_facture_sort_on_every_column(gest_a, column):
    up = gest_a.get(f"{API}/factures?tri={column}").json()["elements"]
    down = gest_a.get(f"{API}/factures?tri=-{column}").json()["elements"]

    assert len(up) == len(down) == 2


def test_facture_sort_by_amount(gest_a, tenant_a):
    rows = gest_a.get(f"{API}/factures?tri=montant_ttc").json()["elements"]

    assert [r["montant_ttc"] for r in rows] == ["378.00", "3262.00"]


def test_facture_detail_pdf_and_pieces(gest_a, tenant_a):
    detail = gest_a.get(f"{API}/factures/{tenant_a.facture.pk}").json()

    assert detail["etat"] == "deposee" and detail["reglement"] is None
    assert [a["code"] for a in detail["actions"]] == ["afficher", "ajouter_piece"]
    pdf = gest_a.get(detail["fichier"])
    assert streamed(pdf) == PDF_BYTES and pdf["Content-Type"] == "application/pdf"

    added = gest_a.post(
        f"{API}/factures/{tenant_a.facture.pk}/pieces", {"fichiers": [SimpleUploadedFile("certificat.pdf", PDF_BYTES)]}
    )
    assert added.status_code == 201
    assert [p["nom"] for p in gest_a.get(f"{API}/factures/{tenant_a.facture.pk}").json()["pieces_jointes"]] == [
        "certificat.pdf"
    ]


def test_paid_facture_shows_its_reglement_and_refuses_pieces(gest_a, tenant_a):
    detail = gest_a.get(f"{API}/factures/{tenant_a.paid.pk}").json()
    refused = gest_a.post(
        f"{API}/factures/{tenant_a.paid.pk}/pieces", {"fichiers": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
    )

    assert detail["reglement"]["numero"] == tenant_a.reglement.numero
    assert [a["code"] for a in detail["actions"]] == ["afficher"]
    assert refused.status_code == 409


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_facture_export_respects_filters_and_scope(gest_a, tenant_a, tenant_b, fmt):
    response = gest_a.get(f"{API}/factures/export?format={fmt}&vue=payees")
    content = streamed(response)

    assert "attachment" in response["Content-Disposition"]
    text = xlsx_text(content) if fmt == "xlsx" else content.decode("utf-8-sig")
    assert tenant_a.paid.reference in text
    assert tenant_a.facture.reference not in text  # filtered out
    assert tenant_b.paid.reference not in text  # another OF
    if fmt == "csv":
        header, line = text.splitlines()[:2]
        assert header.startswith("Numéro;Raison sociale de l'émetteur")
        assert "378,00" in line and "02/11/2026" in line


def test_export_of_many_factures_streams_chunks(gest_a, tenant_a):
    FactureFactory.create_batch(60, dossier=tenant_a.dossier)

    response = gest_a.get(f"{API}/factures/export?format=xlsx")
    chunks = list(response.streaming_content)

    assert response.streaming
    assert xlsx_text(b"".join(chunks)).count("FAC-") >= 62


def test_export_unknown_format_is_422(gest_a):
    response = gest_a.get(f"{API}/factures/export?format=pdf")

    assert response.status_code == 422 and fields_of(response) == {"format"}


# --- Paiements ---------------------------------------------------------------------------------


def test_paiement_list_one_line_per_reglement_and_dossier(gest_a, tenant_a):
    [row] = gest_a.get(f"{API}/paiements").json()["elements"]

    assert row["reference"] == tenant_a.reglement.reference_virement
    assert row["beneficiaire"]["siret"] == tenant_a.etab.siret
    assert row["dossier"]["numero"] == tenant_a.dossier.reference
    assert row["montant_total_ttc"] == row["montant_dossier_ttc"] == "378.00"
    assert row["lien"] == f"{API}/paiements/{tenant_a.reglement.pk}"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("reference=VIR", 1),
        ("reference=XYZ", 0),
        ("numero={numero}", 1),
        ("dossier={dossier}", 1),
        ("date_paiement_min=2026-11-15&date_paiement_max=2026-11-15", 1),
        ("date_paiement_max=2020-01-01", 0),
        ("montant_min=400", 0),
        ("montant_max=400", 1),
    ],
)
def test_paiement_filters(gest_a, tenant_a, query, count):
    query = query.format(numero=tenant_a.reglement.numero, dossier=tenant_a.dossier.reference)

    assert gest_a.get(f"{API}/paiements?{query}").json()["total"] == count


@pytest.mark.parametrize("column", sorted(PAIEMENT_SORTS))
def test_paiement_sort_on_every_column(gest_a, column):
    assert gest_a.get(f"{API}/paiements?tri=-{column}").json()["total"] == 1


def test_paiement_detail_lists_the_factures_it_settles(gest_a, tenant_a):
    body = gest_a.get(f"{API}/paiements/{tenant_a.reglement.pk}").json()

    assert (body["numero"], body["mode_libelle"]) == (tenant_a.reglement.numero, "Règlement par virement")
    assert [f["numero"] for f in body["factures"]] == [tenant_a.paid.numero]
    assert body["factures"][0]["date_facture"] == "2026-11-02"
    assert body["imprimer"] == f"{API}/paiements/{tenant_a.reglement.pk}/avis"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_paiement_export(gest_a, tenant_a, fmt):
    content = streamed(gest_a.get(f"{API}/paiements/export?format={fmt}"))

    text = xlsx_text(content) if fmt == "xlsx" else content.decode("utf-8-sig")
    assert tenant_a.reglement.reference_virement in text


def test_paiements_need_the_consulter_reglements_right(tenant_a):
    client = session_client(of_user(tenant_a.etab, droits=["deposer_pieces"])[0])

    listed = client.get(f"{API}/paiements")
    detail = client.get(f"{API}/paiements/{tenant_a.reglement.pk}")

    assert listed.status_code == 403 and codes_of(listed) == {"interdit"}
    assert detail.status_code == 403
