"""``/api/cfa/``: the norm's NinjaAPI, under its own namespace (``api-cfa``)."""

from api.cfa.main import api

urlpatterns, _, app_name = api.urls
