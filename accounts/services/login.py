"""Password guessing, slowed down without locking the real user out.

One limiter for every login — the portal, the API and the back office — wired in as the
authentication backend (:mod:`accounts.backends`):

- failures are counted per **account and client address**: after ``FREE_ATTEMPTS`` failures
  from one address, that address waits before trying that account again, twice as long after
  each new failure (``FIRST_DELAY`` … ``MAX_DELAY``). The real user, from their own address, is
  not slowed by an attacker elsewhere; a password reset lifts every delay on the account;
- an address that fails on many accounts (``PER_ADDRESS`` in ``WINDOW``) is stopped too.

Counters live in Django's cache (shared by the workers in production: ``PORTAIL_CACHE_URL``).
Every failure and success is logged (logger ``portail.connexions``).
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

from common import ratelimit

logger = logging.getLogger("portail.connexions")

WINDOW = 15 * 60
FREE_ATTEMPTS = 5
FIRST_DELAY = 15
MAX_DELAY = 15 * 60
PER_ADDRESS = 50


def _conf(name: str, default: int) -> int:
    return int(getattr(settings, "PORTAIL", {}).get(name, default))


def client_address(request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXIES`` reverse proxies the
    address the outermost of them saw (from the right of ``X-Forwarded-For``)."""
    if request is None:
        return "inconnue"
    remote = request.META.get("REMOTE_ADDR", "") or "inconnue"
    proxies = _conf("TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < proxies:
        return remote
    return chain[-proxies][:64]


def _generation(email: str) -> int:
    return cache.get(f"portail:login:gen:{ratelimit.digest(email)}") or 0


def _pair_key(email: str, address: str) -> str:
    return f"portail:login:pair:{_generation(email)}:{ratelimit.digest(email)}:{ratelimit.digest(address)}"


def login_wait(email: str, address: str) -> int | None:
    """Seconds this address must wait before trying this account again (None: it may try now)."""
    email = (email or "").strip().lower()
    now = time.time()
    state = cache.get(_pair_key(email, address))
    if state and state.get("until", 0) > now:
        return int(state["until"] - now) + 1
    return ratelimit.peek(f"login:ip:{address}", limit=_conf("LOGIN_FAILURES_PER_IP", PER_ADDRESS), window=WINDOW)


def login_failed(email: str, address: str, *, channel: str) -> None:
    email = (email or "").strip().lower()
    key = _pair_key(email, address)
    state = cache.get(key) or {"failures": 0, "until": 0}
    state["failures"] += 1
    free = _conf("LOGIN_FAILURES_PER_EMAIL", FREE_ATTEMPTS)
    if state["failures"] >= free:
        delay = min(MAX_DELAY, FIRST_DELAY * 2 ** (state["failures"] - free))
        state["until"] = time.time() + delay
    cache.set(key, state, WINDOW + MAX_DELAY)
    ratelimit.hit(f"login:ip:{address}", limit=_conf("LOGIN_FAILURES_PER_IP", PER_ADDRESS), window=WINDOW)
    logger.warning(
        "Connexion refusée (%s) : compte %s depuis %s, %s échec(s)", channel, email, address, state["failures"]
    )


def login_succeeded(email: str, address: str, *, channel: str) -> None:
    email = (email or "").strip().lower()
    cache.delete(_pair_key(email, address))
    logger.info("Connexion réussie (%s) : compte %s depuis %s", channel, email, address)


def login_unlock(email: str) -> None:
    """Forget every delay on the account (after a password reset or change)."""
    email = (email or "").strip().lower()
    key = f"portail:login:gen:{ratelimit.digest(email)}"
    cache.set(key, _generation(email) + 1, None)


def wait_message(seconds: int) -> str:
    """What a locked-out login form says (the account's existence is never told)."""
    if seconds < 60:
        return f"Trop de tentatives : réessayez dans {seconds} secondes, ou réinitialisez votre mot de passe."
    minutes = -(-seconds // 60)
    unit = "minutes" if minutes > 1 else "minute"
    return f"Trop de tentatives : réessayez dans {minutes} {unit}, ou réinitialisez votre mot de passe."
