"""The NinjaAPI instance of the norm, served under ``/api/cfa`` (``config/urls.py``): its routes, its
authentication (key + the three headers), its error shape, its OpenAPI document (``/api/cfa/openapi.json``)
and its documentation (``/api/cfa/docs``, offline)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import NinjaAPI, Router

from api.cfa import errors as cfa_errors
from api.cfa import openapi
from api.cfa.auth import cle_cfa
from api.cfa.routes import router
from api.main import OfflineSwagger, docs_asset_response

DESCRIPTION = """Les routes de la **norme d'échange inter-OPCO « API CFA »** (contrats d'apprentissage V1 et V2,
leurs états, conventions, factures et leurs états, documents, clé), servies par l'OPCO à l'adresse de base
`http://HOST/api/cfa`, telles que les logiciels de gestion des CFA les appellent chez chaque OPCO.

**Chaque appel** porte la clé d'authentification du SIRET du CFA (`X-API-KEY`, générée dans « Mes habilitations ›
Clé d'authentification », 365 jours) et les en-têtes `EDITEUR`, `LOGICIEL` et `VERSION` du logiciel (400 sans
eux ; ils sont inscrits au journal de chaque changement d'état). Une clé ne voit que les dossiers et factures de
son SIRET.

**Formats** : dates ISO 8601 avec décalage (`2026-09-01T00:00:00+02:00`, dates civiles de Paris), codes des
nomenclatures en entiers, montants en nombres. **Dépôts** : réponse 200 ; un dépôt répété (même contrat, même
facture, ou même en-tête `Idempotency-Key`) reçoit la réponse du premier (en-tête `Idempotent-Replayed: true`).

**Erreurs** : `{"errors": [{"code", "description", "champ"}], "description"}` — 400 données invalides (chemin du
champ dans « champ »), 403 clé absente, inconnue, révoquée ou expirée, 404 hors du SIRET de la clé, 409 état
incompatible, 413 trop volumineux, 422 clé d'idempotence réutilisée, 429 trop d'appels (`Retry-After`).

Guide des éditeurs : `docs/api-cfa.md`.
"""


class NormeAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        schemas["Cerfa"] = openapi.cerfa_schema()
        schemas["Convention"] = CONVENTION_SCHEMA
        schemas["Document"] = DOCUMENT_SCHEMA
        schemas["Facture"] = FACTURE_SCHEMA
        if "DepotDossierIn" in schemas:
            schemas["DepotDossierIn"]["properties"]["cerfa"] = {"$ref": "#/components/schemas/Cerfa"}
        parameters = components.setdefault("parameters", {})
        parameters.update(openapi.client_header_parameters())
        parameters["Idempotency-Key"] = openapi.IDEMPOTENCY_PARAMETER
        schemes = components.get("securitySchemes", {})
        renamed = {"CleCfa": "X-API-KEY", "LogicielSeul": "EDITEUR"}
        for old_name, new_name in renamed.items():
            if old_name in schemes:
                schemes[new_name] = schemes.pop(old_name)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "security" in operation:
                    operation["security"] = [
                        {renamed.get(name, name): scopes for name, scopes in requirement.items()}
                        for requirement in operation["security"]
                    ]
        for scheme in schemes.values():
            scheme["description"] = (
                "Clé d'authentification du SIRET du CFA (« Mes habilitations › Clé d'authentification »)."
                if scheme.get("name") == "X-API-KEY"
                else "En-tête EDITEUR seul (avec LOGICIEL et VERSION) : vérification d'une clé passée en paramètre."
            )
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErreurNorme"}}}}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                refs = [{"$ref": f"#/components/parameters/{name}"} for name in ("EDITEUR", "LOGICIEL", "VERSION")]
                if method == "post":
                    refs.append({"$ref": "#/components/parameters/Idempotency-Key"})
                operation["parameters"] = refs + operation.get("parameters", [])
                responses = operation["responses"]
                for code in (400, 403, 429, 500):
                    responses.setdefault(code, dict(error))
                for code, response in responses.items():
                    label = cfa_errors.STATUS_DESCRIPTIONS.get(int(code))
                    if label:
                        response["description"] = label
                    elif "description" not in response or response["description"] == "OK":
                        response["description"] = "Succès"
        return schema


_DATE = openapi.DATE_TIME
CONVENTION_SCHEMA = {
    "type": "object",
    "required": ["numeroInterneDossier"],
    "description": "La convention de formation (partie JSON « convention » du multipart).",
    "properties": {
        "numeroInterneDossier": {"type": "string", "description": "Le numeroInterne du contrat"},
        "employeur": {"type": "object", "properties": {"siret": {"type": "string"}}},
        "apprenti": {
            "type": "object",
            "properties": {"nom": {"type": "string"}, "nomUsage": {"type": "string"}, "prenom": {"type": "string"}},
        },
        "contrat": {"type": "object", "properties": {"dateDebutContrat": _DATE, "dateFinContrat": _DATE}},
        "organismeFormation": {
            "type": "object",
            "properties": {"siret": {"type": "string"}, "uaiCfa": {"type": "string"}},
        },
        "formation": {
            "type": "object",
            "properties": {
                "rncp": {"type": "string"},
                "intituleQualification": {"type": "string"},
                "dateDebutFormation": _DATE,
                "dateFinFormation": _DATE,
                "dureeFormation": {"type": "integer"},
            },
        },
        "couts": {
            "type": "object",
            "properties": {
                "coutTotalPedagogieCFA": {"type": "number"},
                **{f"montantRQTHAnnee{i}": {"type": "number", "nullable": True} for i in range(1, 5)},
                "nombreRepasTotaux": {"type": "integer"},
                "nombreHebergementTotaux": {"type": "integer"},
                "montantPremierEquipement": {"type": "number"},
                "mentionMobiliteInternationale": {"type": "boolean"},
                "accompagnementDROM": {"type": "boolean"},
            },
        },
        "mandatEmployeur": {"type": "boolean"},
        "dateSignature": _DATE,
        "attestationConventionSigneeEntreprise": {"type": "boolean"},
        "attestationConventionSigneeCFA": {"type": "boolean"},
        "attestationConventionSignatureProbante": {"type": "boolean"},
        "attestationConventionConformeJSON": {"type": "boolean"},
    },
}
DOCUMENT_SCHEMA = {
    "type": "object",
    "required": ["typeFichier", "objets"],
    "description": "Le document (partie JSON « document » du multipart).",
    "properties": {
        "typeFichier": {"type": "string", "example": "convention"},
        "objets": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["typeObjet", "idObjet"],
                "properties": {
                    "typeObjet": {"type": "string", "enum": ["dossier", "facture"]},
                    "idObjet": {"type": "string", "description": "numeroInterne ou numeroInterneFacture"},
                },
            },
        },
    },
}
FACTURE_SCHEMA = {
    "type": "object",
    "required": ["numero", "dateEmission", "montantTotal", "siretEmetteur", "lignes"],
    "description": "La facture (partie JSON « facture » du multipart) ; une facture peut porter des lignes sur "
    "plusieurs dossiers.",
    "properties": {
        "numero": {"type": "string", "description": "Numéro de la facture chez le CFA (referenceFactureCFA)"},
        "dateEmission": _DATE,
        "montantTotal": {"type": "number", "description": "Somme des lignes"},
        "siretEmetteur": {"type": "string", "description": "SIRET du CFA (celui de la clé)"},
        "ibanEmetteur": {"type": "string"},
        "estCertificatRealisation": {"type": "boolean"},
        "lignes": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["natureLigne", "montant"],
                "properties": {
                    "natureLigne": {
                        "type": "string",
                        "enum": [
                            "PEDAGOGIE",
                            "PREMIEREQUIPEMENT",
                            "MOBILITE",
                            "HEBERGEMENT",
                            "RESTAURATION",
                            "MAJORATION_RQTH",
                        ],
                    },
                    "montant": {"type": "number"},
                    "quantite": {"type": "integer"},
                    "numeroEcheance": {"type": "integer"},
                    "codificationEcheance": {"type": "string"},
                    "numeroDeca": {"type": "string"},
                    "numeroDossier": {"type": "string", "description": "Le numeroExterne du dossier"},
                },
            },
        },
    },
}


api = NormeAPI(
    title="Portail OF — norme API CFA (inter-OPCO)",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-cfa",
    auth=cle_cfa,
    docs=OfflineSwagger(),
)
cfa_errors.install(api)
api.add_router("", router)

fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def not_found(request: HttpRequest, rest: str):
    """Any other path under /api/cfa/: the norm's 404."""
    raise Http404


api.add_router("", fallback)


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs_asset")
def docs_asset(request: HttpRequest, name: str):
    return docs_asset_response(name)
