"""The django-ninja HTTP API (/api/v1/): see :mod:`api.main`.

- ``api.main``: the NinjaAPI instance, OpenAPI post-processing, offline Swagger UI;
- ``api.auth``: session (CSRF) and X-API-KEY authentication, per-key rate limit;
- ``api.errors``: the single JSON error shape and the mapping of :mod:`common.errors`;
- ``api.routers``: one router per area of the user guide; ``api.schemas``: ``…In`` / ``…Out``;
- ``api.presenters``: domain objects → response dicts.

Each endpoint translates a request into one service or selector call.
"""
