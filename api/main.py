"""The NinjaAPI instance served under ``/api/v1/``: routers, authentication, errors, OpenAPI, docs."""

from __future__ import annotations

import json
from pathlib import Path

import ninja
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Router
from ninja.openapi.docs import DocsBase

from api import errors as api_errors
from api.auth import AUTH
from api.routers import (
    auth,
    dossiers,
    factures,
    fichiers,
    habilitations,
    notifications,
    opco,
    paiements,
    referentiels,
    tableau_de_bord,
)
from common.errors import NotFound

DESCRIPTION = """API du Portail OF (organismes de formation ⇄ OPCO), fidèle au guide « M-Gestion Organisme de
formation » : tableau de bord, notifications, dossiers des quatre dispositifs, factures, paiements OPCO,
habilitations, back-office OPCO.

**Authentification** : session (`POST /auth/connexion`, puis jeton CSRF dans l'en-tête `X-CSRFToken` sur les
méthodes d'écriture) ou clé d'authentification d'un SIRET dans l'en-tête `X-API-KEY` (norme API CFA ; 365 jours ;
clé inconnue, révoquée ou expirée : 403 `CLE_INVALIDE`, `CLE_REVOQUEE`, `CLE_EXPIREE` ; trop d'appels : 429).

**Établissement** : les listes, compteurs et exports portent sur l'établissement choisi (`?etablissement=` ou
en-tête `X-ETABLISSEMENT`, à défaut l'établissement principal).

**Erreurs** : `{"description": "…", "errors": [{"code": "…", "description": "…", "champ": "…"}]}`.
"""

_STATIC = Path(ninja.__file__).parent / "static" / "ninja"
_DOCS_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui-init.js": "application/javascript",
    "favicon.png": "image/png",
}

_SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>{title}</title>
  <link rel="stylesheet" href="{assets}swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}favicon.png">
</head>
<body data-csrf-token="" data-api-csrf="">
  <script type="application/json" id="swagger-settings">{settings}</script>
  <div id="swagger-ui"></div>
  <script src="{assets}swagger-ui-bundle.js"></script>
  <script src="{assets}swagger-ui-init.js"></script>
</body>
</html>
"""


class OfflineSwagger(DocsBase):
    """Swagger UI served from ninja's bundled assets by the API itself: no CDN, no static files set-up."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        settings = {"url": self.get_openapi_url(api, kwargs), "layout": "BaseLayout", "deepLinking": True}
        assets = reverse(f"{api.urls_namespace}:docs_asset", kwargs={"name": "x"})[:-1]
        page = _SWAGGER_PAGE.format(title=api.title, assets=assets, settings=json.dumps(settings))
        return HttpResponse(page, content_type="text/html; charset=utf-8")


class PortailAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErreurOut"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation["responses"]
                if operation.get("security"):
                    for code in (401, 403, 429):
                        responses.setdefault(code, dict(error))
                if operation.get("parameters") or operation.get("requestBody"):
                    responses.setdefault(422, dict(error))
                # Hostile input (NUL byte, value beyond the database's limits, unreadable body) is a 400,
                # an oversized body a 413, a URL too long a 414, the database unreachable a 503:
                # config.middleware and api.errors answer them in this shape on every operation.
                responses.setdefault(400, dict(error))
                if operation.get("requestBody"):
                    responses.setdefault(413, dict(error))
                responses.setdefault(414, dict(error))
                responses.setdefault(503, dict(error))
                responses.setdefault(500, dict(error))
                for code, response in responses.items():
                    label = api_errors.STATUS_DESCRIPTIONS.get(int(code))
                    if code == 500:
                        label = "Erreur interne du serveur"
                    if label and int(code) >= 400 or "description" not in response:
                        response["description"] = label or "Réponse"
        components = schema.setdefault("components", {})
        for scheme in components.get("securitySchemes", {}).values():
            if scheme.get("name") == "X-API-KEY":
                scheme["description"] = (
                    "Clé d'authentification du SIRET (« Mes habilitations › Clé d'authentification »)."
                )
            else:
                scheme["description"] = (
                    "Session Django ouverte par POST /auth/connexion (jeton CSRF exigé en écriture)."
                )
        return schema


api = PortailAPI(
    title="Portail OF — API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=AUTH,
    docs=OfflineSwagger(),
)
api_errors.install(api)

for module in (
    auth,
    tableau_de_bord,
    notifications,
    dossiers,
    factures,
    paiements,
    fichiers,
    habilitations,
    referentiels,
    opco,
):
    api.add_router("/auth" if module is auth else "", module.router)


fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def not_found(request: HttpRequest, rest: str):
    """Any other path under /api/v1/: the same JSON 404 as everywhere else."""
    raise NotFound("Ressource introuvable : vérifiez l'adresse (voir /api/v1/docs).")


api.add_router("", fallback)


def docs_asset_response(name: str) -> HttpResponse:
    """One of the vendored Swagger UI files (the docs of /api/v1 and of /api/cfa work offline)."""
    if name not in _DOCS_ASSETS:
        raise Http404
    response = HttpResponse((_STATIC / name).read_bytes(), content_type=_DOCS_ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


@api.get("/docs/assets/{name}", auth=None, include_in_schema=False, url_name="docs_asset")
def docs_asset(request: HttpRequest, name: str):
    return docs_asset_response(name)
