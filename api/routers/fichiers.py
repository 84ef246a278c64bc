"""Downloads of pièces jointes and courriers OPCO, within the actor's scope."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from api.auth import actor_of
from api.common import binary, file_response
from api.errors import errors
from cases.selectors import courrier_get, piece_get
from common.errors import Conflict

router = Router(tags=["Fichiers"])


@router.get(
    "/pieces/{int:piece_id}/fichier",
    response={200: None, **errors(401, 403, 404, 429)},
    summary="Télécharger une pièce jointe",
    openapi_extra=binary("La pièce jointe"),
)
def piece(request: HttpRequest, piece_id: int):
    p = piece_get(actor=actor_of(request), piece_id=piece_id)
    return file_response(p.fichier, p.nom, inline=False)


@router.get(
    "/courriers/{int:courrier_id}/fichier",
    response={200: None, **errors(401, 403, 404, 409, 429)},
    summary="Afficher / télécharger un courrier OPCO",
    openapi_extra=binary("Le courrier", "application/pdf"),
)
def courrier(request: HttpRequest, courrier_id: int):
    c = courrier_get(actor=actor_of(request), courrier_id=courrier_id)
    if not c.fichier:
        raise Conflict("Ce courrier est en cours d'émission : réessayez dans quelques minutes.")
    return file_response(c.fichier, f"{c.nom}.pdf")
