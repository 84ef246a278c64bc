"""Mes dossiers: lists per dispositif, synthesis, CERFA, pièces jointes, the apprenticeship form
(drafts, verification, transmission), avenants, ruptures and the deposit of factures."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Header, Query, Router, Schema, Status, UploadedFile

from api.auth import actor_of
from api.common import (
    CONTEXT_DESCRIPTION,
    Montant,
    binary,
    bytes_response,
    context,
    json_ok,
    now,
    page_ok,
    paging,
    render_document,
    upload,
    uploads,
)
from api.errors import errors
from api.presenters import (
    courrier_out,
    dossier_etat,
    dossier_out,
    dossier_row,
    evenement_out,
    facture_deposee_out,
    facture_etat,
    piece_out,
    verification_out,
)
from api.schemas import (
    AvenantIn,
    CourrierOut,
    DossierEtatOut,
    DossierLigneOut,
    DossierOut,
    EntrepriseTrouveeOut,
    EvenementOut,
    FactureDeposeeOut,
    FactureEtatOut,
    PageOut,
    PieceOut,
    RuptureIn,
    VerificationOut,
)
from cases.journal import journal_entries
from cases.selectors import (
    DossierFilters,
    cerfa_form_structure,
    cerfa_verification,
    dossier_get,
    dossier_list,
    dossier_pieces_list,
    entreprises_search,
)
from cases.selectors_financement import financement_demande
from cases.selectors_synthese import (
    dossier_courriers_page,
    dossier_factures_page,
    dossier_journal_page,
    dossier_synthesis,
)
from cases.services import (
    dossier_add_pieces,
    dossier_avenant_create,
    dossier_declare_rupture,
    dossier_draft_delete,
    dossier_draft_save,
    dossier_transmit,
    facture_deposit,
)
from common.errors import Conflict
from common.paging import Page
from rules.lifecycles import Dispositif

router = Router(tags=["Mes dossiers"])

DispositifParam = Query(..., description="apprentissage, professionnalisation, pro_a ou action_formation")


class DossierFiltres(Schema):
    vue: str | None = Field(None, description="Contrat d'apprentissage : « transmis » ou « brouillon »")
    etat: list[str] = Field(default_factory=list, description="Un ou plusieurs états (paramètre répété)")
    nom: str | None = Field(None, description="Nom du salarié (contient)")
    prenom: str | None = Field(None, description="Prénom du salarié (contient)")
    etablissement_nom: str | None = Field(None, description="Entreprise : raison sociale (contient) ou SIRET (début)")
    numero: str | None = Field(None, description="N° de dossier : 3866466 ou 3866466.1")
    numero_deca: str | None = Field(None, description="N° de dépôt / DECA (contient)")
    formation: str | None = Field(None, description="Intitulé de la formation (contient)")
    subroge: bool | None = None
    date_debut_contrat_min: date | None = None
    date_debut_contrat_max: date | None = None
    date_fin_contrat_min: date | None = None
    date_fin_contrat_max: date | None = None


@router.get(
    "/dossiers",
    response={200: PageOut[DossierLigneOut], **errors(401, 403, 404, 422, 429)},
    summary="Liste des dossiers d'un dispositif (filtres et tri sur chaque colonne, pagination)",
)
def dossiers(
    request: HttpRequest,
    filtres: Query[DossierFiltres],
    dispositif: str = DispositifParam,
    tri: str | None = Query(
        None,
        description="nom, prenom, etablissement, numero, numero_deca, formation, date_debut_contrat, "
        "date_fin_contrat, etat, subroge, date_creation, date_modification ; « - » devant : décroissant",
    ),
    page: int = Query(1, ge=1),
    taille: int = Query(10, ge=1, le=100),
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    values = filtres.dict()
    values["etablissement"] = values.pop("etablissement_nom")
    result = dossier_list(
        actor=actor_of(request),
        etablissement_id=context(etablissement, x_etablissement),
        dispositif=dispositif,
        filters=DossierFilters(**values),
        tri=tri,
        page=paging(page, taille),
    )
    return page_ok(result, dossier_row)


@router.get(
    "/dossiers/{int:dossier_id}",
    response={200: DossierOut, **errors(401, 403, 404, 429)},
    summary="Synthèse d'un dossier (tous les blocs, actions possibles, historique)",
)
def dossier(request: HttpRequest, dossier_id: int):
    actor = actor_of(request)
    return json_ok(dossier_out(dossier_synthesis(actor=actor, dossier_id=dossier_id), viewer_is_opco=actor.is_opco))


@router.get(
    "/dossiers/{int:dossier_id}/factures",
    response={200: PageOut[FactureDeposeeOut], **errors(401, 403, 404, 422, 429)},
    summary="Voir tout : les factures déposées sur le dossier (les plus récentes d'abord, paginées)",
)
def dossier_factures(
    request: HttpRequest, dossier_id: int, page: int = Query(1, ge=1), taille: int = Query(20, ge=1, le=100)
):
    _, result = dossier_factures_page(actor=actor_of(request), dossier_id=dossier_id, page=paging(page, taille))
    return page_ok(result, facture_deposee_out)


@router.get(
    "/dossiers/{int:dossier_id}/courriers",
    response={200: PageOut[CourrierOut], **errors(401, 403, 404, 422, 429)},
    summary="Voir tout : les courriers OPCO du dossier (les plus récents d'abord, paginés)",
)
def dossier_courriers(
    request: HttpRequest, dossier_id: int, page: int = Query(1, ge=1), taille: int = Query(20, ge=1, le=100)
):
    dossier, result = dossier_courriers_page(actor=actor_of(request), dossier_id=dossier_id, page=paging(page, taille))
    return page_ok(result, lambda c: courrier_out(c, reference=dossier.reference))


@router.get(
    "/dossiers/{int:dossier_id}/historique",
    response={200: PageOut[EvenementOut], **errors(401, 403, 404, 422, 429)},
    summary="Voir tout : l'historique du dossier (les événements les plus récents d'abord, paginés)",
)
def dossier_historique(
    request: HttpRequest, dossier_id: int, page: int = Query(1, ge=1), taille: int = Query(20, ge=1, le=100)
):
    actor = actor_of(request)
    dossier, result = dossier_journal_page(actor=actor, dossier_id=dossier_id, page=paging(page, taille))
    entries = journal_entries(result.items, dispositif=dossier.dispositif, viewer_is_opco=actor.is_opco)
    return page_ok(Page(entries, result.total, result.page, result.taille), evenement_out)


@router.get(
    "/dossiers/{int:dossier_id}/cerfa",
    response={200: None, **errors(401, 403, 404, 409, 422, 429, 503)},
    summary="Afficher : le CERFA du dossier (formulaire reconstitué)",
    openapi_extra=binary(
        "Le CERFA", "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
)
def cerfa_document(request: HttpRequest, dossier_id: int, format: str = Query("pdf", pattern="^(pdf|docx)$")):
    dossier = dossier_get(actor=actor_of(request), dossier_id=dossier_id)
    if dossier.dispositif != Dispositif.APPRENTISSAGE:
        raise Conflict(
            "Le CERFA n'existe que pour les contrats d'apprentissage : ce dossier a été déposé par l'entreprise."
        )
    data = render_document("render_cerfa", dossier, format, "Le CERFA")
    return bytes_response(data, f"cerfa-{dossier.reference}.{format}")


@router.get(
    "/dossiers/{int:dossier_id}/donnees",
    response={200: dict, **errors(401, 403, 404, 429)},
    summary="Les données saisies du CERFA (reprise d'un brouillon : « Modifier »)",
)
def donnees(request: HttpRequest, dossier_id: int):
    return dossier_get(actor=actor_of(request), dossier_id=dossier_id).donnees or {}


@router.get(
    "/dossiers/{int:dossier_id}/pieces",
    response={200: list[PieceOut], **errors(401, 403, 404, 429)},
    summary="Liste des pièces jointes",
)
def pieces(request: HttpRequest, dossier_id: int):
    return [piece_out(p) for p in dossier_pieces_list(actor=actor_of(request), dossier_id=dossier_id)]


@router.post(
    "/dossiers/{int:dossier_id}/pieces",
    response={201: list[PieceOut], **errors(401, 403, 404, 409, 422, 429)},
    summary="Ajouter des pièces jointes (plusieurs fichiers à la fois ; pas de facture ici)",
)
def pieces_add(request: HttpRequest, dossier_id: int, fichiers: File[list[UploadedFile]]):
    created = dossier_add_pieces(
        actor=actor_of(request), dossier_id=dossier_id, uploads=uploads(fichiers, field="fichiers"), now=now()
    )
    return Status(201, [piece_out(p) for p in created])


@router.post(
    "/dossiers/{int:dossier_id}/factures",
    response={201: FactureEtatOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Déposer votre facture (PDF obligatoire) et ses justificatifs",
)
def facture_deposer(
    request: HttpRequest,
    dossier_id: int,
    reference: Form[str],
    date_facture: Form[date],
    montant_ht: Form[Montant],
    montant_ttc: Form[Montant],
    fichier: File[UploadedFile],
    commentaire: Form[str] = "",
    justificatifs: File[list[UploadedFile]] = None,
    echeance: Form[int | None] = None,
):
    """``echeance``: the number of the échéance invoiced (required on an accordé apprenticeship contract
    that has an échéancier), see ``GET /dossiers/{id}`` › ``echeancier``."""
    facture = facture_deposit(
        actor=actor_of(request),
        dossier_id=dossier_id,
        reference=reference,
        date_facture=date_facture,
        montant_ht=montant_ht,
        montant_ttc=montant_ttc,
        echeance_numero=echeance,
        commentaire=commentaire,
        fichier=upload(fichier, field="fichier"),
        justificatifs=uploads(justificatifs, field="justificatifs"),
        now=now(),
    )
    return Status(201, facture_etat(facture))


# --- Contrat d'apprentissage: the form, drafts, transmission -------------------------------------


class BrouillonIn(Schema):
    cerfa: dict = Field(
        description="Le CERFA (noms de la norme API CFA) ; SIRET de l'entreprise et du CFA obligatoires"
    )


@router.get(
    "/dossiers/apprentissage/formulaire",
    response={200: dict, **errors(401, 403, 429)},
    summary="Formulaire de saisie : blocs, champs, listes de codes et volet d'aide",
)
def formulaire(request: HttpRequest):
    return cerfa_form_structure()


@router.post(
    "/dossiers/apprentissage/verification",
    response={200: VerificationOut, **errors(401, 403, 422, 429)},
    summary="La synthèse et la validation : champs manquants ou mal saisis, bloc par bloc, les périodes de "
    "rémunération calculées et le « Demandé » de la transmission",
)
def verification(request: HttpRequest, data: BrouillonIn):
    actor_of(request)
    verdict = cerfa_verification(payload=data.cerfa, today=timezone.localdate())
    return verification_out(verdict, financement_demande(payload=data.cerfa))


@router.post(
    "/dossiers/apprentissage/brouillons",
    response={201: DossierEtatOut, **errors(401, 403, 404, 422, 429)},
    summary="Sauvegarder un nouveau brouillon",
)
def brouillon_create(request: HttpRequest, data: BrouillonIn):
    dossier = dossier_draft_save(actor=actor_of(request), payload=data.cerfa, now=now())
    return Status(201, dossier_etat(dossier))


@router.put(
    "/dossiers/{int:dossier_id}/brouillon",
    response={200: DossierEtatOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Sauvegarder le brouillon (reprise de la saisie)",
)
def brouillon_update(request: HttpRequest, dossier_id: int, data: BrouillonIn):
    dossier = dossier_draft_save(actor=actor_of(request), payload=data.cerfa, now=now(), dossier_id=dossier_id)
    return dossier_etat(dossier)


@router.delete(
    "/dossiers/{int:dossier_id}/brouillon",
    response={204: None, **errors(401, 403, 404, 409, 422, 429)},
    summary="Supprimer le brouillon (confirmation obligatoire)",
)
def brouillon_delete(request: HttpRequest, dossier_id: int, confirmation: bool = False):
    dossier_draft_delete(actor=actor_of(request), dossier_id=dossier_id, confirm=confirmation)
    return HttpResponse(status=204)


@router.post(
    "/dossiers/{int:dossier_id}/transmettre",
    response={200: DossierEtatOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Transmettre le contrat d'apprentissage",
)
def transmettre(request: HttpRequest, dossier_id: int):
    return dossier_etat(dossier_transmit(actor=actor_of(request), dossier_id=dossier_id, now=now()))


@router.post(
    "/dossiers/{int:dossier_id}/avenants",
    response={201: DossierEtatOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Créer un avenant (nouvelle version du dossier, instruite par l'OPCO)",
)
def avenant(request: HttpRequest, dossier_id: int, data: AvenantIn):
    created = dossier_avenant_create(
        actor=actor_of(request),
        dossier_id=dossier_id,
        payload=data.cerfa,
        motif=data.motif,
        type_avenant=data.type_avenant,
        date_effet=data.date_effet,
        now=now(),
    )
    return Status(201, dossier_etat(created))


@router.post(
    "/dossiers/{int:dossier_id}/rupture",
    response={200: DossierEtatOut, **errors(401, 403, 404, 409, 422, 429)},
    summary="Déclarer une rupture de contrat",
)
def rupture(request: HttpRequest, dossier_id: int, data: RuptureIn):
    dossier = dossier_declare_rupture(
        actor=actor_of(request),
        dossier_id=dossier_id,
        date_rupture=data.date_rupture,
        motif=data.motif,
        initiateur=data.initiateur,
        formation_poursuivie=data.formation_poursuivie,
        commentaire=data.commentaire,
        now=now(),
    )
    return dossier_etat(dossier)


@router.get(
    "/entreprises",
    response={200: list[EntrepriseTrouveeOut], **errors(401, 403, 404, 422, 429)},
    summary="Sélectionner un établissement employeur par SIRET (9 chiffres au moins)",
)
def entreprises(request: HttpRequest, siret: str = Query(..., min_length=9, max_length=14)):
    return [
        {
            "id": e.pk,
            "siret": e.siret,
            "raison_sociale": e.raison_sociale,
            "adresse": e.adresse,
            "code_postal": e.code_postal,
            "ville": e.ville,
            "naf": e.naf,
            "idcc": e.idcc,
            "libelle_idcc": e.libelle_idcc,
            "effectif": e.effectif,
            "type_employeur": e.type_employeur,
        }
        for e in entreprises_search(actor=actor_of(request), siret=siret)
    ]
