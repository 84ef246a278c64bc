"""Placeholder while this screen is being built: every URL name other screens link to already exists."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = [
    path("dossiers/<int:dossier_id>/", _todo, name="dossier"),
    path("dossiers/<str:dispositif>/", _todo, name="dossiers"),
    path("dossiers/<int:dossier_id>/pieces/", _todo, name="dossier_pieces"),
    path("dossiers/<int:dossier_id>/facture/", _todo, name="dossier_facture"),
    path("dossiers/<int:dossier_id>/rupture/", _todo, name="dossier_rupture"),
]
