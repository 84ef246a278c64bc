"""Mes règlements › Mes factures: the lists « Toutes les factures » / « Payé » (filters, sort, pages and
export XLSX/CSV, all kept in the URL), the synthesis of a facture and « Déposer une pièce complémentaire
à la facture ». Same selectors and service as ``api/routers/factures.py``.

:class:`ListeForm` is the shape of every list of « Mes règlements » and « Mes habilitations »: a GET form
of filters, with the sort (``tri``) and the page (``page``, ``taille``) read from the same query string;
a wrong value is a French message on its field (422), never a 500.
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
from cases.selectors import FactureFilters, VueFactures, facture_detail, facture_export_rows, facture_list
from cases.services import facture_add_pieces
from cases.services._common import read_uploads
from common.downloads import stream_response
from common.errors import InvalidInput, NotFound
from common.paging import PageRequest
from documents.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, xlsx_stream
from portal.context import portal_view
from portal.forms import PortalForm, apply_problems
from rules.actions import ActionFacture, Droit
from rules.lifecycles import EtatFacture
from rules.verdicts import Problem

EXPORT_FORMATS = {"xlsx", "csv"}
# The largest value an integer column holds on every database we run on.
MAX_ENTIER = 2_147_483_647

# --- Lists: filters, sort and page in the URL ----------------------------------------------------


class ListeForm(PortalForm):
    """The filters of a list. Always bound to the query string (an empty one is valid)."""

    # Query-string keys kept as hidden inputs when the filters are applied (the page starts again at 1).
    gardes: tuple[str, ...] = ("tri", "taille")

    def __init__(self, data):
        super().__init__(data)

    @property
    def tri(self) -> str | None:
        return (self.data.get("tri") or "").strip()[:60] or None

    def page_request(self) -> PageRequest:
        """``page`` and ``taille`` as integers (their bounds are the selector's to check)."""
        numbers = {}
        for name, default, label in (("page", 1, "Le numéro de page"), ("taille", 10, "Le nombre de lignes par page")):
            raw = (self.data.get(name) or "").strip()
            if not raw:
                numbers[name] = default
            elif raw.isdigit() and len(raw) <= 6:
                numbers[name] = int(raw)
            else:
                raise InvalidInput([Problem(name, f"{label} est un nombre entier.")])
        return PageRequest(**numbers)

    @property
    def hidden_values(self) -> list[tuple[str, str]]:
        return [(k, self.data.get(k)) for k in self.gardes if self.data.get(k)]

    @property
    def actif(self) -> bool:
        """A filter is set, or wrong: the « Ajouter un filtre » panel is open."""
        if self.errors:
            return True
        return any(self.data.get(name) for name, field in self.fields.items() if not field.widget.is_hidden)

    def problems(self) -> list[Problem]:
        """The form's errors as problems (for a download that cannot show a form)."""
        return [
            Problem(name, f"{self.fields[name].label} : {message}" if name in self.fields else message)
            for name, errors in self.errors.items()
            for message in errors
        ]


def date_filtre(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": "Saisissez une date valide (jj/mm/aaaa)."},
    )


def montant_filtre(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"invalid": "Saisissez un montant en euros (par exemple 1250,50)."},
    )


def texte_filtre(label: str, **kwargs) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=100, **kwargs)


def lister(form: ListeForm, call):
    """The selector's page for a valid form, or ``None`` with its problems shown on the form."""
    if not form.is_valid():
        return None
    try:
        return call(form.page_request())
    except InvalidInput as exc:
        apply_problems(form, exc.problems)
        return None


def horodatage() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


def exporter(stem: str, sheet: str, format: str, columns, rows) -> HttpResponse:
    name = f"{stem}-{horodatage()}.{format}"
    if format == "csv":
        return stream_response(csv_stream(columns, rows), name, CSV_CONTENT_TYPE)
    return stream_response(xlsx_stream(columns, rows, sheet=sheet), name, XLSX_CONTENT_TYPE)


def format_or_404(format: str) -> str:
    if format not in EXPORT_FORMATS:
        raise NotFound("Format d'export inconnu : choisissez XLSX ou CSV.")
    return format


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


urlpatterns = [
    path("factures/", factures, name="factures"),
    path("factures/export.<str:format>", factures_export, name="factures_export"),
    path("factures/<int:facture_id>/", facture, name="facture"),
    path("factures/<int:facture_id>/pieces/", facture_pieces, name="facture_pieces"),
]
