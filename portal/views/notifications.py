"""Placeholder while this screen is being built: every URL name other screens link to already exists."""

from django.http import HttpResponse
from django.urls import path


def _todo(request, *args, **kwargs):
    return HttpResponse("En construction", status=501)


urlpatterns = [
    path("notifications/", _todo, name="notifications"),
    path("notifications/<int:notification_id>/examiner/", _todo, name="notification_examiner"),
]
