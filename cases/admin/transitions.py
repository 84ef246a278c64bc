"""Transition buttons: the forms that ask what a transition needs, and the mixin that calls the service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from accounts.actors import Actor, Channel
from cases import services
from cases.admin.base import is_opco_staff, opco_actor, state_label
from cases.models import Dossier, NatureFinancement
from cases.services.dossiers import INITIATEURS_RUPTURE
from common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rules.motifs import MOTIFS_REFUS_DOSSIER, MOTIFS_REJET_FACTURE, MOTIFS_RUPTURE, PIECES_DOSSIER, PIECES_FACTURE
from rules.verdicts import Problem

# --- Transition forms ------------------------------------------------------------------------------


class TransitionForm(forms.Form):
    """Asks what a transition needs. The service decides: problems come back onto the fields."""

    required_css_class = "required"
    # Problem.field (or its prefix before ".") -> form field.
    problem_fields: dict[str, str] = {}

    def __init__(self, *args, obj, **kwargs) -> None:
        self.obj = obj
        super().__init__(*args, **kwargs)

    def form_field_for(self, problem_field: str) -> str | None:
        name = self.problem_fields.get(problem_field, problem_field)
        return name if name in self.fields else None

    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            field = self.form_field_for(problem.field)
            if field is not None and self.has_error(field):
                continue
            self.add_error(field, problem.message)


class ConfirmForm(TransitionForm):
    pass


def _choices(table: dict[str, str]) -> list[tuple[str, str]]:
    return list(table.items())


class DossierPiecesForm(TransitionForm):
    pieces = forms.MultipleChoiceField(
        label="Pièces attendues", choices=_choices(PIECES_DOSSIER), widget=forms.CheckboxSelectMultiple, required=False
    )
    commentaire = forms.CharField(
        label="Commentaire",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        help_text="Obligatoire lorsque « Autre pièce » est cochée ; repris dans le courrier.",
    )


class FacturePiecesForm(DossierPiecesForm):
    pieces = forms.MultipleChoiceField(
        label="Pièces attendues", choices=_choices(PIECES_FACTURE), widget=forms.CheckboxSelectMultiple, required=False
    )


class AmountField(forms.DecimalField):
    """A euro amount typed the French way: « 4 200,50 » (spaces as thousand separators)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = "".join(value.split()).replace("\u202f", "").replace("€", "")
        return super().to_python(value)


def amount_field(label: str, *, required: bool, initial=None) -> forms.DecimalField:
    return AmountField(
        label=label,
        required=required,
        initial=initial,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"size": 12, "inputmode": "decimal"}),
    )


class GrantForm(TransitionForm):
    """One amount taken in charge per line of the accord de financement, prefilled with the request."""

    numero_depot = forms.CharField(
        label="N° de dépôt (DECA)",
        max_length=15,
        required=False,
        help_text="15 caractères, ex. 092202611000123 ; nécessaire pour déposer un avenant ensuite.",
    )
    commentaire = forms.CharField(
        label="Commentaire", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), required=False
    )

    def __init__(self, *args, obj: Dossier, **kwargs) -> None:
        super().__init__(*args, obj=obj, **kwargs)
        lines = list(obj.financements.order_by("pk"))
        labels = dict(NatureFinancement.choices)
        amounts = {}
        if lines:
            for line in lines:
                amounts[f"montant_{line.nature}"] = amount_field(
                    f"{labels.get(line.nature, line.nature)} (demandé : {line.montant_demande} € HT)",
                    required=True,
                    initial=line.montant_pris_en_charge
                    if line.montant_pris_en_charge is not None
                    else line.montant_demande,
                )
        else:
            for nature, label in NatureFinancement.choices:
                amounts[f"montant_{nature}"] = amount_field(label, required=False)
        self.fields = {**amounts, **self.fields}

    def form_field_for(self, problem_field: str) -> str | None:
        if problem_field.startswith("montants_pris_en_charge."):
            name = "montant_" + problem_field.split(".", 1)[1]
            return name if name in self.fields else None
        return super().form_field_for(problem_field)

    def montants(self) -> dict[str, Decimal]:
        return {
            name.removeprefix("montant_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("montant_") and value is not None
        }


class RefuseForm(TransitionForm):
    motif = forms.ChoiceField(label="Motif du refus", choices=[("", "---------"), *_choices(MOTIFS_REFUS_DOSSIER)])
    explication = forms.CharField(
        label="Explication",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        help_text="Un refus doit être motivé : ce texte figure dans le courrier de refus.",
    )


class CancelForm(TransitionForm):
    motif = forms.CharField(
        label="Motif de l'annulation", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), required=False
    )


class RuptureForm(TransitionForm):
    date_rupture = forms.DateField(label="Date de rupture", widget=AdminDateWidget, required=False)
    motif = forms.ChoiceField(label="Motif de la rupture", choices=[("", "---------"), *_choices(MOTIFS_RUPTURE)])
    initiateur = forms.ChoiceField(
        label="À l'initiative de", choices=[("", "---------"), *INITIATEURS_RUPTURE.items()], required=False
    )
    formation_poursuivie = forms.NullBooleanField(
        label="L'apprenti poursuit sa formation au CFA",
        widget=forms.Select(choices=[("unknown", "---------"), ("true", "Oui"), ("false", "Non")]),
        required=False,
    )
    commentaire = forms.CharField(
        label="Commentaire", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), required=False
    )


class RejectForm(TransitionForm):
    motif = forms.ChoiceField(label="Motif du rejet", choices=[("", "---------"), *_choices(MOTIFS_REJET_FACTURE)])
    explication = forms.CharField(
        label="Explication",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        help_text="Un rejet doit être motivé : ce texte figure dans le courrier adressé à l'OF.",
    )


@dataclass(frozen=True)
class TransitionSpec:
    form_class: type[TransitionForm]
    # (actor, object id, form, now) -> the changed object; always a service of cases.services.
    run: Callable[[Actor, int, TransitionForm, object], object]
    intro: str = ""


def _data(form: TransitionForm, name: str, default=""):
    value = form.cleaned_data.get(name)
    return default if value is None else value


DOSSIER_TRANSITIONS: dict[str, TransitionSpec] = {
    "prendre_en_charge": TransitionSpec(
        ConfirmForm,
        lambda actor, pk, form, now: services.dossier_take_charge(actor=actor, dossier_id=pk, now=now),
        "Le dossier passe « En cours de traitement » : vous en commencez l'instruction.",
    ),
    "demander_pieces": TransitionSpec(
        DossierPiecesForm,
        lambda actor, pk, form, now: services.dossier_request_pieces(
            actor=actor,
            dossier_id=pk,
            pieces=list(_data(form, "pieces", [])),
            commentaire=_data(form, "commentaire"),
            now=now,
        ),
        "Un courrier de demande de pièces est adressé à l'organisme de formation et à l'entreprise.",
    ),
    "reprendre_instruction": TransitionSpec(
        ConfirmForm,
        lambda actor, pk, form, now: services.dossier_resume(actor=actor, dossier_id=pk, now=now),
        "Les pièces attendues ont été reçues : le dossier revient « En cours de traitement ».",
    ),
    "accorder": TransitionSpec(
        GrantForm,
        lambda actor, pk, form, now: services.dossier_grant(
            actor=actor,
            dossier_id=pk,
            montants_pris_en_charge=form.montants(),
            numero_depot=_data(form, "numero_depot"),
            commentaire=_data(form, "commentaire"),
            now=now,
        ),
        "Indiquez le montant pris en charge (HT) de chaque ligne de l'accord de financement.",
    ),
    "refuser": TransitionSpec(
        RefuseForm,
        lambda actor, pk, form, now: services.dossier_refuse(
            actor=actor, dossier_id=pk, motif=_data(form, "motif"), explication=_data(form, "explication"), now=now
        ),
        "Un courrier de refus est adressé à l'organisme de formation et à l'entreprise.",
    ),
    "annuler": TransitionSpec(
        CancelForm,
        lambda actor, pk, form, now: services.dossier_cancel(
            actor=actor, dossier_id=pk, motif=_data(form, "motif"), now=now
        ),
        "Un courrier d'annulation est adressé à l'organisme de formation et à l'entreprise.",
    ),
    "cloturer": TransitionSpec(
        ConfirmForm,
        lambda actor, pk, form, now: services.dossier_close(actor=actor, dossier_id=pk, now=now),
        "Le dossier est soldé : plus aucune facture n'y sera déposée.",
    ),
    "enregistrer_rupture": TransitionSpec(
        RuptureForm,
        lambda actor, pk, form, now: services.dossier_declare_rupture(
            actor=actor,
            dossier_id=pk,
            date_rupture=form.cleaned_data.get("date_rupture"),
            motif=_data(form, "motif"),
            initiateur=_data(form, "initiateur"),
            formation_poursuivie=form.cleaned_data.get("formation_poursuivie"),
            commentaire=_data(form, "commentaire"),
            now=now,
        ),
        "La rupture du contrat est enregistrée ; un courrier de prise en compte est émis.",
    ),
}

FACTURE_TRANSITIONS: dict[str, TransitionSpec] = {
    "instruire": TransitionSpec(
        ConfirmForm,
        lambda actor, pk, form, now: services.facture_instruct(actor=actor, facture_id=pk, now=now),
        "La facture passe « En cours de traitement ».",
    ),
    "demander_pieces": TransitionSpec(
        FacturePiecesForm,
        lambda actor, pk, form, now: services.facture_request_pieces(
            actor=actor,
            facture_id=pk,
            pieces=list(_data(form, "pieces", [])),
            commentaire=_data(form, "commentaire"),
            now=now,
        ),
        "Un courrier de demande de pièces est adressé à l'organisme de formation.",
    ),
    "reprendre_instruction": TransitionSpec(
        ConfirmForm,
        lambda actor, pk, form, now: services.facture_resume(actor=actor, facture_id=pk, now=now),
        "La facture revient « En cours de traitement ».",
    ),
    "valider": TransitionSpec(
        ConfirmForm,
        lambda actor, pk, form, now: services.facture_validate(actor=actor, facture_id=pk, now=now),
        "La facture validée pourra être payée par un règlement.",
    ),
    "rejeter": TransitionSpec(
        RejectForm,
        lambda actor, pk, form, now: services.facture_reject(
            actor=actor, facture_id=pk, motif=_data(form, "motif"), explication=_data(form, "explication"), now=now
        ),
        "Un courrier de rejet est adressé à l'organisme de formation.",
    ),
}


class TransitionAdminMixin:
    """Transition buttons on the change page, each leading to a form that calls the service."""

    transition_specs: dict[str, TransitionSpec] = {}

    # To define per model
    def allowed_actions(self, actor: Actor, obj) -> frozenset[str]:
        raise NotImplementedError

    def ensure_action(self, actor: Actor, obj, name: str) -> None:
        raise NotImplementedError

    def lifecycle_of(self, obj):
        raise NotImplementedError

    def state_labels(self) -> dict:
        raise NotImplementedError

    def describe(self, obj) -> str:
        return str(obj)

    # Machinery
    def transition_buttons(self, request, obj) -> list[dict]:
        if obj is None or not is_opco_staff(request.user):
            return []
        actor = Actor.for_user(request.user, channel=Channel.ADMIN)
        if not actor.is_opco:
            return []
        allowed = self.allowed_actions(actor, obj)
        opts = self.model._meta
        return [
            {
                "name": t.name,
                "label": t.label,
                "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_transition", args=[obj.pk, t.name]),
            }
            for t in self.lifecycle_of(obj)
            if t.name in allowed and t.name in self.transition_specs
        ]

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/transition/<str:name>/",
                self.admin_site.admin_view(self.transition_view),
                name=f"{opts.app_label}_{opts.model_name}_transition",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        extra_context["transition_buttons"] = self.transition_buttons(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _change_url(self, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def transition_view(self, request, object_id, name):
        actor = opco_actor(request)
        obj = self.get_object(request, unquote(object_id))
        spec = self.transition_specs.get(name)
        if obj is None or spec is None:
            raise Http404("Objet ou transition introuvable.")
        change_url = self._change_url(obj)
        try:
            self.ensure_action(actor, obj, name)
        except (Conflict, Forbidden) as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(change_url)
        label = next(t.label for t in self.lifecycle_of(obj) if t.name == name)

        form = spec.form_class(request.POST if request.method == "POST" else None, obj=obj)
        if request.method == "POST" and form.is_valid():
            try:
                changed = spec.run(actor, obj.pk, form, timezone.now())
            except InvalidInput as exc:
                form.add_problems(exc.problems)
            except NotFound as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist"))
            except DomainError as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(change_url)
            else:
                etat = state_label(self.state_labels(), changed.etat)
                messages.success(request, f"{label} : {self.describe(changed)} est désormais « {etat} ».")
                return HttpResponseRedirect(change_url)

        context = {
            **self.admin_site.each_context(request),
            "title": f"{label} — {self.describe(obj)}",
            "subtitle": None,
            "opts": self.model._meta,
            "original": obj,
            "form": form,
            "intro": spec.intro,
            "submit_label": label,
            "change_url": change_url,
            "has_view_permission": self.has_view_permission(request, obj),
            "media": self.media + form.media,
            "etat_label": state_label(self.state_labels(), obj.etat),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/transition_form.html", context)
