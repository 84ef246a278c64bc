"""Downloads, each through the selector that applies the viewer's scope (another OF's file is a
404): courriers OPCO, pièces jointes, the facture's PDF, the CERFA of a dossier, the avis de paiement."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.http import require_GET

from cases.renders import render_document
from cases.selectors import courrier_get, dossier_get, facture_get, piece_get, reglement_detail
from common.downloads import bytes_response, file_response
from common.errors import Conflict
from portal.context import portal_view
from rules.lifecycles import Dispositif


@portal_view
@require_GET
def courrier(request: HttpRequest, courrier_id: int):
    c = courrier_get(actor=request.viewer.actor, courrier_id=courrier_id)
    if not c.fichier:
        raise Conflict("Ce courrier est en cours d'émission : réessayez dans quelques minutes.")
    return file_response(c.fichier, f"{c.nom}.pdf")


@portal_view
@require_GET
def piece(request: HttpRequest, piece_id: int):
    p = piece_get(actor=request.viewer.actor, piece_id=piece_id)
    return file_response(p.fichier, p.nom, inline=False)


@portal_view
@require_GET
def facture(request: HttpRequest, facture_id: int):
    f = facture_get(actor=request.viewer.actor, facture_id=facture_id)
    return file_response(f.fichier, f"facture-{f.numero}.pdf")


@portal_view
@require_GET
def cerfa(request: HttpRequest, dossier_id: int):
    dossier = dossier_get(actor=request.viewer.actor, dossier_id=dossier_id)
    if dossier.dispositif != Dispositif.APPRENTISSAGE:
        raise Conflict(
            "Le CERFA n'existe que pour les contrats d'apprentissage : ce dossier a été déposé par l'entreprise."
        )
    fmt = "docx" if request.GET.get("format") == "docx" else "pdf"
    data = render_document("render_cerfa", dossier, fmt, "Le CERFA")
    return bytes_response(data, f"cerfa-{dossier.reference}.{fmt}")


@portal_view
@require_GET
def avis(request: HttpRequest, reglement_id: int):
    detail = reglement_detail(actor=request.viewer.actor, reglement_id=reglement_id)
    name = f"avis-de-paiement-{detail.reglement.numero}.pdf"
    if detail.avis is not None:
        return file_response(detail.avis.fichier, name)
    return bytes_response(render_document("render_avis_paiement", detail.reglement, "pdf", "L'avis de paiement"), name)
