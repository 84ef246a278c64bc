"""Mes règlements › Mes factures: lists (toutes / payées), export, synthesis, pièce complémentaire, PDF; and
the échéances of the apprenticeship contracts to invoice now (« à facturer ») or later (« à venir »)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Header, Query, Router, Schema, Status, UploadedFile

from api.auth import actor_of
from api.common import (
    CONTEXT_DESCRIPTION,
    Montant,
    binary,
    context,
    file_response,
    json_ok,
    now,
    page_ok,
    paging,
    stream_response,
    uploads,
)
from api.errors import errors
from api.presenters import echeance_a_facturer_out, facture_out, facture_row, piece_out
from api.schemas import EcheanceAFacturerOut, FactureLigneOut, FactureOut, PageOut, PieceOut
from cases.selectors import (
    FactureFilters,
    echeance_list,
    facture_detail,
    facture_export_rows,
    facture_get,
    facture_list,
)
from cases.services import facture_add_pieces
from documents.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, xlsx_stream

router = Router(tags=["Mes règlements — factures"])

TRI = (
    "numero, emetteur, reference, etat, date_facture, date_reception, montant_ht, montant_ttc, dossier ; "
    "« - » devant : décroissant (défaut : -date_reception)"
)


class FactureFiltres(Schema):
    vue: str | None = Field(None, description="« toutes » (défaut) ou « payees »")
    etat: list[str] = Field(default_factory=list, description="Un ou plusieurs états (paramètre répété)")
    numero: int | None = None
    emetteur: str | None = Field(None, description="Raison sociale de l'émetteur (contient)")
    reference: str | None = Field(None, description="Référence (contient)")
    dossier: str | None = Field(None, description="N° de dossier : 3866466 ou 3866466.1")
    date_facture_min: date | None = None
    date_facture_max: date | None = None
    date_reception_min: date | None = None
    date_reception_max: date | None = None
    montant_ttc_min: Montant | None = None
    montant_ttc_max: Montant | None = None


@router.get(
    "/factures",
    response={200: PageOut[FactureLigneOut], **errors(401, 403, 404, 422, 429)},
    summary="Liste des factures (toutes / payées), filtres, tri, pagination",
)
def factures(
    request: HttpRequest,
    filtres: Query[FactureFiltres],
    tri: str | None = Query(None, description=TRI),
    page: int = Query(1, ge=1),
    taille: int = Query(10, ge=1, le=100),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    result = facture_list(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        filters=FactureFilters(**filtres.dict()),
        tri=tri,
        page=paging(page, taille),
    )
    return page_ok(result, facture_row)


@router.get(
    "/factures/export",
    response={200: None, **errors(401, 403, 404, 422, 429)},
    summary="Exporter la liste des factures (XLSX ou CSV, mêmes filtres que la liste)",
    openapi_extra=binary("Le fichier tableur", XLSX_CONTENT_TYPE, "text/csv"),
)
def factures_export(
    request: HttpRequest,
    filtres: Query[FactureFiltres],
    format: str = Query("xlsx", pattern="^(xlsx|csv)$"),
    tri: str | None = Query(None, description=TRI),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    columns, rows = facture_export_rows(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        filters=FactureFilters(**filtres.dict()),
        tri=tri,
    )
    stamp = f"{now():%Y%m%d-%H%M}"
    if format == "csv":
        return stream_response(csv_stream(columns, rows), f"factures-{stamp}.csv", CSV_CONTENT_TYPE)
    return stream_response(xlsx_stream(columns, rows, sheet="Factures"), f"factures-{stamp}.xlsx", XLSX_CONTENT_TYPE)


@router.get(
    "/factures/{int:facture_id}",
    response={200: FactureOut, **errors(401, 403, 404, 429)},
    summary="Synthèse d'une facture",
)
def facture(request: HttpRequest, facture_id: int):
    return json_ok(facture_out(facture_detail(actor=actor_of(request), facture_id=facture_id)))


@router.get(
    "/factures/{int:facture_id}/fichier",
    response={200: None, **errors(401, 403, 404, 429)},
    summary="Afficher votre facture (PDF)",
    openapi_extra=binary("La facture", "application/pdf"),
)
def facture_fichier(request: HttpRequest, facture_id: int):
    facture = facture_get(actor=actor_of(request), facture_id=facture_id)
    return file_response(facture.fichier, f"facture-{facture.numero}.pdf")


@router.post(
    "/factures/{int:facture_id}/pieces",
    response={201: list[PieceOut], **errors(401, 403, 404, 409, 422, 429)},
    summary="Déposer une pièce complémentaire à la facture (par exemple le certificat de réalisation)",
)
def facture_pieces_add(request: HttpRequest, facture_id: int, fichiers: File[list[UploadedFile]]):
    created = facture_add_pieces(
        actor=actor_of(request), facture_id=facture_id, uploads=uploads(fichiers, field="fichiers"), now=now()
    )
    return Status(201, [piece_out(p) for p in created])


@router.get(
    "/echeances",
    response={200: PageOut[EcheanceAFacturerOut], **errors(401, 403, 404, 422, 429)},
    summary="Échéances des contrats d'apprentissage : à facturer (ouvertes, reste à facturer) ou à venir",
)
def echeances(
    request: HttpRequest,
    vue: str = Query("a_facturer", description="« a_facturer » (défaut) ou « a_venir »"),
    tri: str | None = Query(
        None, description="date_ouverture (défaut), nom, numero, reste ; « - » devant : décroissant"
    ),
    page: int = Query(1, ge=1),
    taille: int = Query(10, ge=1, le=100),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    result = echeance_list(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        vue=vue,
        tri=tri,
        page=paging(page, taille),
        today=timezone.localdate(),
    )
    return page_ok(result, echeance_a_facturer_out)
