"""Who calls ``/api/cfa``: a CFA's software, named by the norm's three headers (``EDITEUR``,
``LOGICIEL``, ``VERSION``, on every call: 400 without them) and acting with its SIRET's key
(``X-API-KEY``: 403 when absent, unknown, revoked or expired). The actor is the key's, on the norm's
channel, with the three headers as its ``client`` — written into the journal of every change it causes.
Calls are counted per key with ``/api/v1``'s limiter (429 + ``Retry-After``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import Throttled
from ninja.security import APIKeyHeader

from accounts.actors import Actor, Channel
from accounts.services import ApiKeyRefused, api_key_authenticate, client_address
from api.auth import key_rate
from common import ratelimit
from common.errors import DomainError
from rules.verdicts import Problem

CLIENT_HEADERS = ("EDITEUR", "LOGICIEL", "VERSION")
MAX_HEADER_LENGTH = 100
# cfakeyinfo checks keys without one: counted per client address.
KEYINFO_RATE = (60, 60)


class MissingHeaders(DomainError):
    code = "ENTETE_MANQUANT"
    status = 400


def client_of(request: HttpRequest) -> dict[str, str]:
    """The calling software from the norm's three headers, or a 400 naming each one missing or too long."""
    client, problems = {}, []
    for name in CLIENT_HEADERS:
        value = (request.headers.get(name) or "").strip()
        if not value:
            problems.append(
                Problem(name, f"L'en-tête {name} est obligatoire sur chaque appel de la norme.", "obligatoire")
            )
        elif len(value) > MAX_HEADER_LENGTH:
            problems.append(Problem(name, f"L'en-tête {name} compte {MAX_HEADER_LENGTH} caractères au plus."))
        else:
            client[name.lower()] = value
    if problems:
        raise MissingHeaders(
            "En-têtes obligatoires de la norme API CFA manquants : EDITEUR, LOGICIEL et VERSION.", problems=problems
        )
    return client


class CleCfa(APIKeyHeader):
    """Clé d'authentification du SIRET du CFA (« Mes habilitations › Clé d'authentification »), avec les
    en-têtes EDITEUR, LOGICIEL et VERSION du logiciel appelant."""

    param_name = "X-API-KEY"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        client = client_of(request)
        if not key or not key.strip():
            raise ApiKeyRefused("CLE_ABSENTE", "Clé d'authentification absente : envoyez-la dans l'en-tête X-API-KEY.")
        api_key = api_key_authenticate(key.strip(), timezone.now())  # ApiKeyRefused → 403 CLE_…
        limit, window = key_rate()
        wait = ratelimit.hit(f"key:{api_key.pk}", limit=limit, window=window)
        if wait is not None:
            raise Throttled(wait)
        return dataclasses.replace(Actor.for_api_key(api_key), channel=Channel.NORME, client=client)


class LogicielSeul(APIKeyHeader):
    """Les en-têtes EDITEUR, LOGICIEL et VERSION seuls (vérification d'une clé : ``/v2/cfakeyinfo``)."""

    param_name = "EDITEUR"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        client = client_of(request)
        limit, window = KEYINFO_RATE
        wait = ratelimit.hit(f"cfakeyinfo:{ratelimit.digest(client_address(request))}", limit=limit, window=window)
        if wait is not None:
            raise Throttled(wait)
        return client


cle_cfa = CleCfa()
logiciel_seul = LogicielSeul()


def actor_of(request: HttpRequest) -> Actor:
    return request.auth  # type: ignore[attr-defined]
