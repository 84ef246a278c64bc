"""The authentication backend of every login (portal, API, back office): e-mail and password,
through the shared limiter of :mod:`accounts.services.login`."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.services.login import client_address, login_failed, login_succeeded, login_wait


def _channel(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "back-office"
    if path.startswith("/api/"):
        return "api"
    return "portail"


class LimitedModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        email = (username or kwargs.get("email") or "").strip().lower()
        if not email or password is None:
            return None
        address = client_address(request)
        if login_wait(email, address) is not None:
            # Refused without even checking the password: the attacker learns nothing.
            login_failed(email, address, channel=_channel(request))
            raise PermissionDenied
        user = super().authenticate(request, username=email, password=password)
        if user is None:
            login_failed(email, address, channel=_channel(request))
        else:
            login_succeeded(email, address, channel=_channel(request))
        return user
