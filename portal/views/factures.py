"""Placeholder while this screen is being built: every URL name other screens link to already exists."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = [
    path("factures/", _todo, name="factures"),
    path("factures/export.<str:format>", _todo, name="factures_export"),
    path("factures/<int:facture_id>/", _todo, name="facture"),
    path("factures/<int:facture_id>/pieces/", _todo, name="facture_pieces"),
]
