"""Mes règlements › Les paiements OPCO: the list (one line per règlement and dossier paid; filters, sort,
pages and export XLSX/CSV in the URL), the synthesis of a règlement with the factures it settles, and
« Imprimer » (the avis de paiement). Same selectors as ``api/routers/paiements.py``; a user without
« Consulter les règlements » gets the selector's 403."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from cases.selectors import PaiementFilters, paiement_export_rows, paiement_list, reglement_detail
from common.errors import InvalidInput
from portal.context import portal_view
from portal.lists import ListeForm, date_filtre, exporter, format_or_404, lister, montant_filtre, texte_filtre


class PaiementsFiltresForm(ListeForm):
    reference = texte_filtre("Référence du virement")
    numero = texte_filtre("N° de règlement")
    dossier = texte_filtre("N° de dossier", help_text="Par exemple 3866466 ou 3866466.1")
    date_paiement_min = date_filtre("Date de paiement, du")
    date_paiement_max = date_filtre("Date de paiement, au")
    montant_min = montant_filtre("Montant total TTC minimal (€)")
    montant_max = montant_filtre("Montant total TTC maximal (€)")

    def filters(self) -> PaiementFilters:
        d = self.cleaned_data
        return PaiementFilters(
            reference=d["reference"] or None,
            numero=d["numero"] or None,
            dossier=d["dossier"] or None,
            date_paiement_min=d["date_paiement_min"],
            date_paiement_max=d["date_paiement_max"],
            montant_min=d["montant_min"],
            montant_max=d["montant_max"],
        )


@portal_view
@require_GET
def paiements(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    form = PaiementsFiltresForm(request.GET)
    page = lister(
        form,
        lambda paging: paiement_list(
            actor=viewer.actor,
            etablissement_id=viewer.etablissement_id,
            filters=form.filters(),
            tri=form.tri,
            page=paging,
        ),
    )
    context = {
        "nav": "reglements",
        "onglet": "paiements",
        "form": form,
        "page": page,
        "efface": reverse("portal:paiements"),
    }
    return render(request, "portal/paiements/liste.html", context, status=200 if page is not None else 422)


@portal_view
@require_GET
def paiements_export(request: HttpRequest, format: str) -> HttpResponse:
    format_or_404(format)
    viewer = request.viewer
    form = PaiementsFiltresForm(request.GET)
    if not form.is_valid():
        raise InvalidInput(form.problems(), "Les filtres de l'export sont invalides.")
    columns, rows = paiement_export_rows(
        actor=viewer.actor, etablissement_id=viewer.etablissement_id, filters=form.filters(), tri=form.tri
    )
    return exporter("paiements", "Paiements", format, columns, rows)


@portal_view
@require_GET
def paiement(request: HttpRequest, reglement_id: int) -> HttpResponse:
    detail = reglement_detail(actor=request.viewer.actor, reglement_id=reglement_id)
    context = {"nav": "reglements", "onglet": "paiements", "detail": detail, "r": detail.reglement}
    return render(request, "portal/paiements/detail.html", context)


urlpatterns = [
    path("paiements/", paiements, name="paiements"),
    path("paiements/export.<str:format>", paiements_export, name="paiements_export"),
    path("paiements/<int:reglement_id>/", paiement, name="paiement"),
]
