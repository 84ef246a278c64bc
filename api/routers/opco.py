"""Back-office of the OPCO gestionnaires: instruction of dossiers and factures, règlements, the
gestionnaire's queues (dossiers relancés sans réponse, 20-day decision clocks at risk or lapsed) and the
courriers « en échec » with their remise en file.

Every route is refused (403) to anyone but an OPCO gestionnaire; the services check it again."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from api.auth import actor_of
from api.common import now, page_ok, paging
from api.errors import errors
from api.presenters import (
    courrier_suivi_out,
    delai_decision_row,
    dossier_etat,
    dossier_relance_row,
    facture_etat,
)
from api.schemas import (
    AccordIn,
    AnnulationIn,
    CourrierSuiviOut,
    DelaiDecisionOut,
    DemandePiecesIn,
    DossierEtatOut,
    DossierRelanceOut,
    EnregistrementIn,
    FactureEtatOut,
    PageOut,
    RefusIn,
    ReglementCourt,
    ReglementIn,
    RejetIn,
    RemiseEnFileIn,
    RuptureIn,
)
from cases.queues import clock_of, courriers_in_failure, decision_clocks, relances_escalated
from cases.services import (
    dossier_cancel,
    dossier_close,
    dossier_declare_rupture,
    dossier_grant,
    dossier_refuse,
    dossier_register,
    dossier_request_pieces,
    dossier_resume,
    dossier_take_charge,
    facture_instruct,
    facture_reject,
    facture_request_pieces,
    facture_resume,
    facture_validate,
    reglement_create,
)
from cases.services.courriers import courrier_requeue
from common.errors import Forbidden
from common.paging import paginate

router = Router(tags=["Back-office OPCO"])
DOSSIER = {200: DossierEtatOut, **errors(401, 403, 404, 409, 422, 429)}
FACTURE = {200: FactureEtatOut, **errors(401, 403, 404, 409, 422, 429)}


def opco(request: HttpRequest):
    actor = actor_of(request)
    if not actor.is_opco:
        raise Forbidden("Réservé aux gestionnaires de l'OPCO.")
    return actor


@router.post(
    "/opco/dossiers",
    response={201: DossierEtatOut, **errors(401, 403, 422, 429)},
    summary="Enregistrer un dossier déposé par l'entreprise (professionnalisation, Pro-A, action de formation)",
)
def enregistrer(request: HttpRequest, data: EnregistrementIn):
    dossier = dossier_register(
        actor=opco(request),
        dispositif=data.dispositif,
        of_etablissement_id=data.of_etablissement_id,
        entreprise_id=data.entreprise_id,
        subroge=data.subroge,
        salarie=data.salarie.dict(),
        formation=data.formation.dict(),
        contrat=data.contrat.dict(),
        financements=data.financements,
        numero_depot=data.numero_depot,
        now=now(),
    )
    return Status(201, dossier_etat(dossier))


@router.post("/opco/dossiers/{int:dossier_id}/prendre-en-charge", response=DOSSIER, summary="Prendre en charge")
def prendre_en_charge(request: HttpRequest, dossier_id: int):
    return dossier_etat(dossier_take_charge(actor=opco(request), dossier_id=dossier_id, now=now()))


@router.post("/opco/dossiers/{int:dossier_id}/demander-pieces", response=DOSSIER, summary="Demander des pièces")
def dossier_demander_pieces(request: HttpRequest, dossier_id: int, data: DemandePiecesIn):
    return dossier_etat(
        dossier_request_pieces(
            actor=opco(request), dossier_id=dossier_id, pieces=data.pieces, commentaire=data.commentaire, now=now()
        )
    )


@router.post(
    "/opco/dossiers/{int:dossier_id}/reprendre-instruction", response=DOSSIER, summary="Reprendre l'instruction"
)
def dossier_reprendre(request: HttpRequest, dossier_id: int):
    return dossier_etat(dossier_resume(actor=opco(request), dossier_id=dossier_id, now=now()))


@router.post("/opco/dossiers/{int:dossier_id}/accorder", response=DOSSIER, summary="Accorder (montants pris en charge)")
def accorder(request: HttpRequest, dossier_id: int, data: AccordIn):
    return dossier_etat(
        dossier_grant(
            actor=opco(request),
            dossier_id=dossier_id,
            montants_pris_en_charge=data.montants_pris_en_charge,
            numero_depot=data.numero_depot,
            commentaire=data.commentaire,
            now=now(),
        )
    )


@router.post("/opco/dossiers/{int:dossier_id}/refuser", response=DOSSIER, summary="Refuser (motif et explication)")
def refuser(request: HttpRequest, dossier_id: int, data: RefusIn):
    return dossier_etat(
        dossier_refuse(
            actor=opco(request), dossier_id=dossier_id, motif=data.motif, explication=data.explication, now=now()
        )
    )


@router.post("/opco/dossiers/{int:dossier_id}/annuler", response=DOSSIER, summary="Annuler")
def annuler(request: HttpRequest, dossier_id: int, data: AnnulationIn):
    return dossier_etat(dossier_cancel(actor=opco(request), dossier_id=dossier_id, motif=data.motif, now=now()))


@router.post("/opco/dossiers/{int:dossier_id}/cloturer", response=DOSSIER, summary="Clôturer (solder)")
def cloturer(request: HttpRequest, dossier_id: int):
    return dossier_etat(dossier_close(actor=opco(request), dossier_id=dossier_id, now=now()))


@router.post(
    "/opco/dossiers/{int:dossier_id}/enregistrer-rupture",
    response=DOSSIER,
    summary="Enregistrer une rupture (professionnalisation, Pro-A)",
)
def enregistrer_rupture(request: HttpRequest, dossier_id: int, data: RuptureIn):
    return dossier_etat(
        dossier_declare_rupture(
            actor=opco(request),
            dossier_id=dossier_id,
            date_rupture=data.date_rupture,
            motif=data.motif,
            initiateur=data.initiateur,
            formation_poursuivie=data.formation_poursuivie,
            commentaire=data.commentaire,
            now=now(),
        )
    )


@router.post("/opco/factures/{int:facture_id}/instruire", response=FACTURE, summary="Instruire")
def instruire(request: HttpRequest, facture_id: int):
    return facture_etat(facture_instruct(actor=opco(request), facture_id=facture_id, now=now()))


@router.post("/opco/factures/{int:facture_id}/demander-pieces", response=FACTURE, summary="Demander des pièces")
def facture_demander_pieces(request: HttpRequest, facture_id: int, data: DemandePiecesIn):
    return facture_etat(
        facture_request_pieces(
            actor=opco(request), facture_id=facture_id, pieces=data.pieces, commentaire=data.commentaire, now=now()
        )
    )


@router.post(
    "/opco/factures/{int:facture_id}/reprendre-instruction", response=FACTURE, summary="Reprendre l'instruction"
)
def facture_reprendre(request: HttpRequest, facture_id: int):
    return facture_etat(facture_resume(actor=opco(request), facture_id=facture_id, now=now()))


@router.post("/opco/factures/{int:facture_id}/valider", response=FACTURE, summary="Valider")
def valider(request: HttpRequest, facture_id: int):
    return facture_etat(facture_validate(actor=opco(request), facture_id=facture_id, now=now()))


@router.post("/opco/factures/{int:facture_id}/rejeter", response=FACTURE, summary="Rejeter (motif et explication)")
def rejeter(request: HttpRequest, facture_id: int, data: RejetIn):
    return facture_etat(
        facture_reject(
            actor=opco(request), facture_id=facture_id, motif=data.motif, explication=data.explication, now=now()
        )
    )


@router.post(
    "/opco/reglements",
    response={201: ReglementCourt, **errors(401, 403, 409, 422, 429)},
    summary="Créer un règlement (paie des factures validées d'un même bénéficiaire)",
)
def reglement(request: HttpRequest, data: ReglementIn):
    r = reglement_create(
        actor=opco(request),
        facture_ids=data.facture_ids,
        date_paiement=data.date_paiement,
        reference_virement=data.reference_virement,
        mode=data.mode,
        now=now(),
    )
    return Status(
        201, {"id": r.pk, "numero": r.numero, "reference": r.reference_virement, "date_paiement": r.date_paiement}
    )


# --- The gestionnaire's queues and the courriers « en échec » -----------------------------------

LIST = errors(401, 403, 422, 429)


@router.get(
    "/opco/files/relances-sans-reponse",
    response={200: PageOut[DossierRelanceOut], **LIST},
    summary="Dossiers relancés sans réponse (toujours en attente de pièces après les relances)",
)
def relances_sans_reponse(request: HttpRequest, page: int = Query(1, ge=1), taille: int = Query(20, ge=1, le=100)):
    result = paginate(relances_escalated(actor=opco(request)), paging(page, taille))
    return page_ok(result, dossier_relance_row)


@router.get(
    "/opco/files/delais-de-decision",
    response={200: PageOut[DelaiDecisionOut], **LIST},
    summary="Délais légaux de décision (20 jours) à risque ou dépassés, du plus ancien au plus récent",
)
def delais_de_decision(
    request: HttpRequest,
    situation: Literal["a_risque", "depasse"] | None = Query(None, description="a_risque, depasse ; les deux sinon"),
    page: int = Query(1, ge=1),
    taille: int = Query(20, ge=1, le=100),
):
    today = timezone.localdate()
    qs = decision_clocks(actor=opco(request), today=today, situation=situation)
    result = paginate(qs, paging(page, taille))
    return page_ok(result, lambda d: delai_decision_row(d, clock_of(d, today=today)))


@router.get(
    "/opco/courriers/en-echec",
    response={200: PageOut[CourrierSuiviOut], **LIST},
    summary="Courriers en échec (abandonnés après leurs tentatives), à corriger puis remettre dans la file",
)
def courriers_en_echec(request: HttpRequest, page: int = Query(1, ge=1), taille: int = Query(20, ge=1, le=100)):
    result = paginate(courriers_in_failure(actor=opco(request)), paging(page, taille))
    return page_ok(result, courrier_suivi_out)


@router.post(
    "/opco/courriers/{int:courrier_id}/remettre-en-file",
    response={200: CourrierSuiviOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Remettre dans la file un courrier en échec (il sera émis au prochain passage)",
)
def remettre_en_file(request: HttpRequest, courrier_id: int, data: RemiseEnFileIn | None = None):
    courrier = courrier_requeue(
        actor=opco(request), courrier_id=courrier_id, reason=data.motif if data else "", now=now()
    )
    return courrier_suivi_out(courrier)
