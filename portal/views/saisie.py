"""Placeholder while this screen is being built: every URL name other screens link to already exists."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = [
    path("contrats/apprentissage/nouveau/", _todo, name="saisie_nouveau"),
    path("contrats/apprentissage/<int:dossier_id>/", _todo, name="saisie_modifier"),
    path("contrats/apprentissage/<int:dossier_id>/supprimer/", _todo, name="saisie_supprimer"),
    path("dossiers/<int:dossier_id>/avenant/", _todo, name="avenant"),
]
