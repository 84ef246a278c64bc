"""One JSON error shape for every refusal, aligned on the API CFA norm's ``errors`` array:

    {"description": "…", "errors": [{"code": "…", "description": "…", "champ": "chemin.du.champ" | null}]}

Domain errors (:mod:`common.errors`) are mapped here, in one place: 404 outside the actor's scope,
403 a forbidden action on a visible object, 409 a conflicting or not-allowed transition, 422
invalid input (also ninja/pydantic validation, with field paths and French messages), 401 without
credentials, 429 too many requests (with ``Retry-After``), 503 a document that cannot be produced.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from common.errors import DomainError, ServiceUnavailable, input_failure  # noqa: F401 — re-exported

logger = logging.getLogger("api")


class ErreurDetail(Schema):
    code: str
    description: str
    champ: str | None = None


class ErreurOut(Schema):
    description: str
    errors: list[ErreurDetail]


STATUS_DESCRIPTIONS = {
    200: "Succès",
    201: "Créé",
    204: "Effectué, sans contenu",
    400: "Requête invalide",
    401: "Authentification requise (session ou clé X-API-KEY)",
    403: "Action interdite sur un objet visible, clé refusée ou jeton CSRF invalide",
    404: "Introuvable, ou hors du périmètre de l'utilisateur ou de la clé",
    409: "Conflit : l'état de l'objet ne permet pas cette action",
    413: "Fichier trop volumineux",
    422: "Données invalides (chemins des champs dans « champ »)",
    429: "Trop de requêtes : réessayer après « Retry-After » secondes",
    414: "Adresse trop longue",
    503: "Service ou document momentanément indisponible (réessayer après « Retry-After » secondes)",
}


def errors(*codes: int) -> dict[int, type[ErreurOut]]:
    """The error part of an operation's ``response=`` mapping."""
    return dict.fromkeys(codes, ErreurOut)


class NonAuthentifie(DomainError):
    status = 401

    def __init__(self, message: str, *, code: str = "non_authentifie") -> None:
        super().__init__(message)
        self.code = code


def body(description: str, items: Iterable[dict] | None = None, *, code: str = "erreur") -> dict:
    details = list(items) if items is not None else []
    if not details:
        details = [{"code": code, "description": description, "champ": None}]
    return {"description": description, "errors": details}


def _json(api, request: HttpRequest, status: int, data: dict) -> HttpResponse:
    return api.create_response(request, data, status=status)


# --- Pydantic / ninja validation errors in French ----------------------------------------------

_MESSAGES = {
    "missing": "Ce champ est obligatoire.",
    "int_parsing": "Nombre entier attendu.",
    "int_type": "Nombre entier attendu.",
    "int_from_float": "Nombre entier attendu.",
    "float_parsing": "Nombre attendu.",
    "float_type": "Nombre attendu.",
    "decimal_parsing": "Nombre attendu (par exemple 1234.56).",
    "decimal_type": "Nombre attendu (par exemple 1234.56).",
    "date_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_from_datetime_parsing": "Date invalide (format attendu : AAAA-MM-JJ).",
    "date_type": "Date invalide (format attendu : AAAA-MM-JJ).",
    "datetime_parsing": "Date et heure invalides (format ISO 8601 attendu).",
    "bool_parsing": "Valeur booléenne attendue (true ou false).",
    "bool_type": "Valeur booléenne attendue (true ou false).",
    "string_type": "Texte attendu.",
    "list_type": "Liste attendue.",
    "dict_type": "Objet JSON attendu.",
    "model_type": "Objet JSON attendu.",
    "model_attributes_type": "Objet JSON attendu.",
    "json_invalid": "Corps JSON invalide.",
    "json_type": "Corps JSON invalide.",
    "string_pattern_mismatch": "Format invalide.",
    "value_error": "Valeur invalide.",
}


def french_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "string_too_long":
        return f"{ctx.get('max_length')} caractères au plus."
    if kind == "string_too_short":
        return (
            "Ce champ est obligatoire."
            if ctx.get("min_length") == 1
            else f"{ctx.get('min_length')} caractères au moins."
        )
    if kind == "greater_than_equal":
        return f"La valeur doit être supérieure ou égale à {ctx.get('ge')}."
    if kind == "greater_than":
        return f"La valeur doit être strictement supérieure à {ctx.get('gt')}."
    if kind == "less_than_equal":
        return f"La valeur doit être inférieure ou égale à {ctx.get('le')}."
    if kind == "less_than":
        return f"La valeur doit être strictement inférieure à {ctx.get('lt')}."
    if kind in ("literal_error", "enum"):
        return f"Valeur non autorisée (valeurs possibles : {ctx.get('expected', '')})."
    if kind in ("decimal_max_places", "decimal_max_digits"):
        return "Le montant a au plus deux décimales." if kind == "decimal_max_places" else "Montant trop grand."
    if kind == "too_long":
        return f"{ctx.get('max_length')} éléments au plus."
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"]).removeprefix("Value error, ")
    return _MESSAGES.get(kind, "Valeur invalide.")


_SOURCES = {"body", "query", "path", "header", "form", "file", "cookie"}


def field_path(loc: Iterable) -> str:
    """``("body", "payload", "habilitations", 0, "role")`` → ``habilitations[0].role``."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "data", "filtres", "body"):
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


# --- Handlers ---------------------------------------------------------------------------------


def install(api) -> None:
    def domain_error(request, exc: DomainError):
        items = [{"code": p.code, "description": p.message, "champ": p.field} for p in exc.problems]
        return _json(api, request, exc.status, body(exc.message, items, code=exc.code))

    def validation_error(request, exc: NinjaValidationError):
        items = [
            {"code": e.get("type", "invalide"), "description": french_message(e), "champ": field_path(e.get("loc", ()))}
            for e in exc.errors
        ]
        return _json(api, request, 422, body("Les données envoyées sont invalides.", items))

    def throttled(request, exc: Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        response = _json(
            api,
            request,
            429,
            body(
                f"Trop de requêtes : réessayez dans {wait} seconde{'s' if wait > 1 else ''}.", code="trop_de_requetes"
            ),
        )
        response["Retry-After"] = str(wait)
        return response

    def http_error(request, exc: HttpError):
        if isinstance(exc, AuthenticationError) or exc.status_code == 401:
            return _json(
                api,
                request,
                401,
                body(
                    "Authentification requise : connectez-vous ou fournissez une clé dans l'en-tête X-API-KEY.",
                    code="non_authentifie",
                ),
            )
        if exc.status_code == 403 and "CSRF" in str(exc):
            return _json(api, request, 403, body("Jeton CSRF manquant ou invalide.", code="csrf"))
        messages = {
            400: "Corps de la requête illisible : JSON invalide ou format inattendu.",
            403: "Action interdite.",
            404: "Ressource introuvable.",
            413: "Fichier trop volumineux.",
        }
        description = messages.get(exc.status_code, str(exc))
        return _json(api, request, exc.status_code, body(description, code="erreur_http"))

    def not_found(request, exc: Http404):
        return _json(api, request, 404, body("Ressource introuvable.", code="introuvable"))

    def unexpected(request, exc: Exception):
        failure = input_failure(exc)
        if failure is not None:
            status, message, code = failure
            if status == 503:
                logger.warning("Base de données injoignable sur %s %s : %s", request.method, request.path, exc)
            response = _json(api, request, status, body(message, code=code))
            if status == 503:
                response["Retry-After"] = "5"
            return response
        logger.exception("Erreur inattendue sur %s %s", request.method, request.path, exc_info=exc)
        return _json(api, request, 500, body("Erreur interne du serveur.", code="erreur_interne"))

    api.add_exception_handler(DomainError, domain_error)
    api.add_exception_handler(NinjaValidationError, validation_error)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(Exception, unexpected)
