"""Mes règlements › Mes factures: the lists « Toutes les factures » / « Payé » (filters, sort, pages and
export XLSX/CSV, all kept in the URL), the synthesis of a facture (its lines and the échéance each one is
charged to) and « Déposer une pièce complémentaire à la facture »; and « Mes échéances »: the échéances
of the apprenticeship contracts to invoice now (« à facturer ») or later (« à venir »). Same selectors and
services as ``api/routers/factures.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from cases.permissions import has_droit
from cases.selectors import (
    FactureFilters,
    VueFactures,
    echeance_list,
    facture_detail,
    facture_export_rows,
    facture_list,
)
from cases.selectors_financement import VueEcheances
from cases.services import facture_add_pieces
from cases.services._common import read_uploads
from common.errors import InvalidInput
from portal.context import portal_view
from portal.forms import PortalForm, apply_problems
from portal.lists import (
    MAX_ENTIER,
    ListeForm,
    date_filtre,
    empty_page,
    exporter,
    format_or_404,
    lister,
    montant_filtre,
    page_request,
    texte_filtre,
)
from rules.actions import ActionFacture, Droit
from rules.lifecycles import EtatFacture

# --- Mes factures ----------------------------------------------------------------------------------


class FacturesFiltresForm(ListeForm):
    gardes = ("vue", "tri", "taille")

    vue = forms.ChoiceField(
        label="Vue",
        required=False,
        choices=[
            ("", "Toutes les factures"),
            (VueFactures.TOUTES, "Toutes les factures"),
            (VueFactures.PAYEES, "Payé"),
        ],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Vue inconnue : « toutes » ou « payees »."},
    )
    numero = forms.IntegerField(
        label="Numéro de facture",
        required=False,
        min_value=1,
        max_value=MAX_ENTIER,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": "Saisissez un numéro de facture (chiffres uniquement)."},
    )
    emetteur = texte_filtre("Raison sociale de l'émetteur")
    reference = texte_filtre("Référence")
    dossier = texte_filtre("N° de dossier", help_text="Par exemple 3866466 ou 3866466.1")
    date_facture_min = date_filtre("Date de facture, du")
    date_facture_max = date_filtre("Date de facture, au")
    date_reception_min = date_filtre("Date de réception, du")
    date_reception_max = date_filtre("Date de réception, au")
    montant_ttc_min = montant_filtre("Montant TTC minimal (€)")
    montant_ttc_max = montant_filtre("Montant TTC maximal (€)")
    etat = forms.MultipleChoiceField(
        label="État",
        required=False,
        choices=[(e.value, e.label) for e in EtatFacture],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "État inconnu : « %(value)s »."},
    )

    def filters(self) -> FactureFilters:
        d = self.cleaned_data
        return FactureFilters(
            vue=d["vue"] or None,
            etat=tuple(d["etat"]),
            numero=d["numero"],
            emetteur=d["emetteur"] or None,
            reference=d["reference"] or None,
            dossier=d["dossier"] or None,
            date_facture_min=d["date_facture_min"],
            date_facture_max=d["date_facture_max"],
            date_reception_min=d["date_reception_min"],
            date_reception_max=d["date_reception_max"],
            montant_ttc_min=d["montant_ttc_min"],
            montant_ttc_max=d["montant_ttc_max"],
        )


@portal_view
@require_GET
def factures(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    form = FacturesFiltresForm(request.GET)
    page = lister(
        form,
        lambda paging: facture_list(
            actor=viewer.actor,
            etablissement_id=viewer.etablissement_id,
            filters=form.filters(),
            tri=form.tri,
            page=paging,
        ),
    )
    context = {
        "nav": "reglements",
        "onglet": "factures",
        "form": form,
        "page": page,
        "payees": request.GET.get("vue") == VueFactures.PAYEES,
        "efface": reverse("portal:factures") + ("?vue=payees" if request.GET.get("vue") == VueFactures.PAYEES else ""),
    }
    return render(request, "portal/factures/liste.html", context, status=200 if page is not None else 422)


@portal_view
@require_GET
def factures_export(request: HttpRequest, format: str) -> HttpResponse:
    format_or_404(format)
    viewer = request.viewer
    form = FacturesFiltresForm(request.GET)
    if not form.is_valid():
        raise InvalidInput(form.problems(), "Les filtres de l'export sont invalides.")
    columns, rows = facture_export_rows(
        actor=viewer.actor, etablissement_id=viewer.etablissement_id, filters=form.filters(), tri=form.tri
    )
    return exporter("factures", "Factures", format, columns, rows)


# --- Facture N° … ----------------------------------------------------------------------------------


class PiecesForm(PortalForm):
    """« Déposer une pièce complémentaire à la facture »: the files are read and checked by the service."""

    fichiers = forms.Field(
        label="Pièces complémentaires",
        required=False,
        help_text="PDF, PNG, JPEG, DOCX, XLSX ou ODT ; 20 Mo au plus par fichier, 20 fichiers au plus par envoi.",
    )


def _facture_page(request: HttpRequest, facture_id: int, form: PiecesForm, *, status: int = 200) -> HttpResponse:
    viewer = request.viewer
    detail = facture_detail(actor=viewer.actor, facture_id=facture_id)
    codes = {a.code for a in detail.actions}
    context = {
        "nav": "reglements",
        "onglet": "factures",
        "detail": detail,
        "f": detail.facture,
        "rejetee": detail.facture.etat == EtatFacture.REJETEE,
        "peut_deposer": ActionFacture.AJOUTER_PIECE.value in codes,
        "voit_reglements": has_droit(viewer.actor, detail.facture.emetteur_id, Droit.CONSULTER_REGLEMENTS),
        "form": form,
    }
    return render(request, "portal/factures/detail.html", context, status=status)


@portal_view
@require_GET
def facture(request: HttpRequest, facture_id: int) -> HttpResponse:
    return _facture_page(request, facture_id, PiecesForm())


@portal_view
@require_http_methods(["POST"])
def facture_pieces(request: HttpRequest, facture_id: int) -> HttpResponse:
    form = PiecesForm(request.POST, request.FILES)
    form.is_valid()
    try:
        uploads = read_uploads(request.FILES.getlist("fichiers"), field="fichiers")
        created = facture_add_pieces(
            actor=request.viewer.actor, facture_id=facture_id, uploads=uploads, now=timezone.now()
        )
    except InvalidInput as exc:
        apply_problems(form, exc.problems)
        return _facture_page(request, facture_id, form, status=422)
    if len(created) == 1:
        messages.success(request, f"La pièce « {created[0].nom} » est ajoutée à la facture.")
    else:
        messages.success(request, f"{len(created)} pièces sont ajoutées à la facture.")
    return redirect("portal:facture", facture_id=facture_id)


# --- Mes échéances -------------------------------------------------------------------------------------

VUES_ECHEANCES = {VueEcheances.A_FACTURER: "À facturer", VueEcheances.A_VENIR: "À venir"}


@portal_view
@require_GET
def echeances(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    vue = request.GET.get("vue") or VueEcheances.A_FACTURER
    if vue not in VUES_ECHEANCES:
        vue = VueEcheances.A_FACTURER
    status, erreur = 200, ""
    try:
        page = echeance_list(
            actor=viewer.actor,
            etablissement_id=viewer.etablissement_id,
            vue=vue,
            tri=request.GET.get("tri") or None,
            page=page_request(request.GET),
            today=timezone.localdate(),
        )
    except InvalidInput as exc:
        page, status, erreur = empty_page(request.GET), 422, " ".join(p.message for p in exc.problems)
    context = {
        "nav": "reglements",
        "onglet": "echeances",
        "vue": vue,
        "vues": VUES_ECHEANCES,
        "vue_libelle": VUES_ECHEANCES[vue],
        "page": page,
        "erreur": erreur,
        "peut_facturer": has_droit(viewer.actor, viewer.etablissement_id, Droit.DEPOSER_FACTURES),
    }
    return render(request, "portal/factures/echeances.html", context, status=status)


urlpatterns = [
    path("factures/", factures, name="factures"),
    path("factures/export.<str:format>", factures_export, name="factures_export"),
    path("factures/<int:facture_id>/", facture, name="facture"),
    path("factures/<int:facture_id>/pieces/", facture_pieces, name="facture_pieces"),
    path("echeances/", echeances, name="echeances"),
]
