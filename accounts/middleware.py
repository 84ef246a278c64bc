"""Django's authentication middleware, with the signed-in user (and their habilitations) taken from the
actor cache (:class:`accounts.actors.ActorCache`) when it is on: a session request then needs no login
query. The session's hash is checked against the cached user's exactly as Django does; anything else
(no cache, an entry missing or stale, a hash that does not match) goes through ``django.contrib.auth``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from accounts.actors import ActorCache, attach_grants, user_scope


def cached_user(request):
    if hasattr(request, "_cached_user"):
        return request._cached_user
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend = session.get(auth.BACKEND_SESSION_KEY)
    stamp = None
    if user_id is not None and backend in settings.AUTHENTICATION_BACKENDS:
        user, stamp = ActorCache.get(user_scope(user_id))
        if user is not None:
            session_hash = session.get(auth.HASH_SESSION_KEY) or ""
            if constant_time_compare(session_hash, user.get_session_auth_hash()):
                user.backend = backend
                request._cached_user = user
                return user
    user = auth.get_user(request)
    if stamp is not None and user.is_authenticated and str(user.pk) == str(user_id):
        if user.is_active:
            attach_grants(user)  # cached with the user
        ActorCache.put(user_scope(user_id), stamp, user)
    request._cached_user = user
    return user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: cached_user(request))
