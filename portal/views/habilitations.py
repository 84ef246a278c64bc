"""Placeholder: this screen is being built."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = []
urlpatterns = [
    path("habilitations/utilisateurs/", _todo, name="utilisateurs"),
    path("habilitations/etablissements/", _todo, name="etablissements"),
    path("habilitations/cle/", _todo, name="cle"),
]
