"""Who is looking at the portal, and at which établissement.

Every portal view runs through :func:`portal_view`: the signed-in user becomes an
:class:`~accounts.actors.Actor` (channel « portail »), the établissement chosen in the header
(the guide's « Organisme de formation » picker) is resolved through the same selector as the API
(``?etablissement=`` → remembered in the session → the principal one), and the domain errors of
the services become French pages: another OF's object is a 404, a right the user lacks a 403, an
action the state forbids a 409 — the same answers as the API.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.actors import Actor, Channel, user_etablissements
from cases.selectors import etablissement_context
from common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

SESSION_KEY = "portail_etablissement"


@dataclass(frozen=True)
class EtablissementChoice:
    id: int
    raison_sociale: str
    siret: str
    principal: bool


@dataclass(frozen=True)
class Viewer:
    """The actor, the établissement they look at, and those they may switch to."""

    actor: Actor
    etablissement_id: int
    choices: tuple[EtablissementChoice, ...]

    @property
    def etablissement(self) -> EtablissementChoice:
        return next(c for c in self.choices if c.id == self.etablissement_id)

    @property
    def role_label(self) -> str:
        role = self.actor.role_on(self.etablissement_id)
        return role.label if role else ""


def _parse_id(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    text = value.strip()
    if not text.isdigit() or len(text) > 18:
        raise NotFound("Établissement introuvable.")
    return int(text)


def build_viewer(request: HttpRequest) -> Viewer:
    actor = Actor.for_user(request.user, channel=Channel.PORTAIL)
    if not actor.grants:
        raise Forbidden(
            "Votre compte n'est rattaché à aucun établissement actif. Demandez à l'administrateur de votre "
            "organisme de vous inviter."
        )
    asked = _parse_id(request.GET.get("etablissement"))
    if asked is None:
        remembered = request.session.get(SESSION_KEY)
        asked = remembered if remembered in actor.grants else None
    etab = etablissement_context(actor=actor, etablissement_id=asked)
    if request.session.get(SESSION_KEY) != etab:
        request.session[SESSION_KEY] = etab
    choices = tuple(
        EtablissementChoice(e.id, e.raison_sociale, e.siret, actor.grants[e.id].principal)
        for e in user_etablissements(request.user)
        if e.id in actor.grants
    )
    return Viewer(actor=actor, etablissement_id=etab, choices=choices)


def error_page(request: HttpRequest, status: int, message: str, *, problems=()) -> HttpResponse:
    titles = {
        400: "Requête invalide",
        403: "Accès refusé",
        404: "Page introuvable",
        409: "Action impossible",
        422: "Données invalides",
    }
    return render(
        request,
        "portal/erreur.html",
        {"status": status, "titre": titles.get(status, "Erreur"), "message": message, "problems": problems},
        status=status,
    )


def portal_view(view=None, *, public: bool = False):
    """Sign-in required (unless ``public``), ``request.viewer`` set, domain errors rendered as the API
    would answer them. A public page (the guide, the accessibility statement) gets the viewer when
    someone is signed in, so that its header is the usual one."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated and not public:
                return redirect_to_login(request.get_full_path())
            try:
                if request.user.is_authenticated:
                    try:
                        request.viewer = build_viewer(request)
                    except Forbidden:
                        if not public:
                            raise
                return view(request, *args, **kwargs)
            except NotFound as exc:
                return error_page(request, 404, exc.message)
            except Forbidden as exc:
                return error_page(request, 403, exc.message)
            except Conflict as exc:
                return error_page(request, 409, exc.message)
            except InvalidInput as exc:
                return error_page(request, 422, exc.message, problems=exc.problems)
            except DomainError as exc:
                return error_page(request, exc.status, exc.message)

        return wrapper

    return decorate(view) if view is not None else decorate
