"""Placeholder while this screen is being built: every URL name other screens link to already exists."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = [
    path("habilitations/utilisateurs/", _todo, name="utilisateurs"),
    path("habilitations/utilisateurs/inviter/", _todo, name="utilisateur_inviter"),
    path("habilitations/utilisateurs/<int:user_id>/", _todo, name="utilisateur"),
    path("habilitations/etablissements/", _todo, name="etablissements"),
    path("habilitations/etablissements/<int:etablissement_id>/", _todo, name="etablissement"),
    path("habilitations/cle/", _todo, name="cle"),
]
