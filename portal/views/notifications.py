"""Notifications: « Un nouveau courrier a été déposé dans votre dossier. » — the guide's « Afficher toutes
les notifications » list (filters, sort on every column, pagination), « Examiner » (marks it read and
opens the dossier, the facture or the paiement), « Marquer comme lue », « Supprimer », « Tout marquer
comme lu » and « Tout supprimer » (with confirmation).

Same selectors and services as ``api/routers/notifications.py``; « tout » is bounded by the
établissement chosen in the header, like the list it is clicked from.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.models import Notification
from cases.selectors import NotificationFilters, notification_get, notification_list
from cases.services.notifications import (
    notification_delete,
    notification_mark_read,
    notifications_delete_all,
    notifications_mark_all_read,
)
from common.errors import InvalidInput
from portal.context import portal_view
from portal.forms import DateFiltre, PortalForm, apply_problems
from portal.lists import empty_page, filter_labels, kept_params, list_aliases, page_request
from portal.templatetags.portail import date_fr

MESSAGE = "Un nouveau courrier a été déposé dans votre dossier."


class NotificationFiltresForm(PortalForm):
    numero = forms.CharField(label="N° de dossier", required=False, max_length=20, help_text="Exemple : 3866466.1")
    siret = forms.CharField(label="SIRET", required=False, max_length=14, help_text="Début ou totalité du SIRET")
    raison_sociale = forms.CharField(label="Raison sociale", required=False, max_length=200)
    prenom = forms.CharField(label="Prénom du stagiaire", required=False, max_length=80)
    nom = forms.CharField(label="Nom du stagiaire", required=False, max_length=80)
    lue = forms.ChoiceField(
        label="Statut", required=False, choices=[("", "Toutes"), ("non", "Non lues"), ("oui", "Lues")]
    )
    date_min = DateFiltre(label="Date : à partir du")
    date_max = DateFiltre(label="Date : jusqu'au")

    def filters(self) -> NotificationFilters:
        data = self.cleaned_data
        return NotificationFilters(
            numero=data.get("numero") or None,
            siret=data.get("siret") or None,
            raison_sociale=data.get("raison_sociale") or None,
            prenom=data.get("prenom") or None,
            nom=data.get("nom") or None,
            lue={"oui": True, "non": False}.get(data.get("lue") or ""),
            date_min=data.get("date_min"),
            date_max=data.get("date_max"),
        )

    @property
    def actifs(self) -> bool:
        return any(v for name in self.fields for v in self.data.getlist(name))


@dataclass(frozen=True)
class Ligne:
    """A row of the list, in the guide's columns."""

    id: int
    numero: str
    courrier: str
    courrier_id: int | None
    siret: str
    raison_sociale: str
    prenom: str
    nom: str
    date: object
    lue: bool


def _ligne(n: Notification) -> Ligne:
    c = n.courrier
    dossier = c.dossier
    if dossier is not None:
        numero = dossier.reference
    elif c.facture_id:
        numero = f"Facture {c.facture.numero}"
    else:
        numero = f"Règlement {c.reglement.numero}"
    destinataire = c.destinataire_etablissement
    return Ligne(
        id=n.pk,
        numero=numero,
        courrier=c.nom,
        courrier_id=c.pk if c.fichier else None,
        siret=destinataire.siret,
        raison_sociale=destinataire.raison_sociale,
        prenom=dossier.salarie_prenom if dossier is not None else "",
        nom=dossier.salarie_nom if dossier is not None else "",
        date=n.created_at,
        lue=n.read_at is not None,
    )


@portal_view
@require_GET
def liste(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    form = NotificationFiltresForm(request.GET)
    page, status = None, 200
    if form.is_valid():
        try:
            page = notification_list(
                actor=viewer.actor,
                etablissement_id=viewer.etablissement_id,
                filters=form.filters(),
                tri=request.GET.get("tri") or None,
                page=page_request(request.GET),
            )
        except InvalidInput as exc:
            apply_problems(form, exc.problems, aliases=list_aliases())
    if page is None:
        page, status = empty_page(request.GET), 422
    context = {
        "nav": "notifications",
        "form": form,
        "page": page,
        "lignes": [_ligne(n) for n in page.items],
        "message": MESSAGE,
        "kept": kept_params(request.GET, ("tri", "taille")),
        "filtres_actifs": filter_labels(form),
        "ici": request.get_full_path(),
    }
    return render(request, "portal/notifications/liste.html", context, status=status)


def _back(request: HttpRequest) -> str:
    """Back to the list as it was (filters, sort, page), never to another site."""
    target = request.POST.get("suite") or request.GET.get("suite") or ""
    if target.startswith("/notifications/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:notifications")


def _pluriel(count: int, singulier: str, pluriel: str) -> str:
    return f"{count} {singulier if count <= 1 else pluriel}"


@portal_view
@require_GET
def examiner(request: HttpRequest, notification_id: int) -> HttpResponse:
    """« Examiner »: the notification is read, and what its courrier is about opens."""
    actor = request.viewer.actor
    courrier = notification_get(actor=actor, notification_id=notification_id).courrier
    notification_mark_read(actor=actor, notification_id=notification_id, now=timezone.now())
    if courrier.dossier_id:
        return redirect("portal:dossier", dossier_id=courrier.dossier_id)
    if courrier.facture_id:
        return redirect("portal:facture", facture_id=courrier.facture_id)
    return redirect("portal:paiement", reglement_id=courrier.reglement_id)


@portal_view
@require_POST
def marquer_lue(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(actor=request.viewer.actor, notification_id=notification_id, now=timezone.now())
    messages.success(request, "La notification est marquée comme lue.")
    return redirect(_back(request))


@portal_view
@require_http_methods(["GET", "POST"])
def supprimer(request: HttpRequest, notification_id: int) -> HttpResponse:
    actor = request.viewer.actor
    if request.method == "POST":
        notification_delete(actor=actor, notification_id=notification_id, now=timezone.now())
        messages.success(request, "La notification a été supprimée.")
        return redirect(_back(request))
    ligne = _ligne(notification_get(actor=actor, notification_id=notification_id))
    context = {
        "nav": "notifications",
        "titre": "Supprimer la notification",
        "question": f"Vous êtes sur le point de supprimer la notification du {date_fr(ligne.date)} "
        f"sur le dossier {ligne.numero}. Voulez-vous continuer ?",
        "action": reverse("portal:notification_supprimer", args=[notification_id]),
        "suite": _back(request),
    }
    return render(request, "portal/notifications/confirmer.html", context)


@portal_view
@require_POST
def tout_marquer_lu(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    count = notifications_mark_all_read(
        actor=viewer.actor, etablissement_id=viewer.etablissement_id, now=timezone.now()
    )
    if count:
        messages.success(
            request, _pluriel(count, "notification marquée comme lue.", "notifications marquées comme lues.")
        )
    else:
        messages.info(request, "Aucune notification non lue.")
    return redirect(_back(request))


@portal_view
@require_http_methods(["GET", "POST"])
def tout_supprimer(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    if request.method == "POST":
        count = notifications_delete_all(
            actor=viewer.actor, etablissement_id=viewer.etablissement_id, now=timezone.now()
        )
        messages.success(request, _pluriel(count, "notification supprimée.", "notifications supprimées."))
        return redirect("portal:notifications")
    context = {
        "nav": "notifications",
        "titre": "Tout supprimer",
        "question": "Vous êtes sur le point de supprimer toutes les notifications de l'établissement "
        f"« {viewer.etablissement.raison_sociale} ». Voulez-vous continuer ?",
        "action": reverse("portal:notifications_tout_supprimer"),
        "suite": reverse("portal:notifications"),
    }
    return render(request, "portal/notifications/confirmer.html", context)


urlpatterns = [
    path("notifications/", liste, name="notifications"),
    path("notifications/tout-marquer-lu/", tout_marquer_lu, name="notifications_tout_lu"),
    path("notifications/tout-supprimer/", tout_supprimer, name="notifications_tout_supprimer"),
    path("notifications/<int:notification_id>/examiner/", examiner, name="notification_examiner"),
    path("notifications/<int:notification_id>/lue/", marquer_lue, name="notification_lue"),
    path("notifications/<int:notification_id>/supprimer/", supprimer, name="notification_supprimer"),
]
