"""Pages around the screens: « Mon guide » (HTML, PDF, Markdown), the accessibility statement, and
the French error pages (400, 403, 404, 500, CSRF)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from cases.renders import guide_pdf as render_guide_pdf
from common.downloads import bytes_response
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


# --- Error pages (handlers of config/urls.py) ----------------------------------------------------


def _api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _json_error(status: int, description: str, code: str) -> JsonResponse:
    body = {"description": description, "errors": [{"code": code, "description": description, "champ": ""}]}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


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
    if _api(request):
        return _json_error(400, "Requête invalide.", "requete_invalide")
    message = "La requête n'a pas pu être comprise. Revenez à la page précédente et réessayez."
    return render(
        request, "portal/erreur.html", {"status": 400, "titre": "Requête invalide", "message": message}, status=400
    )


def page_500(request: HttpRequest) -> HttpResponse:
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
