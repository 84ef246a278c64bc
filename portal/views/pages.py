"""Pages around the screens: « Mon guide » (HTML, PDF, Markdown), the accessibility statement, and
the French error pages (400, 403, 404, 500, CSRF)."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from cases.renders import guide_pdf as render_guide_pdf
from common.downloads import bytes_response
from common.errors import input_failure
from documents.contenus import GUIDE_TITLE, GUIDE_VERSION, guide_text
from documents.guide import blocks, guide_filename, inline_parts
from portal.context import portal_view


def _inline_html(text: str) -> str:
    html = []
    for style, part in inline_parts(text):
        if style == "gras":
            html.append(f"<strong>{escape(part)}</strong>")
        elif style == "code":
            html.append(f"<code>{escape(part)}</code>")
        else:
            html.append(escape(part))
    return "".join(html)


def _guide_html() -> str:
    html, in_list = [], False
    for kind, level, text in blocks(guide_text()):
        if kind == "puce" and not in_list:
            html.append("<ul>")
            in_list = True
        elif kind != "puce" and in_list:
            html.append("</ul>")
            in_list = False
        if kind == "titre":
            if level == 1:
                continue  # the page's own h1
            html.append(f"<h{level}>{_inline_html(text)}</h{level}>")
        elif kind == "puce":
            html.append(f"<li>{_inline_html(text)}</li>")
        else:
            html.append(f"<p>{_inline_html(text)}</p>")
    if in_list:
        html.append("</ul>")
    return "".join(html)


@portal_view(public=True)
@require_GET
def guide(request: HttpRequest):
    context = {"nav": "", "titre": GUIDE_TITLE, "version": GUIDE_VERSION, "contenu": mark_safe(_guide_html())}
    return render(request, "portal/guide.html", context)


@portal_view(public=True)
@require_GET
def guide_pdf(request: HttpRequest):
    return bytes_response(render_guide_pdf(), guide_filename("pdf"), inline=True)


@portal_view(public=True)
@require_GET
def guide_markdown(request: HttpRequest):
    return bytes_response(guide_text().encode("utf-8"), guide_filename("md"), inline=False)


@portal_view(public=True)
@require_GET
def accessibilite(request: HttpRequest):
    return render(request, "portal/accessibilite.html")


def is_api(request: HttpRequest) -> bool:
    return (request.META.get("PATH_INFO") or request.path or "").startswith("/api/")


_api = is_api


def _json_error(status: int, description: str, code: str) -> JsonResponse:
    return json_problems(status, description, [{"code": code, "description": description, "champ": None}])


def json_problems(status: int, description: str, errors: list[dict]) -> JsonResponse:
    """The API's error shape: ``{"description", "errors": [{"code", "description", "champ"}]}``."""
    body = {"description": description, "errors": errors}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


_TITLES = {
    400: "Requête invalide",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    413: "Envoi trop volumineux",
    414: "Adresse trop longue",
    429: "Trop de requêtes",
    503: "Service momentanément indisponible",
}


def error_response(request: HttpRequest, status: int, description: str, code: str) -> HttpResponse:
    """An error answered before (or without) the portal's context: JSON under /api/, else a standalone
    French page that needs neither the database nor the signed-in user."""
    if is_api(request):
        return _json_error(status, description, code)
    context = {"status": status, "titre": _TITLES.get(status, "Erreur"), "message": description}
    response = HttpResponse(get_template("erreur_simple.html").render(context), status=status)
    response["Cache-Control"] = "no-store"
    return response


_API_STATUS_TEXT = {
    400: ("Requête invalide.", "requete_invalide"),
    401: ("Authentification requise.", "non_authentifie"),
    403: ("Action interdite.", "interdit"),
    404: ("Ressource introuvable : vérifiez l'adresse (voir /api/v1/docs).", "introuvable"),
    405: ("Méthode HTTP non autorisée sur cette adresse.", "methode_non_autorisee"),
    406: ("Format de réponse non disponible.", "format_non_disponible"),
    413: ("Requête trop volumineuse.", "requete_trop_volumineuse"),
    414: ("Adresse trop longue.", "adresse_trop_longue"),
    415: ("Type de contenu non pris en charge.", "type_non_pris_en_charge"),
    429: ("Trop de requêtes.", "trop_de_requetes"),
    503: ("Service momentanément indisponible : réessayez dans quelques instants.", "service_indisponible"),
}


def api_error_like(response: HttpResponse) -> HttpResponse:
    """A non-JSON error answered under /api/ (ninja's 405, a refusal of Django's), in the API's shape,
    with its status and its headers (``Allow``, ``Retry-After``…)."""
    status = response.status_code
    fallback = ("Erreur interne du serveur.", "erreur_interne") if status >= 500 else ("Requête refusée.", "erreur")
    description, code = _API_STATUS_TEXT.get(status, fallback)
    if status == 405 and response.get("Allow"):
        allowed = ", ".join(sorted(m.strip() for m in response["Allow"].split(",")))
        description = f"Méthode HTTP non autorisée sur cette adresse (permises : {allowed})."
    converted = _json_error(status, description, code)
    for header in ("Allow", "Retry-After", "Vary", "WWW-Authenticate"):
        if response.get(header):
            converted[header] = response[header]
    for cookie in response.cookies.values():
        converted.cookies[cookie.key] = cookie
    if hasattr(response, "close"):
        response.close()
    return converted


def response_for_input_exception(request: HttpRequest, exception: BaseException | None) -> HttpResponse | None:
    """The answer to an exception that is not a bug of ours (:func:`common.errors.input_failure`): the
    database gone (503, with ``Retry-After``), a value the database cannot hold, an unreadable form (400), a
    body over the limits (413); ``None`` otherwise."""
    failure = input_failure(exception)
    if failure is None:
        return None
    status, message, code = failure
    response = error_response(request, status, message, code)
    if status == 503:
        response["Retry-After"] = "5"
    return response


# --- Error pages (handlers of config/urls.py) ----------------------------------------------------


def page_404(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return _json_error(404, "Ressource introuvable : vérifiez l'adresse.", "introuvable")
    message = "La page demandée n'existe pas, ou elle concerne un dossier que vous ne pouvez pas consulter."
    return render(
        request, "portal/erreur.html", {"status": 404, "titre": "Page introuvable", "message": message}, status=404
    )


def page_403(request: HttpRequest, exception=None) -> HttpResponse:
    if _api(request):
        return _json_error(403, "Action interdite.", "interdit")
    message = "Vous n'avez pas les droits nécessaires pour afficher cette page."
    return render(
        request, "portal/erreur.html", {"status": 403, "titre": "Accès refusé", "message": message}, status=403
    )


def page_400(request: HttpRequest, exception=None) -> HttpResponse:
    special = response_for_input_exception(request, exception) if exception is not None else None
    if special is not None:
        return special
    if _api(request):
        return _json_error(400, "Requête invalide.", "requete_invalide")
    message = "La requête n'a pas pu être comprise. Revenez à la page précédente et réessayez."
    return render(
        request, "portal/erreur.html", {"status": 400, "titre": "Requête invalide", "message": message}, status=400
    )


def page_500(request: HttpRequest) -> HttpResponse:
    # Called while Django handles the exception: a lost database or hostile input is not a 500.
    special = response_for_input_exception(request, sys.exc_info()[1])
    if special is not None:
        return special
    if _api(request):
        return _json_error(500, "Erreur interne du serveur.", "erreur_interne")
    # No context processor, no database: this page must render whatever failed.
    return HttpResponse(get_template("500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _api(request):
        return _json_error(403, "Jeton CSRF manquant ou invalide.", "csrf")
    message = (
        "Votre session a expiré ou le formulaire a été ouvert dans un autre onglet. Rechargez la page puis "
        "recommencez : ce que vous aviez saisi n'a pas été enregistré."
    )
    return render(
        request, "portal/erreur.html", {"status": 403, "titre": "Session expirée", "message": message}, status=403
    )
