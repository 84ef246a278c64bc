"""The first middleware of every request: hostile input is refused with a clear 4xx before any view
or other middleware reads it, and answers under ``/api/`` always have the API's JSON error shape.

- a NUL byte anywhere (path, query string, headers, cookies, form fields, JSON strings, file names):
  400 — PostgreSQL cannot store it and no French text contains it;
- a URL longer than ``MAX_URL_LENGTH``: 414; a body larger than ``MAX_REQUEST_BYTES`` (announced by
  ``Content-Length``) or form/JSON fields larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413;
- an unreadable form (``multipart/form-data`` without boundary, truncated parts): 400;
- an identifier in the URL beyond 64 bits: 404 (no object can have it);
- ``HEAD`` is answered as ``GET`` without the body;
- under ``/api/``, an answer of 4xx/5xx that is not JSON (ninja's 405, Django's own refusals) is
  rewritten into ``{"description", "errors": [...]}``, keeping its status and headers such as ``Allow``.

The database going away (``OperationalError``/``InterfaceError``) is a 503, in the API's shape or as a
French page (``portal.views.pages``); Django reconnects by itself on the next request
(``CONN_HEALTH_CHECKS``).
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError, TooManyFilesSent

from portal.views import pages

MAX_ID = 2**63 - 1
# A JSON \u0000 escape (not preceded by an escaping backslash).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul(value: str) -> bool:
    return "\x00" in value or "%00" in value


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class RequestGuardMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        head = request.method == "HEAD"
        response = self.refuse(request)
        if response is None:
            if head:
                request.method = "GET"
            response = self.get_response(request)
            if head:
                request.method = "HEAD"
        if pages.is_api(request) and response.status_code >= 400 and not _is_json(response):
            response = pages.api_error_like(response)
        if head:
            response = _without_body(response)
        return response

    # --- Refusals before anything reads the request -------------------------------------------

    def refuse(self, request: HttpRequest) -> HttpResponse | None:
        raw_path = request.META.get("PATH_INFO", "")
        query = request.META.get("QUERY_STRING", "")
        if len(raw_path) + len(query) > settings.MAX_URL_LENGTH:
            return pages.error_response(
                request, 414, "Adresse trop longue : raccourcissez les filtres de la requête.", "adresse_trop_longue"
            )
        if _has_nul(request.path) or _has_nul(raw_path):
            return self.nul(request, "l'adresse")
        for name, value in request.META.items():
            if (name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")) and "\x00" in str(value):
                return self.nul(request, "un en-tête")
        if any(_has_nul(k) or "\x00" in v for k, v in request.COOKIES.items()):
            return self.nul(request, "un cookie")
        if _content_length(request) > settings.MAX_REQUEST_BYTES:
            return self.too_large(request)
        api = pages.is_api(request)
        if api and _has_nul(query):
            # The portal's filters are Django forms, which refuse a NUL on its field; the API says which one.
            names = sorted(
                {key for key, values in request.GET.lists() if _has_nul(key) or any("\x00" in v for v in values)}
            )
            return self.nul_fields(request, names or ["requête"])
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            return self.check_body(request, api=api)
        return None

    def check_body(self, request: HttpRequest, *, api: bool) -> HttpResponse | None:
        content_type = (request.content_type or "").lower()
        try:
            if content_type == "multipart/form-data" and request.method != "POST":
                return None  # Django parses only POST forms; ninja reads the others and refuses what it cannot
            if content_type in _FORM_TYPES:
                # Django parses the form here (the CSRF check would do it next); the parsed form is kept. The
                # portal's forms refuse a NUL on its field (Django's validator); the API says which field.
                post = request.POST
                files = request.FILES
                if any("\x00" in (f.name or "") for _, items in files.lists() for f in items):
                    return self.nul(request, "un nom de fichier")
                if api:
                    names = sorted({k for k, values in post.lists() if "\x00" in k or any("\x00" in v for v in values)})
                    if names:
                        return self.nul_fields(request, names)
            elif api and _content_length(request):
                body = request.body
                if b"\x00" in body or _JSON_NUL.search(body):
                    return self.nul_fields(request, _json_nul_paths(body) or ["corps"])
        except (RequestDataTooBig, TooManyFilesSent, TooManyFieldsSent):
            return self.too_large(request)
        except MultiPartParserError:
            return pages.error_response(
                request,
                400,
                "Formulaire illisible : envoyez un corps multipart/form-data complet, avec sa limite (boundary).",
                "formulaire_illisible",
            )
        return None

    def nul_fields(self, request: HttpRequest, fields: list[str]) -> HttpResponse:
        message = "Caractère nul (\\u0000) refusé : retirez-le de ce champ."
        return pages.json_problems(
            422,
            "Les données envoyées sont invalides.",
            [{"code": "caractere_interdit", "description": message, "champ": name} for name in fields[:50]],
        )

    def nul(self, request: HttpRequest, where: str) -> HttpResponse:
        return pages.error_response(request, 400, f"Caractère nul (\\u0000) refusé dans {where}.", "caractere_interdit")

    def too_large(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_BYTES // (1024 * 1024)
        return pages.error_response(
            request,
            413,
            f"Requête trop volumineuse : {limit} Mo au plus par envoi, 20 Mo au plus par fichier.",
            "requete_trop_volumineuse",
        )

    # --- After URL resolution ------------------------------------------------------------------

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
                return pages.error_response(request, 404, "Ressource introuvable.", "introuvable")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        return pages.response_for_input_exception(request, exception)


def _json_nul_paths(body: bytes) -> list[str]:
    """Field paths (``a.b[0].c``) of the JSON strings or keys that hold a NUL character."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    stack: list[tuple[str, object]] = [("", data)]
    while stack and len(found) < 50:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append(path or "corps")
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    found.append(child.replace("\x00", "\\u0000"))
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return sorted(found)


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _without_body(response: HttpResponse) -> HttpResponse:
    if getattr(response, "streaming", False):
        length = response.get("Content-Length")
        if hasattr(response, "close"):
            response.close()
        bare = HttpResponse(status=response.status_code)
        for header, value in response.items():
            bare[header] = value
        if length:
            bare["Content-Length"] = length
        for cookie in response.cookies.values():
            bare.cookies[cookie.key] = cookie
        return bare
    length = len(response.content)
    response.content = b""
    response["Content-Length"] = str(length)
    return response
