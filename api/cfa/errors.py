"""The norm's error shape on every refusal of ``/api/cfa``:

    {"description": "…", "errors": [{"code": "…", "description": "…", "champ": "chemin" | null}]}

with the norm's statuses: 400 for invalid input (the norm's, where ``/api/v1`` answers 422), 403 for
a missing, unknown, revoked or expired key (never 401: the norm's clients read a 401 as an expired
OAuth token), 404 outside the key's SIRET, 409 when the state forbids the action, 413 for a body too
large, 422 for an ``Idempotency-Key`` reused with another request, 429 with ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError, TooManyFilesSent
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

from api.errors import french_message
from common.errors import DomainError, InvalidInput, input_failure
from rules.verdicts import Problem

logger = logging.getLogger("api.cfa")

STATUS_DESCRIPTIONS = {
    400: "Requête invalide : en-têtes EDITEUR/LOGICIEL/VERSION manquants, champ absent ou mal saisi (voir « champ »)",
    403: "Clé X-API-KEY absente, inconnue, révoquée ou expirée, ou droit manquant",
    404: "Introuvable pour cette clé (un objet d'un autre SIRET n'existe pas pour elle)",
    409: "L'état du dossier ou de la facture ne permet pas cette action",
    413: "Requête trop volumineuse",
    422: "Clé d'idempotence déjà utilisée pour une autre requête",
    429: "Trop de requêtes : réessayer après « Retry-After » secondes",
    500: "Erreur interne du serveur",
    503: "Service momentanément indisponible",
}


def body(description: str, items: Iterable[dict] | None = None, *, code: str = "ERREUR") -> dict:
    details = list(items) if items is not None else []
    if not details:
        details = [{"code": code, "description": description, "champ": None}]
    return {"errors": details, "description": description}


def prefixed(exc: InvalidInput, root: str, *, keep: Iterable[str] = ()) -> InvalidInput:
    """The same refusal with its fields addressed from the request's root (``contrat.dateDebutContrat``
    → ``cerfa.contrat.dateDebutContrat``); fields in ``keep`` (the file part, a header) stay as they are."""
    kept = set(keep)
    problems = [
        p if p.field in kept or p.field.startswith(f"{root}.") else Problem(f"{root}.{p.field}", p.message, p.code)
        for p in exc.problems
    ]
    return InvalidInput(problems, exc.message)


_SOURCES = {"body", "query", "path", "header", "form", "file", "cookie"}


def _field(loc: Iterable) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("data", "payload", "params"):
        parts = parts[1:]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def install(api) -> None:
    def respond(request: HttpRequest, status: int, data: dict) -> HttpResponse:
        return api.create_response(request, data, status=status)

    def domain_error(request, exc: DomainError):
        status = 400 if isinstance(exc, InvalidInput) else exc.status
        items = [{"code": p.code, "description": p.message, "champ": p.field} for p in exc.problems]
        return respond(request, status, body(exc.message, items, code=exc.code))

    def validation_error(request, exc: NinjaValidationError):
        items = [
            {"code": e.get("type", "invalide"), "description": french_message(e), "champ": _field(e.get("loc", ()))}
            for e in exc.errors
        ]
        return respond(request, 400, body("Les données envoyées sont invalides.", items))

    def throttled(request, exc: Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        response = respond(
            request,
            429,
            body(
                f"Trop de requêtes : réessayez dans {wait} seconde{'s' if wait > 1 else ''}.", code="TROP_DE_REQUETES"
            ),
        )
        response["Retry-After"] = str(wait)
        return response

    def http_error(request, exc: HttpError):
        if isinstance(exc, AuthenticationError) or exc.status_code in (401, 403):
            return respond(
                request,
                403,
                body("Clé d'authentification absente : envoyez-la dans l'en-tête X-API-KEY.", code="CLE_ABSENTE"),
            )
        messages = {
            400: ("Corps de la requête illisible : JSON invalide ou format inattendu.", "REQUETE_ILLISIBLE"),
            404: ("Ressource introuvable.", "INTROUVABLE"),
            405: ("Méthode non permise sur cette adresse.", "METHODE_NON_PERMISE"),
            413: ("Requête trop volumineuse.", "REQUETE_TROP_VOLUMINEUSE"),
        }
        description, code = messages.get(exc.status_code, (str(exc), "ERREUR_HTTP"))
        return respond(request, exc.status_code, body(description, code=code))

    def not_found(request, exc: Http404):
        return respond(
            request, 404, body("Ressource introuvable : vérifiez l'adresse (voir /api/cfa/docs).", code="INTROUVABLE")
        )

    def too_large(request, exc: Exception):
        if isinstance(exc, MultiPartParserError) and not isinstance(exc, TooManyFilesSent):
            return respond(request, 400, body("Formulaire multipart illisible.", code="REQUETE_ILLISIBLE"))
        return respond(request, 413, body("Requête trop volumineuse.", code="REQUETE_TROP_VOLUMINEUSE"))

    def unexpected(request, exc: Exception):
        failure = input_failure(exc)  # the database gone (503), a value beyond its limits (400)…
        if failure is not None:
            status, message, code = failure
            response = respond(request, status, body(message, code=code.upper()))
            if status == 503:
                response["Retry-After"] = "5"
            return response
        logger.exception("Erreur inattendue sur %s %s", request.method, request.path, exc_info=exc)
        return respond(request, 500, body("Erreur interne du serveur.", code="ERREUR_INTERNE"))

    api.add_exception_handler(DomainError, domain_error)
    api.add_exception_handler(NinjaValidationError, validation_error)
    api.add_exception_handler(Throttled, throttled)
    api.add_exception_handler(HttpError, http_error)
    api.add_exception_handler(Http404, not_found)
    for kind in (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent, MultiPartParserError):
        api.add_exception_handler(kind, too_large)
    api.add_exception_handler(Exception, unexpected)
