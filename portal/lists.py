"""What every list screen of the portal shares: the filters of a GET form bound to the query string,
the sort (``tri``) and the page (``page``, ``taille``) read from the same URL, the « Filtres actifs »
line, and the XLSX/CSV exports. A wrong value is a French message on its field (422), never a 500.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.http import HttpResponse, QueryDict
from django.utils import timezone

from common.downloads import stream_response
from common.errors import InvalidInput, NotFound
from common.paging import Page, PageRequest
from documents.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream, xlsx_stream
from portal.forms import DateFiltre, PortalForm, apply_problems
from portal.templatetags.portail import date_fr
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
        """``page`` and ``taille`` from the query string (one rule for every list: :func:`page_request`)."""
        return page_request(self.data)

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
    return DateFiltre(label=label)


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


# Problems of the list's own parameters (sort, page) are shown above the form.
NON_FIELD = "__all__"


def filter_labels(form: forms.Form) -> list[tuple[str, str]]:
    """(label, value) of every filter the URL sets, for the « Filtres actifs » line."""
    cleaned = getattr(form, "cleaned_data", {})
    result = []
    for name, field in form.fields.items():
        values = [v for v in form.data.getlist(name) if v]
        if not values:
            continue
        if isinstance(field, forms.ChoiceField):
            labels = dict(field.choices)
            text = ", ".join(str(labels.get(v, v)) for v in values)
        elif isinstance(cleaned.get(name), date):
            text = date_fr(cleaned[name])
        else:
            text = values[0]
        result.append((str(field.label), text))
    return result


def page_request(params: QueryDict) -> PageRequest:
    """``?page=`` and ``?taille=`` as a :class:`PageRequest`; text that is no number is a French problem."""
    problems, values = [], {}
    for key, default, label in (("page", 1, "Le numéro de page"), ("taille", 10, "Le nombre de lignes par page")):
        text = (params.get(key) or "").strip()
        if not text:
            values[key] = default
        elif text.isdigit() and len(text) <= 6:
            values[key] = int(text)
        else:
            problems.append(Problem(key, f"{label} doit être un nombre entier."))
    if problems:
        raise InvalidInput(problems)
    request = PageRequest(page=values["page"], taille=values["taille"])
    request.bounds()  # raises the selector's own French problems (page ≥ 1, 1 ≤ taille ≤ 100)
    return request


def empty_page(params: QueryDict) -> Page:
    taille = params.get("taille", "")
    return Page(items=[], total=0, page=1, taille=int(taille) if taille.isdigit() and 0 < int(taille) <= 100 else 10)


def list_aliases(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"tri": NON_FIELD, "page": NON_FIELD, "taille": NON_FIELD, "vue": NON_FIELD, **(extra or {})}


def kept_params(params: QueryDict, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """Parameters the filter form carries along as hidden inputs (sort, page size, view)."""
    return [(k, v) for k in names for v in params.getlist(k) if v]
