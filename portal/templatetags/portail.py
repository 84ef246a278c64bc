"""Filters and tags of the portal's templates: French dates and amounts, état badges, sortable
column headers, query strings and pagination."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html

from documents.formats import format_date_long, format_montant, normalize_spaces
from rules.lifecycles import EtatDossier, EtatFacture

register = template.Library()


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@register.filter
def date_fr(value) -> str:
    """« 10 juillet 2026 » (« 1er » for the first of the month, Europe/Paris); empty when there is no date."""
    return format_date_long(_as_date(value))


@register.filter
def datetime_fr(value) -> str:
    """« 10 juillet 2026 à 11 h 27 » (Europe/Paris)."""
    if not isinstance(value, datetime):
        return date_fr(value)
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{date_fr(local)} à {local.hour} h {local.minute:02d}"


@register.filter
def iso(value) -> str:
    day = _as_date(value)
    return day.isoformat() if day else ""


@register.filter
def euros(value) -> str:
    """« 6 795,83 € » as the documents write it, with plain spaces: the ``montant`` class keeps it on one
    line (so that a reader's search for « 6 795,83 € » finds it); ``""`` when there is no amount."""
    return normalize_spaces(format_montant(value))


_ETAT_CLASSES = {
    EtatDossier.BROUILLON: "neutre",
    EtatDossier.TRANSMIS: "info",
    EtatDossier.EN_COURS: "info",
    EtatDossier.EN_ATTENTE_PIECES: "alerte",
    EtatDossier.ACCORDE: "succes",
    EtatDossier.AVENANT_EN_COURS: "info",
    EtatDossier.REMPLACE: "neutre",
    EtatDossier.REFUSE: "danger",
    EtatDossier.ANNULE: "neutre",
    EtatDossier.RUPTURE: "alerte",
    EtatDossier.SOLDE: "neutre",
    EtatFacture.DEPOSEE: "info",
    EtatFacture.EN_COURS: "info",
    EtatFacture.EN_ATTENTE_PIECES: "alerte",
    EtatFacture.VALIDEE: "succes",
    EtatFacture.PAYEE: "succes",
    EtatFacture.REJETEE: "danger",
}


def _etat_label(code: str, kind: str) -> str:
    enum = EtatFacture if kind == "facture" else EtatDossier
    try:
        return enum(code).label
    except ValueError:
        return code


@register.simple_tag
def etat(code: str, kind: str = "dossier") -> str:
    """The état as a badge: a coloured dot *and* its label (never colour alone)."""
    label = _etat_label(code, kind)
    css = _ETAT_CLASSES.get(code, "neutre")
    return format_html(
        '<span class="etat etat-{}"><span class="pastille" aria-hidden="true"></span>{}</span>', css, label
    )


@register.filter
def etat_libelle(code: str, kind: str = "dossier") -> str:
    return _etat_label(code, kind)


@register.simple_tag(takes_context=True)
def qs(context, **changes) -> str:
    """The current query string with ``changes`` applied (``None`` or "" removes a key), as ``?a=1&b=2``."""
    request = context["request"]
    params: QueryDict = request.GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.inclusion_tag("portal/_tri.html", takes_context=True)
def tri(context, column: str, label: str, default: str = ""):
    """A sortable column header: a link that sorts on ``column`` (then reverses), with ``aria-sort``."""
    request = context["request"]
    current = request.GET.get("tri") or default
    key = current.lstrip("-")
    descending = current.startswith("-")
    active = key == column
    target = f"-{column}" if active and not descending else column
    params = request.GET.copy()
    params["tri"] = target
    params.pop("page", None)
    return {
        "label": label,
        "href": "?" + params.urlencode(),
        "aria_sort": ("descending" if descending else "ascending") if active else "none",
        "active": active,
        "descending": descending,
    }


PAGE_SIZES = (10, 25, 50, 100)


@register.inclusion_tag("portal/_pagination.html", takes_context=True)
def pagination(context, page, label: str = "éléments"):
    """« Lignes par page » and « 1-10 sur 42 » with previous/next links, keeping filters and sort."""
    request = context["request"]
    first = 0 if page.total == 0 else (page.page - 1) * page.taille + 1
    last = min(page.page * page.taille, page.total)

    def link(number: int) -> str:
        params = request.GET.copy()
        params["page"] = str(number)
        return "?" + params.urlencode()

    kept = [(k, v) for k, values in request.GET.lists() for v in values if k not in {"page", "taille"}]
    return {
        "page": page,
        "first": first,
        "last": last,
        "label": label,
        "previous": link(page.page - 1) if page.page > 1 else None,
        "next": link(page.page + 1) if page.page < page.pages else None,
        "sizes": PAGE_SIZES,
        "kept": kept,
    }


# --- Financing of apprenticeship contracts -----------------------------------------------------------

_STATUT_ECHEANCE_CLASSES = {
    "payee": "succes",
    "en_instruction": "info",
    "partiellement_payee": "alerte",
    "a_facturer": "alerte",
    "a_venir": "neutre",
    "annulee": "neutre",
}


@register.filter
def nature_financement(code: str) -> str:
    """The label of a nature of the accord de financement (« NPEC total », « Hébergement »…)."""
    from cases.models import NatureFinancement

    return dict(NatureFinancement.choices).get(code, code)


@register.simple_tag
def statut_echeance(statut) -> str:
    """An échéance's statut as a badge: a dot *and* its label (never colour alone)."""
    css = _STATUT_ECHEANCE_CLASSES.get(getattr(statut, "value", statut), "neutre")
    return format_html(
        '<span class="etat etat-{}"><span class="pastille" aria-hidden="true"></span>{}</span>',
        css,
        getattr(statut, "label", statut),
    )


@register.filter
def montant_saisi(value) -> str:
    """An amount as a French user types it in a field: « 3 600,00 » (no currency sign)."""
    return euros(value).replace(" €", "")
