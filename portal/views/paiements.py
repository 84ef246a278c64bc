"""Placeholder while this screen is being built: every URL name other screens link to already exists."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = [
    path("paiements/", _todo, name="paiements"),
    path("paiements/export.<str:format>", _todo, name="paiements_export"),
    path("paiements/<int:reglement_id>/", _todo, name="paiement"),
]
