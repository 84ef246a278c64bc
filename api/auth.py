"""Who calls: a session (the web UI, CSRF-checked on unsafe methods) or the OF's software with the
SIRET's clé d'authentification in ``X-API-KEY`` (rate-limited per key). Both become an
:class:`accounts.actors.Actor`, available to endpoints as ``request.auth``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError, Throttled
from ninja.security import APIKeyCookie, APIKeyHeader
from ninja.utils import check_csrf

from accounts.actors import Actor, Channel
from accounts.services import api_key_authenticate
from common import ratelimit

DEFAULT_KEY_RATE = "600/60"


def key_rate() -> tuple[int, int]:
    return ratelimit.parse_rate(getattr(settings, "PORTAIL", {}).get("API_KEY_RATE_LIMIT", DEFAULT_KEY_RATE))


class CleApi(APIKeyHeader):
    """Clé d'authentification d'un SIRET (« Mes habilitations › Clé d'authentification »)."""

    param_name = "X-API-KEY"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        api_key = api_key_authenticate(key, timezone.now())  # ApiKeyRefused → 403 CLE_…
        limit, window = key_rate()
        wait = ratelimit.hit(f"key:{api_key.pk}", limit=limit, window=window)
        if wait is not None:
            raise Throttled(wait)
        return Actor.for_api_key(api_key)


class Session(APIKeyCookie):
    """Session Django (connexion par e-mail et mot de passe) ; jeton CSRF exigé sur POST/PUT/PATCH/DELETE."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check Failed")
        return Actor.for_user(user, channel=Channel.API)


cle_api = CleApi()
session = Session()
AUTH = [cle_api, session]


def actor_of(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]
