"""Notifications: « Un nouveau courrier a été déposé dans votre dossier. »"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema

from api.auth import actor_of
from api.common import CONTEXT_DESCRIPTION, context, json_ok, now, page_ok, paging
from api.errors import errors
from api.presenters import dossier_out, facture_out, notification_out, paiement_out
from api.schemas import ExamenOut, MessageOut, NotificationOut, PageOut
from cases.selectors import NotificationFilters, notification_get, notification_list
from cases.selectors_synthese import notification_examine
from cases.services.notifications import (
    notification_delete,
    notification_mark_read,
    notifications_delete_all,
    notifications_mark_all_read,
)

router = Router(tags=["Notifications"])


class NotificationFiltres(Schema):
    numero: str | None = Field(None, description="N° de dossier (3866466 ou 3866466.1)")
    siret: str | None = Field(None, description="SIRET du destinataire (début)")
    raison_sociale: str | None = Field(None, description="Raison sociale du destinataire (contient)")
    prenom: str | None = Field(None, description="Prénom du stagiaire (contient)")
    nom: str | None = Field(None, description="Nom du stagiaire (contient)")
    lue: bool | None = None
    date_min: date | None = None
    date_max: date | None = None


@router.get(
    "/notifications",
    response={200: PageOut[NotificationOut], **errors(401, 403, 404, 422, 429)},
    summary="Afficher toutes les notifications (filtres, tri, pagination)",
)
def notifications(
    request: HttpRequest,
    filtres: Query[NotificationFiltres],
    tri: str | None = Query(
        None, description="date, numero, siret, raison_sociale, prenom, nom, lue ; « - » : décroissant"
    ),
    page: int = Query(1, ge=1),
    taille: int = Query(10, ge=1, le=100),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    result = notification_list(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        filters=NotificationFilters(**filtres.dict()),
        tri=tri,
        page=paging(page, taille),
    )
    return page_ok(result, notification_out)


@router.post(
    "/notifications/lues",
    response={200: MessageOut, **errors(401, 403, 404, 422, 429)},
    summary="Tout marquer comme lu",
)
def tout_marquer_lu(
    request: HttpRequest,
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    count = notifications_mark_all_read(
        actor=actor_of(request), etablissement_id=context(etablissement, x_etablissement), now=now()
    )
    return {"description": f"{count} notification(s) marquée(s) comme lue(s).", "nombre": count}


@router.delete(
    "/notifications",
    response={200: MessageOut, **errors(401, 403, 404, 422, 429)},
    summary="Tout supprimer",
)
def tout_supprimer(
    request: HttpRequest,
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    count = notifications_delete_all(
        actor=actor_of(request), etablissement_id=context(etablissement, x_etablissement), now=now()
    )
    return {"description": f"{count} notification(s) supprimée(s).", "nombre": count}


@router.get(
    "/notifications/{int:notification_id}",
    response={200: NotificationOut, **errors(401, 403, 404, 429)},
    summary="Une notification",
)
def notification(request: HttpRequest, notification_id: int):
    return notification_out(notification_get(actor=actor_of(request), notification_id=notification_id))


@router.post(
    "/notifications/{int:notification_id}/lue",
    response={204: None, **errors(401, 403, 404, 429)},
    summary="Marquer comme lue",
)
def marquer_lue(request: HttpRequest, notification_id: int):
    notification_mark_read(actor=actor_of(request), notification_id=notification_id, now=now())
    return HttpResponse(status=204)


@router.delete(
    "/notifications/{int:notification_id}",
    response={204: None, **errors(401, 403, 404, 429)},
    summary="Supprimer une notification",
)
def supprimer(request: HttpRequest, notification_id: int):
    notification_delete(actor=actor_of(request), notification_id=notification_id, now=now())
    return HttpResponse(status=204)


@router.get(
    "/notifications/{int:notification_id}/examiner",
    response={200: ExamenOut, **errors(401, 403, 404, 429)},
    summary="Examiner : la synthèse du dossier (ou de la facture, du paiement) concerné",
)
def examiner(request: HttpRequest, notification_id: int):
    actor = actor_of(request)
    examen = notification_examine(actor=actor, notification_id=notification_id)
    return json_ok(
        {
            "type": examen.type,
            "dossier": dossier_out(examen.dossier, viewer_is_opco=actor.is_opco) if examen.dossier else None,
            "facture": facture_out(examen.facture) if examen.facture else None,
            "paiement": paiement_out(examen.reglement) if examen.reglement else None,
        }
    )
