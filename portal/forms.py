"""Form helpers: the services' verdicts shown on the fields the user typed in.

Portal forms only parse and keep what was typed; the rules live in the services. When a service
answers :class:`~common.errors.InvalidInput`, :func:`apply_problems` puts each French message on
its field (``FIELD_ALIASES`` maps a service's field path to the form's field), the rest on the
form itself — the user's input is kept and re-rendered.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django import forms
from django.forms.renderers import DjangoTemplates

from rules.verdicts import Problem


class PortalFormRenderer(DjangoTemplates):
    """Every form field as label, help, error (announced, linked by ``aria-describedby``), widget."""

    form_template_name = "portal/forms/form.html"
    field_template_name = "portal/forms/field.html"


class PortalForm(forms.Form):
    """A form whose fields carry ``aria-describedby`` links to their help and error texts."""

    required_css_class = "requis"
    error_css_class = "en-erreur"
    # Service field path → form field name, where they differ.
    field_aliases: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def apply_problems(form: forms.Form, problems: Iterable[Problem], *, aliases: dict[str, str] | None = None) -> None:
    """Attach each problem to its field (or to the form when no field matches), keeping the input."""
    aliases = {**getattr(form, "field_aliases", {}), **(aliases or {})}
    for problem in problems:
        name = aliases.get(problem.field, problem.field)
        base = name.split("[")[0].split(".")[0]
        if name in form.fields:
            form.add_error(name, problem.message)
        elif base in form.fields:
            form.add_error(base, problem.message)
        else:
            form.add_error(None, problem.message)


# --- Fields shared by the screens ----------------------------------------------------------


class RequiredByService:
    """A field shown as required (asterisk, ``required``/``aria-required``) whose emptiness is judged by
    the service — one French message, from one place — rather than by the form."""

    def validate(self, value):
        required, self.required = self.required, False
        try:
            super().validate(value)
        finally:
            self.required = required


class DateWidget(forms.DateInput):
    """A date picker; what was typed and is no date stays a text box, so that nothing is lost."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, str) and value:
            try:
                date.fromisoformat(value)
            except ValueError:
                context["widget"]["type"] = "text"
        return context


class DateParsed(RequiredByService, forms.DateField):
    """A date typed as ``jj/mm/aaaa`` or sent by a date picker (``aaaa-mm-jj``)."""

    widget = DateWidget
    input_formats = ["%Y-%m-%d", "%d/%m/%Y"]
    default_error_messages = {"invalid": "Saisissez une date valide (jj/mm/aaaa)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(input_formats=self.input_formats, **kwargs)


class DateFiltre(forms.DateField):
    widget = DateWidget
    default_error_messages = {"invalid": "Saisissez une date valide (jj/mm/aaaa)."}

    def __init__(self, **kwargs):
        super().__init__(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)
