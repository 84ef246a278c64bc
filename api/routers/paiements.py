"""Mes règlements › Les paiements OPCO: list, export, detail with the factures settled, avis (« Imprimer »)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema

from api.auth import actor_of
from api.common import (
    CONTEXT_DESCRIPTION,
    Montant,
    binary,
    bytes_response,
    context,
    file_response,
    json_ok,
    now,
    page_ok,
    paging,
    render_document,
    stream_response,
)
from api.errors import errors
from api.presenters import paiement_out, paiement_row
from api.schemas import PageOut, PaiementLigneOut, PaiementOut
from cases.selectors import PaiementFilters, paiement_export_rows, paiement_list, reglement_detail
from documents.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, xlsx_stream

router = Router(tags=["Mes règlements — paiements OPCO"])

TRI = (
    "reference, numero, beneficiaire, date_paiement, montant_total, dossier, montant_dossier ; "
    "« - » devant : décroissant (défaut : -date_paiement)"
)


class PaiementFiltres(Schema):
    reference: str | None = Field(None, description="Référence du virement (contient)")
    numero: str | None = Field(None, description="N° de règlement")
    dossier: str | None = Field(None, description="N° de dossier : 3866466 ou 3866466.1")
    date_paiement_min: date | None = None
    date_paiement_max: date | None = None
    montant_min: Montant | None = Field(None, description="Montant total TTC minimal")
    montant_max: Montant | None = Field(None, description="Montant total TTC maximal")


@router.get(
    "/paiements",
    response={200: PageOut[PaiementLigneOut], **errors(401, 403, 404, 422, 429)},
    summary="Liste des paiements : une ligne par règlement et par dossier réglé",
)
def paiements(
    request: HttpRequest,
    filtres: Query[PaiementFiltres],
    tri: str | None = Query(None, description=TRI),
    page: int = Query(1, ge=1),
    taille: int = Query(10, ge=1, le=100),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    result = paiement_list(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        filters=PaiementFilters(**filtres.dict()),
        tri=tri,
        page=paging(page, taille),
    )
    return page_ok(result, paiement_row)


@router.get(
    "/paiements/export",
    response={200: None, **errors(401, 403, 404, 422, 429)},
    summary="Exporter la liste des paiements (XLSX ou CSV)",
    openapi_extra=binary("Le fichier tableur", XLSX_CONTENT_TYPE, "text/csv"),
)
def paiements_export(
    request: HttpRequest,
    filtres: Query[PaiementFiltres],
    format: str = Query("xlsx", pattern="^(xlsx|csv)$"),
    tri: str | None = Query(None, description=TRI),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    columns, rows = paiement_export_rows(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        filters=PaiementFilters(**filtres.dict()),
        tri=tri,
    )
    stamp = f"{now():%Y%m%d-%H%M}"
    if format == "csv":
        return stream_response(csv_stream(columns, rows), f"paiements-{stamp}.csv", CSV_CONTENT_TYPE)
    return stream_response(xlsx_stream(columns, rows, sheet="Paiements"), f"paiements-{stamp}.xlsx", XLSX_CONTENT_TYPE)


@router.get(
    "/paiements/{int:reglement_id}",
    response={200: PaiementOut, **errors(401, 403, 404, 429)},
    summary="Synthèse d'un règlement et des factures qu'il paie",
)
def paiement(request: HttpRequest, reglement_id: int):
    return json_ok(paiement_out(reglement_detail(actor=actor_of(request), reglement_id=reglement_id)))


@router.get(
    "/paiements/{int:reglement_id}/avis",
    response={200: None, **errors(401, 403, 404, 429, 503)},
    summary="Imprimer : l'avis de paiement (PDF)",
    openapi_extra=binary("L'avis de paiement", "application/pdf"),
)
def avis(request: HttpRequest, reglement_id: int):
    detail = reglement_detail(actor=actor_of(request), reglement_id=reglement_id)
    name = f"reglement-{detail.reglement.numero}.pdf"
    if detail.avis is not None:
        return file_response(detail.avis.fichier, name)
    return bytes_response(render_document("render_avis_paiement", detail.reglement, "pdf", "L'avis de paiement"), name)
