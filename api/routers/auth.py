"""Connexion (session), déconnexion, profil, préférences de notification."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from ninja import Router
from ninja.errors import HttpError, Throttled
from ninja.utils import check_csrf

from accounts.actors import Actor, Channel
from accounts.services import client_address, login_wait, notification_preferences_update, profile_get
from api.auth import AUTH, actor_of, session
from api.errors import NonAuthentifie, errors
from api.presenters import etablissement_court, habilitation_out
from api.schemas import ConnexionIn, CsrfOut, PreferencesIn, PreferencesOut, ProfilOut

router = Router(tags=["Authentification et profil"])


def _profile(actor) -> dict:
    profile = profile_get(actor=actor)
    if profile.api_key is not None:
        key = profile.api_key
        return {
            "type": "cle",
            "cle": {
                "id": key.pk,
                "prefixe": key.prefix,
                "etablissement": etablissement_court(key.etablissement),
                "expire_le": key.expires_at,
            },
            "habilitations": [],
        }
    user = profile.user
    return {
        "type": "utilisateur",
        "utilisateur": {
            "id": user.pk,
            "email": user.email,
            "nom": user.nom,
            "prenom": user.prenom,
            "sexe": user.sexe,
            "gestionnaire_opco": user.is_opco_gestionnaire,
            "mail_quotidien": user.daily_digest,
        },
        "habilitations": [habilitation_out(h) for h in profile.habilitations],
    }


@router.get("/csrf", response={200: CsrfOut}, auth=None, summary="Jeton CSRF (à renvoyer dans X-CSRFToken)")
def csrf(request: HttpRequest):
    return {"csrf_token": get_token(request)}


@router.post(
    "/connexion",
    response={200: ProfilOut, **errors(401, 403, 422, 429)},
    auth=None,
    summary="Connexion par e-mail et mot de passe (session)",
)
def connexion(request: HttpRequest, data: ConnexionIn):
    if check_csrf(request):
        raise HttpError(403, "CSRF check Failed")
    email = data.email.strip().lower()
    # The shared limiter (accounts.services.login) counts failures per account and client address.
    wait = login_wait(email, client_address(request))
    if wait is not None:
        raise Throttled(wait)
    user = authenticate(request, email=email, password=data.mot_de_passe)
    if user is None:
        raise NonAuthentifie("E-mail ou mot de passe incorrect.", code="identifiants_invalides")
    login(request, user)
    return _profile(Actor.for_user(user, channel=Channel.API))


@router.post("/deconnexion", response={204: None, **errors(401, 403)}, auth=[session], summary="Déconnexion")
def deconnexion(request: HttpRequest):
    logout(request)
    return HttpResponse(status=204)


@router.get("/moi", response={200: ProfilOut, **errors(401, 403, 429)}, auth=AUTH, summary="Mon profil")
def moi(request: HttpRequest):
    return _profile(actor_of(request))


@router.get(
    "/moi/notifications",
    response={200: PreferencesOut, **errors(401, 403, 429)},
    auth=AUTH,
    summary="Gérer mes notifications : préférences",
)
def preferences(request: HttpRequest):
    profile = profile_get(actor=actor_of(request))
    if profile.user is None:
        return {"mail_quotidien": False}
    return {"mail_quotidien": profile.user.daily_digest}


@router.put(
    "/moi/notifications",
    response={200: PreferencesOut, **errors(401, 403, 422, 429)},
    auth=AUTH,
    summary="Gérer mes notifications : mail quotidien des nouveaux courriers",
)
def preferences_update(request: HttpRequest, data: PreferencesIn):
    user = notification_preferences_update(actor=actor_of(request), daily_digest=data.mail_quotidien)
    return {"mail_quotidien": user.daily_digest}
