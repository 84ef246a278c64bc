"""Placeholder: this screen is being built."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = []
urlpatterns = [path("factures/", _todo, name="factures")]
