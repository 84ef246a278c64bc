"""The routes of the norm (paths relative to the OPCO's base URL ``/api/cfa``). Each makes one call of
a service or selector of :mod:`echanges` (which call those of :mod:`cases`) and answers in the norm's
names (:mod:`api.cfa.presenters`)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import NinjaJSONEncoder

from api.cfa import presenters
from api.cfa.auth import actor_of, logiciel_seul
from api.cfa.errors import prefixed
from api.cfa.schemas import (
    CleInfoOut,
    ConventionOut,
    DepotDossierIn,
    DepotDossierOut,
    DocumentOut,
    DossierNormeOut,
    ErreurNorme,
    EtatsDossiersOut,
    EtatsFacturesOut,
    FactureDepotOut,
    RuptureIn,
    RuptureOut,
    StatusOut,
)
from cases.services import Upload
from cases.services._common import read_uploads
from common.errors import InvalidInput
from echanges import selectors, services
from rules import norme
from rules.verdicts import Problem

router = Router()
NUMEROS = Query(..., description="Numéros internes, séparés par des virgules ou paramètre répété (100 au plus)")
JSON = "application/json; charset=utf-8"
MAX_JSON_PART = 1024 * 1024


def _ok(data, *, replayed: bool = False) -> HttpResponse:
    response = HttpResponse(json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False), content_type=JSON)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _idempotency_key(request: HttpRequest) -> str | None:
    return request.headers.get("Idempotency-Key")


def _errors(*codes: int) -> dict:
    return dict.fromkeys(codes, ErreurNorme)


def _json_part(request: HttpRequest, name: str) -> dict:
    """The JSON part ``name`` of a multipart body (a form field, or a file part of type application/json)."""
    raw = request.POST.get(name)
    if raw is None and name in request.FILES:
        part = request.FILES[name]
        if (part.size or 0) > MAX_JSON_PART:
            raise InvalidInput([Problem(name, "La partie JSON dépasse 1 Mo.")])
        raw = part.read().decode("utf-8", errors="replace")
    if raw is None or not raw.strip():
        raise InvalidInput(
            [Problem(name, f"La partie JSON « {name} » est obligatoire (multipart/form-data).", "obligatoire")],
            f"Partie « {name} » manquante.",
        )
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidInput([Problem(name, "JSON invalide.")]) from None
    if not isinstance(data, dict):
        raise InvalidInput([Problem(name, "Un objet JSON est attendu.")])
    return data


def _file_part(request: HttpRequest) -> Upload | None:
    files = request.FILES.getlist("fichier")
    if len(files) > 1:
        raise InvalidInput([Problem("fichier", "Un seul fichier par dépôt.")])
    uploads = read_uploads(files, field="fichier")
    return uploads[0] if uploads else None


def _multipart(description: str, part: str, schema_ref: str) -> dict:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [part, "fichier"],
                        "properties": {
                            part: {"$ref": f"#/components/schemas/{schema_ref}"},
                            "fichier": {"type": "string", "format": "binary", "description": "Le fichier (PDF)"},
                        },
                    },
                    "encoding": {part: {"contentType": "application/json"}},
                }
            },
        }
    }


# --- System -------------------------------------------------------------------------------------


@router.get(
    "/v1/status",
    response={200: StatusOut, **_errors(400, 403, 429)},
    summary="État du service et de la clé (test de connexion)",
    tags=["Système"],
)
def status(request: HttpRequest):
    result = selectors.statut(actor=actor_of(request))
    return _ok(
        {
            "status": "OK",
            "dateServeur": norme.datetime_to_norme(timezone.now()),
            "versions": ["v1", "v2"],
            "siret": result.siret,
            "dateFinValiditeCle": norme.datetime_to_norme(result.date_fin_validite),
        }
    )


@router.get(
    "/v2/cfakeyinfo",
    auth=logiciel_seul,
    response={200: CleInfoOut, **_errors(400, 429)},
    summary="Validité d'une clé d'authentification pour un SIREN",
    description="Sans en-tête X-API-KEY : la clé à vérifier est passée dans XAPIKEY. Réponse `status` "
    "« success » (clé valide, avec sa fin de validité) ou « error » (inconnue pour ce SIREN, révoquée, expirée).",
    tags=["Système"],
)
def cfakeyinfo(request: HttpRequest, siren: str = Query(...), XAPIKEY: str = Query(...)):  # noqa: N803
    info = selectors.cle_info(siren=siren, raw_key=XAPIKEY, now=timezone.now())
    return _ok(
        {
            "status": "success" if info.valide else "error",
            "dateFinValidite": (
                info.date_fin_validite.astimezone(norme.PARIS).date().isoformat() if info.date_fin_validite else None
            ),
            "comment": info.commentaire,
        }
    )


# --- Contracts ----------------------------------------------------------------------------------


def _deposit(request: HttpRequest, data: DepotDossierIn, version: str):
    try:
        depot = services.contrat_deposit(
            actor=actor_of(request),
            cerfa=data.cerfa,
            now=timezone.now(),
            idempotency_key=_idempotency_key(request),
            operation=f"POST /{version}/dossiers",
        )
    except InvalidInput as exc:
        raise prefixed(exc, "cerfa", keep=("Idempotency-Key",)) from None
    return _ok(presenters.depot(depot.obj), replayed=depot.replayed)


DEPOSIT_DESCRIPTION = (
    "Dépose et transmet le contrat en une fois (mêmes contrôles que le formulaire du portail ; un refus "
    "n'enregistre rien). Un contrat déjà déposé (même SIRET employeur, NIR de l'apprenti, date de début et type "
    "de contrat) reçoit la réponse du premier dépôt, avec l'en-tête Idempotent-Replayed: true. Un avenant "
    "(typeContratApp 31 à 38) porte sur le contrat engagé dont le numéro DECA est dans "
    "contrat.numeroContratPrecedent."
)


@router.post(
    "/v1/dossiers",
    response={200: DepotDossierOut, **_errors(400, 403, 404, 409, 413, 422, 429)},
    summary="Déposer un contrat d'apprentissage (protocole V1)",
    description=DEPOSIT_DESCRIPTION,
    tags=["Contrats"],
    operation_id="depot_dossier_v1",
)
def deposit_v1(request: HttpRequest, data: DepotDossierIn):
    return _deposit(request, data, "v1")


@router.post(
    "/v2/dossiers",
    response={200: DepotDossierOut, **_errors(400, 403, 404, 409, 413, 422, 429)},
    summary="Déposer un contrat d'apprentissage (protocole V2, CERFA 10103*14)",
    description=DEPOSIT_DESCRIPTION,
    tags=["Contrats"],
    operation_id="depot_dossier_v2",
)
def deposit_v2(request: HttpRequest, data: DepotDossierIn):
    return _deposit(request, data, "v2")


def _read(request: HttpRequest, numero_interne: str):
    detail = selectors.dossier_norme_detail(actor=actor_of(request), numero_interne=numero_interne)
    return _ok(presenters.dossier(detail))


READ_DESCRIPTION = (
    "Le CERFA avec son état (etat, commentaireEtat), ses numéros (numeroInterne, numeroExterne, numeroDeca), "
    "l'engagement de l'OPCO, l'échéancier et les frais annexes engagés. Un dossier d'un autre SIRET : 404."
)


@router.get(
    "/v1/dossiers",
    response={200: DossierNormeOut, **_errors(400, 403, 404, 429)},
    summary="Lire un dossier (protocole V1)",
    description=READ_DESCRIPTION,
    tags=["Contrats"],
    operation_id="dossier_v1",
)
def read_v1(request: HttpRequest, numeroInterne: str = Query(...)):  # noqa: N803
    return _read(request, numeroInterne)


@router.get(
    "/v2/dossiers",
    response={200: DossierNormeOut, **_errors(400, 403, 404, 429)},
    summary="Lire un dossier (protocole V2)",
    description=READ_DESCRIPTION,
    tags=["Contrats"],
    operation_id="dossier_v2",
)
def read_v2(request: HttpRequest, numeroInterne: str = Query(...)):  # noqa: N803
    return _read(request, numeroInterne)


def _etats(request: HttpRequest, numero_page: int, date_debut: str | None, date_fin: str | None):
    page = selectors.dossier_etats(
        actor=actor_of(request), numero_page=numero_page, date_debut=date_debut, date_fin=date_fin
    )
    rows = [presenters.etat_row(row) for row in page.items]
    return _ok({"total": page.total, "count": len(rows), "page": page.page, "EtatDossierResult": rows})


ETATS_DESCRIPTION = (
    "Les états des contrats de la clé, 100 par page, du plus ancien au plus récent ; s'arrêter sur une page vide "
    "ou quand total est atteint. Un changement fait par l'OPCO y figure dès qu'il est enregistré. dateDebut / "
    "dateFin (facultatifs, ISO 8601) : seulement les dossiers dont le journal a enregistré un changement (état, "
    "échéancier, échéance facturée ou réglée) dans cet intervalle."
)


@router.get(
    "/v1/dossiers/etats",
    response={200: EtatsDossiersOut, **_errors(400, 403, 429)},
    summary="États des dossiers, page par page (protocole V1)",
    description=ETATS_DESCRIPTION,
    tags=["Contrats"],
    operation_id="etats_dossiers_v1",
)
def etats_v1(
    request: HttpRequest,
    numeroPage: int = Query(1),  # noqa: N803
    dateDebut: str | None = Query(None),  # noqa: N803
    dateFin: str | None = Query(None),  # noqa: N803
):
    return _etats(request, numeroPage, dateDebut, dateFin)


@router.get(
    "/v2/dossiers/etats",
    response={200: EtatsDossiersOut, **_errors(400, 403, 429)},
    summary="États des dossiers, page par page (protocole V2)",
    description=ETATS_DESCRIPTION,
    tags=["Contrats"],
    operation_id="etats_dossiers_v2",
)
def etats_v2(
    request: HttpRequest,
    numeroPage: int = Query(1),  # noqa: N803
    dateDebut: str | None = Query(None),  # noqa: N803
    dateFin: str | None = Query(None),  # noqa: N803
):
    return _etats(request, numeroPage, dateDebut, dateFin)


@router.get(
    "/v1/dossiers/liste",
    response={200: list[DossierNormeOut], **_errors(400, 403, 429)},
    summary="Lire plusieurs dossiers par leurs numéros internes (100 au plus)",
    description="numerosInternes : séparés par des virgules ou paramètre répété. Les numéros inconnus ou d'un "
    "autre SIRET sont absents de la réponse.",
    tags=["Contrats"],
)
def liste(request: HttpRequest, numerosInternes: list[str] = NUMEROS):  # noqa: N803
    numeros = [part.strip() for value in numerosInternes for part in value.split(",") if part.strip()]
    details = selectors.dossiers_norme_details(actor=actor_of(request), numeros=numeros)
    return _ok([presenters.dossier(d) for d in details])


@router.post(
    "/v2/dossiers/rupture/employeur",
    response={200: RuptureOut, **_errors(400, 403, 404, 409, 422, 429)},
    summary="Déclarer la rupture d'un contrat engagé",
    description="La même rupture renvoyée (même date) reçoit la réponse de la première, sans nouvelle déclaration.",
    tags=["Contrats"],
)
def rupture(request: HttpRequest, data: RuptureIn):
    depot = services.contrat_rupture(
        actor=actor_of(request),
        rupture=data.dict(),
        now=timezone.now(),
        idempotency_key=_idempotency_key(request),
    )
    dossier = depot.obj
    return _ok(
        {
            **presenters.depot(dossier),
            "etat": norme.etat_dossier(dossier.etat)[0],
            "dateRupture": norme.date_to_norme(dossier.date_rupture),
        },
        replayed=depot.replayed,
    )


# --- Conventions and documents --------------------------------------------------------------------


@router.post(
    "/v1/conventions",
    response={200: ConventionOut, **_errors(400, 403, 404, 409, 413, 422, 429)},
    summary="Déposer la convention de formation d'un contrat (multipart : convention + fichier PDF)",
    tags=["Conventions"],
    openapi_extra=_multipart("La convention (JSON) et son exemplaire signé (PDF)", "convention", "Convention"),
)
def convention(request: HttpRequest):
    data = _json_part(request, "convention")
    try:
        depot = services.convention_deposit(
            actor=actor_of(request),
            convention=data,
            fichier=_file_part(request),
            now=timezone.now(),
            idempotency_key=_idempotency_key(request),
        )
    except InvalidInput as exc:
        raise prefixed(exc, "convention", keep=("fichier", "Idempotency-Key")) from None
    record = depot.obj
    return _ok(
        {
            "numeroInterneDossier": str(record.dossier_id),
            "numeroInterneConvention": str(record.pk),
            "numeroInterneDocument": presenters.document(record.piece),
        },
        replayed=depot.replayed,
    )


@router.post(
    "/v1/documents",
    response={200: DocumentOut, **_errors(400, 403, 404, 409, 413, 422, 429)},
    summary="Déposer un document sur un ou plusieurs dossiers ou factures (multipart : document + fichier)",
    description="Partie `document` (JSON) : typeFichier et objets [{typeObjet: dossier | facture, idObjet: "
    "numeroInterne du dossier | numeroInterneFacture}] ; le fichier devient une pièce jointe de chaque objet.",
    tags=["Documents"],
    openapi_extra=_multipart("Le document (JSON) et son fichier", "document", "Document"),
)
def document(request: HttpRequest):
    data = _json_part(request, "document")
    objets = data.get("objets")
    if not isinstance(objets, list) or not all(isinstance(o, dict) for o in objets):
        raise InvalidInput([Problem("document.objets", "Une liste d'objets {typeObjet, idObjet} est attendue.")])
    try:
        depot = services.document_deposit(
            actor=actor_of(request),
            type_fichier=str(data.get("typeFichier") or ""),
            objets=objets,
            fichier=_file_part(request),
            now=timezone.now(),
            idempotency_key=_idempotency_key(request),
        )
    except InvalidInput as exc:
        raise prefixed(exc, "document", keep=("fichier", "Idempotency-Key")) from None
    ids = [presenters.document(p) for p in depot.obj]
    return _ok({"numeroInterneDocument": ids[0], "numerosInternesDocument": ids}, replayed=depot.replayed)


# --- Invoices -------------------------------------------------------------------------------------


@router.post(
    "/v1/factures",
    response={200: FactureDepotOut, **_errors(400, 403, 404, 409, 413, 422, 429)},
    summary="Déposer une facture (multipart : facture + fichier PDF), sur un ou plusieurs dossiers",
    description="Chaque ligne désigne son dossier (numeroDossier = numeroExterne, ou numeroDeca) ; la pédagogie "
    "est imputée à l'échéance numeroEcheance (ou codificationEcheance E1, E2…). La même facture (même SIRET, même "
    "numero) renvoyée reçoit la réponse de la première.",
    tags=["Factures"],
    openapi_extra=_multipart("La facture (JSON) et son PDF", "facture", "Facture"),
)
def facture(request: HttpRequest):
    data = _json_part(request, "facture")
    try:
        depot = services.facture_deposit_norme(
            actor=actor_of(request),
            facture=data,
            fichier=_file_part(request),
            now=timezone.now(),
            idempotency_key=_idempotency_key(request),
        )
    except InvalidInput as exc:
        raise prefixed(exc, "facture", keep=("fichier", "Idempotency-Key")) from None
    return _ok(presenters.facture_depot(depot.obj), replayed=depot.replayed)


@router.get(
    "/v2/factures/etats",
    response={200: EtatsFacturesOut, **_errors(400, 403, 429)},
    summary="États et règlements des factures, page par page",
    description="100 factures par page, de la plus ancienne à la plus récente ; etatFacture : TRANSMIS, "
    "EN_COURS_INSTRUCTION, REGLE (avec referenceVirement et dateReglement) ou REJETE (motif dans commentaire).",
    tags=["Factures"],
)
def factures_etats(
    request: HttpRequest,
    numeroPage: int = Query(1),  # noqa: N803
    dateDebut: str | None = Query(None),  # noqa: N803
    dateFin: str | None = Query(None),  # noqa: N803
):
    page = selectors.facture_etats(
        actor=actor_of(request), numero_page=numeroPage, date_debut=dateDebut, date_fin=dateFin
    )
    items = [presenters.facture_etat(item) for item in page.items]
    return _ok({"total": page.total, "count": len(items), "page": page.page, "factures": items})
