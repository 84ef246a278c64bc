"""The OPCO's back office: dossiers, factures, règlements, courriers, pièces, notifications and
the transition log.

States are never edited here: a state changes only through a transition button of a dossier or
facture change page, which opens a small form and calls the matching service (never the model's
transition method). Dossiers are created by :func:`cases.services.dossier_register` (the
"Enregistrer un dossier déposé par l'entreprise" page) and règlements by
:func:`cases.services.reglement_create` (an action on validated factures). The transition log,
the courriers, the pièces and the notifications are read-only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django_fsm import ConcurrentTransition

from accounts.actors import Actor, Channel
from accounts.models import Etablissement
from cases import services
from cases.models import (
    Compteur,
    Courrier,
    DigestEnvoi,
    Dossier,
    Facture,
    LigneFinancement,
    LigneReglement,
    ModeReglement,
    NatureFinancement,
    Notification,
    PieceJointe,
    RappelCle,
    ReferenceSmic,
    Reglement,
    TransitionLog,
)
from cases.permissions import actions_on_dossier, actions_on_facture, ensure_dossier_action, ensure_facture_action
from cases.services.dossiers import INITIATEURS_RUPTURE
from common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from rules.lifecycles import (
    DEPOSITED_BY_OF,
    DOSSIER_LIFECYCLES,
    ETAT_DOSSIER_LABELS,
    ETAT_FACTURE_LABELS,
    FACTURE_LIFECYCLE,
    FINAL_DOSSIER,
    Dispositif,
    EtatDossier,
    EtatFacture,
)
from rules.motifs import MOTIFS_REFUS_DOSSIER, MOTIFS_REJET_FACTURE, MOTIFS_RUPTURE, PIECES_DOSSIER, PIECES_FACTURE
from rules.verdicts import Problem

# --- Access ------------------------------------------------------------------------------------


def is_opco_staff(user) -> bool:
    """An active back-office user who instructs for the OPCO (superusers are created as such)."""
    return bool(user.is_active and user.is_staff and getattr(user, "is_opco_gestionnaire", False))


def opco_actor(request) -> Actor:
    """The admin user as a domain actor; the back office's writes are reserved to the OPCO (403)."""
    actor = Actor.for_user(request.user, channel=Channel.ADMIN)
    if not actor.is_opco:
        raise PermissionDenied("Action réservée aux gestionnaires de l'OPCO.")
    return actor


class OpcoAccessMixin:
    """OPCO gestionnaires see every object without per-model permissions; nothing is deleted here."""

    opco_may_change = False

    def has_module_permission(self, request):
        return is_opco_staff(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (self.opco_may_change and is_opco_staff(request.user)) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """Written only by services and flows: shown, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if self.fields:
            return self.fields
        return [f.name for f in self.model._meta.fields if f.name != "id"] + list(self.readonly_fields)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_view_permission(request, obj)


# --- Display helpers -----------------------------------------------------------------------------


def admin_link(obj, text=None) -> str:
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))


def pretty_json(value) -> str:
    if not value:
        return "—"
    return format_html(
        '<pre style="white-space: pre-wrap; margin: 0">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False)
    )


def state_label(labels: dict, value: str) -> str:
    return labels.get(value, value) if value else "—"


def titled(filter_class, title: str):
    """A list filter on a related field, with a title that says which object it is about."""

    class TitledFilter(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


_REFERENCE = re.compile(r"(\d{1,10})(?:\.(\d{1,4}))?")


class NumberSearchMixin:
    """Searching "3866466.1" or "3866466" finds the dossier (or its factures) by reference."""

    dossier_number_path = "numero"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = _REFERENCE.fullmatch(search_term.strip())
        if match:
            numero, version = match.groups()
            lookup = {self.dossier_number_path: int(numero)}
            if version:
                lookup[self.dossier_number_path.removesuffix("numero") + "version"] = int(version)
            results = results | queryset.filter(**lookup)
        return results, may_have_duplicates


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


# --- Registration of a dossier deposited by the entreprise -------------------------------------------


class RegisterDossierForm(forms.Form):
    required_css_class = "required"

    dispositif = forms.ChoiceField(
        label="Dispositif",
        choices=[("", "---------")] + [(d.value, d.label) for d in Dispositif if d not in DEPOSITED_BY_OF],
    )
    numero_depot = forms.CharField(label="N° de dépôt", max_length=20, required=False)
    of_etablissement = forms.ModelChoiceField(
        label="Organisme de formation", queryset=Etablissement.objects.filter(est_organisme_formation=True)
    )
    entreprise = forms.ModelChoiceField(label="Entreprise", queryset=Etablissement.objects.filter(est_entreprise=True))
    subroge = forms.BooleanField(
        label="Subrogé",
        required=False,
        help_text="L'entreprise a subrogé l'organisme de formation : l'OPCO paie directement ses factures.",
    )
    salarie_nom = forms.CharField(label="Nom du salarié", max_length=80, required=False)
    salarie_prenom = forms.CharField(label="Prénom du salarié", max_length=80, required=False)
    salarie_date_naissance = forms.DateField(label="Date de naissance", widget=AdminDateWidget, required=False)
    formation_intitule = forms.CharField(label="Intitulé de la formation", max_length=255, required=False)
    formation_rncp = forms.CharField(label="Code RNCP", max_length=12, required=False)
    formation_date_debut = forms.DateField(label="Début de la formation", widget=AdminDateWidget, required=False)
    formation_date_fin = forms.DateField(label="Fin de la formation", widget=AdminDateWidget, required=False)
    contrat_date_debut = forms.DateField(label="Début du contrat", widget=AdminDateWidget, required=False)
    contrat_date_fin = forms.DateField(label="Fin du contrat", widget=AdminDateWidget, required=False)

    def __init__(self, *args, admin_site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("of_etablissement", "entreprise"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(Dossier._meta.get_field(name), admin_site)
            field.widget.choices = field.choices
            field.widget.is_required = field.required
        for nature, label in NatureFinancement.choices:
            self.fields[f"montant_{nature}"] = amount_field(f"{label} — montant demandé HT", required=False)

    @property
    def amount_fields(self):
        return [self[name] for name in self.fields if name.startswith("montant_")]

    @property
    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith("montant_")]

    def clean(self):
        cleaned = super().clean()
        for prefix, what in (("formation", "formation"), ("contrat", "contrat")):
            debut, fin = cleaned.get(f"{prefix}_date_debut"), cleaned.get(f"{prefix}_date_fin")
            if debut and fin and fin < debut:
                self.add_error(f"{prefix}_date_fin", f"La fin du {what} précède son début.")
        if not self.financements():
            raise forms.ValidationError("Indiquez au moins un montant demandé.")
        return cleaned

    def financements(self) -> dict[str, Decimal]:
        return {
            name.removeprefix("montant_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("montant_") and value is not None
        }

    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            field = problem.field
            if field.startswith("financements."):
                field = "montant_" + field.split(".", 1)[1]
            self.add_error(field if field in self.fields and not self.has_error(field) else None, problem.message)


# --- Règlement of validated factures ---------------------------------------------------------------


class ReglementForm(forms.Form):
    required_css_class = "required"

    date_paiement = forms.DateField(label="Date de paiement", widget=AdminDateWidget)
    reference_virement = forms.CharField(label="Référence du virement", max_length=40)
    mode = forms.ChoiceField(label="Mode de règlement", choices=ModeReglement.choices, initial=ModeReglement.VIREMENT)

    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            field = problem.field if problem.field in self.fields else None
            if field is None or not self.has_error(field):
                self.add_error(field, problem.message)


# --- Inlines ---------------------------------------------------------------------------------------


class LigneFinancementInline(ReadOnlyInline):
    model = LigneFinancement
    fields = ("nature", "montant_demande", "montant_pris_en_charge")
    verbose_name_plural = "accord de financement"


class DossierPieceInline(ReadOnlyInline):
    model = PieceJointe
    fk_name = "dossier"
    fields = ("nom", "fichier", "taille", "content_type", "uploaded_at", "uploaded_by")
    ordering = ("-uploaded_at",)
    verbose_name_plural = "pièces jointes"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


class FacturePieceInline(DossierPieceInline):
    fk_name = "facture"


class CourrierInline(ReadOnlyInline):
    model = Courrier
    fields = ("type", "destinataire", "destinataire_etablissement", "statut", "created_at", "emis_at", "fichier")
    ordering = ("-created_at",)
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("destinataire_etablissement", "dossier", "facture", "reglement")
        )


class DossierCourrierInline(CourrierInline):
    fk_name = "dossier"


class FactureCourrierInline(CourrierInline):
    fk_name = "facture"


class ReglementCourrierInline(CourrierInline):
    fk_name = "reglement"


class JournalInline(ReadOnlyInline):
    model = TransitionLog
    fields = ("created_at", "transition", "de", "vers", "actor_label", "channel", "reason")
    ordering = ("created_at", "pk")
    verbose_name_plural = "journal des transitions"
    labels: dict = {}

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description="de")
    def de(self, obj: TransitionLog) -> str:
        return state_label(self.labels, obj.source)

    @admin.display(description="vers")
    def vers(self, obj: TransitionLog) -> str:
        return state_label(self.labels, obj.target)


class DossierJournalInline(JournalInline):
    fk_name = "dossier"
    labels = ETAT_DOSSIER_LABELS


class FactureJournalInline(JournalInline):
    fk_name = "facture"
    labels = ETAT_FACTURE_LABELS


class DossierFactureInline(ReadOnlyInline):
    model = Facture
    fk_name = "dossier"
    fields = ("numero", "reference", "date_facture", "montant_ht", "montant_ttc", "etat", "deposited_at")
    ordering = ("-deposited_at",)
    show_change_link = True


class LigneReglementInline(ReadOnlyInline):
    model = LigneReglement
    fields = ("facture_link", "reference_facture", "dossier_link", "montant_ttc")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("facture", "dossier")

    @admin.display(description="facture")
    def facture_link(self, obj: LigneReglement) -> str:
        return admin_link(obj.facture, obj.facture.numero)

    @admin.display(description="référence de la facture")
    def reference_facture(self, obj: LigneReglement) -> str:
        return obj.facture.reference

    @admin.display(description="dossier")
    def dossier_link(self, obj: LigneReglement) -> str:
        return admin_link(obj.dossier, obj.dossier.reference)


# --- Dossiers --------------------------------------------------------------------------------------

_DOSSIER_DESCRIPTIVE = (
    "salarie_nom",
    "salarie_prenom",
    "salarie_date_naissance",
    "formation_intitule",
    "formation_rncp",
    "formation_date_debut",
    "formation_date_fin",
    "contrat_date_debut",
    "contrat_date_fin",
)


@admin.register(Dossier)
class DossierAdmin(TransitionAdminMixin, NumberSearchMixin, OpcoAccessMixin, admin.ModelAdmin):
    opco_may_change = True
    transition_specs = DOSSIER_TRANSITIONS
    change_list_template = "admin/cases/dossier/change_list.html"
    change_form_template = "admin/cases/dossier/change_form.html"

    list_display = (
        "reference",
        "dispositif",
        "etat",
        "subroge",
        "of_etablissement",
        "entreprise",
        "salarie",
        "transmitted_at",
        "updated_at",
    )
    list_filter = (
        "dispositif",
        "etat",
        "subroge",
        ("of_etablissement__actif", titled(admin.BooleanFieldListFilter, "organisme de formation actif")),
        ("transmitted_at", admin.DateFieldListFilter),
    )
    list_select_related = ("of_etablissement", "entreprise")
    search_fields = (
        "numero__exact",
        "numero_depot",
        "salarie_nom",
        "salarie_prenom",
        "formation_intitule",
        "of_etablissement__siret",
        "of_etablissement__raison_sociale",
        "entreprise__siret",
        "entreprise__raison_sociale",
    )
    search_help_text = (
        "N° de dossier (3866466.1), salarié, formation, SIRET ou raison sociale de l'OF ou de l'entreprise."
    )
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    list_per_page = 50
    fieldsets = (
        (None, {"fields": (("reference", "dispositif"), "etat", "subroge", "numero_depot", "versions")}),
        ("Organisme de formation et entreprise", {"fields": ("of_etablissement", "entreprise")}),
        ("Salarié", {"fields": ("salarie_nom", "salarie_prenom", "salarie_date_naissance")}),
        (
            "Formation",
            {"fields": ("formation_intitule", "formation_rncp", ("formation_date_debut", "formation_date_fin"))},
        ),
        ("Contrat", {"fields": (("contrat_date_debut", "contrat_date_fin"),)}),
        ("Rupture", {"fields": ("date_rupture", "motif_rupture_libelle")}),
        ("Note interne", {"fields": ("commentaire",)}),
        ("Données du dispositif (CERFA)", {"classes": ("collapse",), "fields": ("donnees_formatees",)}),
        ("Chronologie", {"fields": ("created_at", "created_by", "transmitted_at", "decided_at", "updated_at")}),
    )
    base_readonly_fields = (
        "reference",
        "dispositif",
        "etat",
        "subroge",
        "versions",
        "of_etablissement",
        "entreprise",
        "date_rupture",
        "motif_rupture_libelle",
        "donnees_formatees",
        "created_at",
        "created_by",
        "transmitted_at",
        "decided_at",
        "updated_at",
    )
    inlines = (
        LigneFinancementInline,
        DossierFactureInline,
        DossierPieceInline,
        DossierCourrierInline,
        DossierJournalInline,
    )

    # Transitions
    def allowed_actions(self, actor, obj):
        return actions_on_dossier(actor, obj)

    def ensure_action(self, actor, obj, name):
        ensure_dossier_action(actor, obj, name)

    def lifecycle_of(self, obj):
        return DOSSIER_LIFECYCLES[Dispositif(obj.dispositif)]

    def state_labels(self):
        return ETAT_DOSSIER_LABELS

    def describe(self, obj: Dossier) -> str:
        return f"le dossier {obj.reference}"

    # Columns and read-only fields
    @admin.display(description="n° du dossier", ordering="numero")
    def reference(self, obj: Dossier) -> str:
        return obj.reference

    @admin.display(description="salarié", ordering="salarie_nom")
    def salarie(self, obj: Dossier) -> str:
        return f"{obj.salarie_nom} {obj.salarie_prenom}".strip() or "—"

    @admin.display(description="versions")
    def versions(self, obj: Dossier) -> str:
        parts = []
        if obj.version_precedente_id:
            previous = obj.version_precedente
            parts.append(format_html("Remplace {}", admin_link(previous, previous.reference)))
        avenant = Dossier.objects.filter(version_precedente_id=obj.pk).first()
        if avenant is not None:
            parts.append(format_html("Avenant : {}", admin_link(avenant, avenant.reference)))
        return format_html_join(" — ", "{}", ((p,) for p in parts)) if parts else "—"

    @admin.display(description="motif de rupture")
    def motif_rupture_libelle(self, obj: Dossier) -> str:
        if not obj.motif_rupture:
            return "—"
        return f"{obj.motif_rupture} — {MOTIFS_RUPTURE.get(obj.motif_rupture, '')}".rstrip(" —")

    @admin.display(description="données du dispositif")
    def donnees_formatees(self, obj: Dossier) -> str:
        return pretty_json(obj.donnees)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.base_readonly_fields)
        # The CERFA's synthesis fields belong to the OF (apprentissage); a closed dossier is frozen.
        if obj is not None and (obj.dispositif in DEPOSITED_BY_OF or obj.etat in FINAL_DOSSIER):
            fields += [*_DOSSIER_DESCRIPTIVE, "numero_depot"]
        return fields

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ConcurrentTransition:
            messages.error(
                request, "Ce dossier vient d'être modifié par quelqu'un d'autre : rechargez-le puis réessayez."
            )
            return HttpResponseRedirect(request.get_full_path())

    # Creation only through dossier_register
    def has_add_permission(self, request):
        return is_opco_staff(request.user)

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:cases_dossier_register"))

    def get_urls(self):
        return [
            path("enregistrer/", self.admin_site.admin_view(self.register_view), name="cases_dossier_register"),
            *super().get_urls(),
        ]

    def register_view(self, request):
        actor = opco_actor(request)
        data = request.POST if request.method == "POST" else None
        form = RegisterDossierForm(data, admin_site=self.admin_site, initial={"subroge": True})
        if request.method == "POST" and form.is_valid():
            cd = form.cleaned_data
            try:
                dossier = services.dossier_register(
                    actor=actor,
                    dispositif=cd["dispositif"],
                    of_etablissement_id=cd["of_etablissement"].pk,
                    entreprise_id=cd["entreprise"].pk,
                    subroge=cd["subroge"],
                    salarie={
                        "nom": cd["salarie_nom"],
                        "prenom": cd["salarie_prenom"],
                        "date_naissance": cd["salarie_date_naissance"],
                    },
                    formation={
                        "intitule": cd["formation_intitule"],
                        "rncp": cd["formation_rncp"],
                        "date_debut": cd["formation_date_debut"],
                        "date_fin": cd["formation_date_fin"],
                    },
                    contrat={"date_debut": cd["contrat_date_debut"], "date_fin": cd["contrat_date_fin"]},
                    financements=form.financements(),
                    numero_depot=cd["numero_depot"],
                    now=timezone.now(),
                )
            except InvalidInput as exc:
                form.add_problems(exc.problems)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    f"Le dossier {dossier.reference} ({Dispositif(dossier.dispositif).label}) est enregistré "
                    f"à l'état « {EtatDossier(dossier.etat).label} ».",
                )
                return HttpResponseRedirect(reverse("admin:cases_dossier_change", args=[dossier.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Enregistrer un dossier déposé par l'entreprise",
            "subtitle": None,
            "opts": self.model._meta,
            "form": form,
            "has_view_permission": self.has_view_permission(request),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/dossier/register.html", context)


# --- Factures --------------------------------------------------------------------------------------


class EstRegleeFilter(admin.SimpleListFilter):
    title = "règlement"
    parameter_name = "reglee"

    def lookups(self, request, model_admin):
        return [("oui", "Réglée"), ("non", "Non réglée")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(ligne_reglement__isnull=False)
        if self.value() == "non":
            return queryset.filter(ligne_reglement__isnull=True)
        return queryset


@admin.register(Facture)
class FactureAdmin(TransitionAdminMixin, NumberSearchMixin, OpcoAccessMixin, admin.ModelAdmin):
    """Read-only fields: a facture changes only through its transitions and its règlement."""

    transition_specs = FACTURE_TRANSITIONS
    dossier_number_path = "dossier__numero"
    change_form_template = "admin/cases/facture/change_form.html"
    actions = ("creer_reglement",)

    list_display = (
        "numero",
        "reference",
        "emetteur",
        "dossier_link",
        "date_facture",
        "montant_ht",
        "montant_ttc",
        "etat",
        "deposited_at",
        "reglement_link",
    )
    list_display_links = ("numero", "reference")
    list_filter = (
        "etat",
        EstRegleeFilter,
        "dossier__dispositif",
        "dossier__subroge",
        ("emetteur__actif", titled(admin.BooleanFieldListFilter, "émetteur actif")),
    )
    list_select_related = ("emetteur", "dossier", "ligne_reglement__reglement")
    search_fields = (
        "numero__exact",
        "reference",
        "emetteur__siret",
        "emetteur__raison_sociale",
        "dossier__salarie_nom",
        "dossier__salarie_prenom",
    )
    search_help_text = "N° ou référence de facture, n° de dossier, SIRET ou raison sociale de l'émetteur, salarié."
    ordering = ("-deposited_at",)
    date_hierarchy = "deposited_at"
    list_per_page = 50
    fieldsets = (
        (None, {"fields": (("numero", "reference"), "etat", "motif_rejet", "reglement_link")}),
        ("Dossier et émetteur", {"fields": ("dossier_link", "emetteur")}),
        ("Montants", {"fields": ("date_facture", ("montant_ht", "montant_ttc"), "fichier", "commentaire")}),
        ("Chronologie", {"fields": ("deposited_at", "deposited_by", "updated_at")}),
    )
    readonly_fields = (
        "numero",
        "reference",
        "etat",
        "motif_rejet",
        "reglement_link",
        "dossier_link",
        "emetteur",
        "date_facture",
        "montant_ht",
        "montant_ttc",
        "fichier",
        "commentaire",
        "deposited_at",
        "deposited_by",
        "updated_at",
    )
    inlines = (FacturePieceInline, FactureCourrierInline, FactureJournalInline)

    # Transitions
    def allowed_actions(self, actor, obj):
        return actions_on_facture(actor, obj)

    def ensure_action(self, actor, obj, name):
        ensure_facture_action(actor, obj, name)

    def lifecycle_of(self, obj):
        return FACTURE_LIFECYCLE

    def state_labels(self):
        return ETAT_FACTURE_LABELS

    def describe(self, obj: Facture) -> str:
        return f"la facture {obj.numero}"

    # Columns
    @admin.display(description="dossier", ordering="dossier__numero")
    def dossier_link(self, obj: Facture) -> str:
        return admin_link(obj.dossier, obj.dossier.reference)

    @admin.display(description="règlement")
    def reglement_link(self, obj: Facture) -> str:
        try:
            reglement = obj.ligne_reglement.reglement
        except LigneReglement.DoesNotExist:
            return "—"
        return admin_link(reglement, reglement.numero)

    def get_queryset(self, request):
        # (The changelist ignores list_select_related once the queryset has a select_related.)
        return (
            super()
            .get_queryset(request)
            .select_related("dossier", "emetteur", "deposited_by", "ligne_reglement__reglement")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Règlement
    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_opco_staff(request.user):
            actions.pop("creer_reglement", None)
        return actions

    @admin.action(description="Créer un règlement pour les factures validées sélectionnées")
    def creer_reglement(self, request, queryset):
        actor = opco_actor(request)
        factures = list(queryset.select_related("emetteur", "dossier").order_by("numero"))
        not_valid = [str(f.numero) for f in factures if f.etat != EtatFacture.VALIDEE]
        if not_valid:
            messages.error(
                request, f"Seules les factures validées peuvent être réglées (factures {', '.join(not_valid)})."
            )
            return None
        if len({f.emetteur_id for f in factures}) > 1:
            messages.error(request, "Un règlement ne paie qu'un seul bénéficiaire : sélectionnez les factures d'un OF.")
            return None
        form = ReglementForm(
            request.POST if "apply" in request.POST else None, initial={"date_paiement": timezone.localdate()}
        )
        if form.is_valid():
            try:
                reglement = services.reglement_create(
                    actor=actor,
                    facture_ids=[f.pk for f in factures],
                    date_paiement=form.cleaned_data["date_paiement"],
                    reference_virement=form.cleaned_data["reference_virement"],
                    mode=form.cleaned_data["mode"],
                    now=timezone.now(),
                )
            except InvalidInput as exc:
                form.add_problems(exc.problems)
            except DomainError as exc:
                messages.error(request, exc.message)
                return None
            else:
                messages.success(
                    request,
                    f"Règlement {reglement.numero} créé : {len(factures)} facture(s) payée(s) pour "
                    f"{reglement.montant_total_ttc} € TTC.",
                )
                return HttpResponseRedirect(reverse("admin:cases_reglement_change", args=[reglement.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "Créer un règlement",
            "subtitle": None,
            "opts": self.model._meta,
            "form": form,
            "factures": factures,
            "beneficiaire": factures[0].emetteur if factures else None,
            "total_ttc": sum((f.montant_ttc for f in factures), Decimal("0")),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/cases/facture/reglement_form.html", context)


# --- Règlements ----------------------------------------------------------------------------------


@admin.register(Reglement)
class ReglementAdmin(ReadOnlyAdmin):
    list_display = (
        "numero",
        "date_paiement",
        "beneficiaire",
        "montant_total_ttc",
        "nombre_factures",
        "mode",
        "reference_virement",
        "created_at",
    )
    list_filter = (
        "mode",
        ("date_paiement", admin.DateFieldListFilter),
        ("beneficiaire__actif", titled(admin.BooleanFieldListFilter, "bénéficiaire actif")),
    )
    list_select_related = ("beneficiaire", "created_by")
    search_fields = (
        "numero",
        "reference_virement",
        "beneficiaire__siret",
        "beneficiaire__raison_sociale",
        "lignes__facture__reference",
    )
    ordering = ("-date_paiement", "-numero")
    date_hierarchy = "date_paiement"
    fields = (
        "numero",
        "beneficiaire",
        "date_paiement",
        "mode",
        "reference_virement",
        "montant_total_ttc",
        "created_at",
        "created_by",
    )
    inlines = (LigneReglementInline, ReglementCourrierInline)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_factures=Count("lignes"))

    @admin.display(description="factures", ordering="_factures")
    def nombre_factures(self, obj: Reglement) -> int:
        return obj._factures


@admin.register(LigneReglement)
class LigneReglementAdmin(ReadOnlyAdmin):
    list_display = ("reglement", "facture", "dossier_reference", "montant_ttc")
    list_select_related = ("reglement", "facture", "dossier")
    search_fields = ("reglement__numero", "facture__reference", "facture__numero__exact", "dossier__numero__exact")
    fields = ("reglement", "facture", "dossier", "montant_ttc")
    ordering = ("-pk",)

    @admin.display(description="dossier", ordering="dossier__numero")
    def dossier_reference(self, obj: LigneReglement) -> str:
        return obj.dossier.reference


# --- Lines of the accord de financement ---------------------------------------------------------------


@admin.register(LigneFinancement)
class LigneFinancementAdmin(NumberSearchMixin, ReadOnlyAdmin):
    dossier_number_path = "dossier__numero"
    list_display = ("dossier_link", "dispositif", "nature", "montant_demande", "montant_pris_en_charge")
    list_filter = ("nature", "dossier__dispositif", "dossier__etat")
    list_select_related = ("dossier",)
    search_fields = ("dossier__numero__exact", "dossier__salarie_nom")
    fields = ("dossier_link", "nature", "montant_demande", "montant_pris_en_charge")
    ordering = ("-dossier__created_at", "pk")

    @admin.display(description="dossier", ordering="dossier__numero")
    def dossier_link(self, obj: LigneFinancement) -> str:
        return admin_link(obj.dossier, obj.dossier.reference)

    @admin.display(description="dispositif")
    def dispositif(self, obj: LigneFinancement) -> str:
        return obj.dossier.get_dispositif_display()


# --- Courriers, pièces, notifications, journal, compteurs ------------------------------------------------


@admin.register(Courrier)
class CourrierAdmin(ReadOnlyAdmin):
    list_display = (
        "nom",
        "type",
        "destinataire",
        "destinataire_etablissement",
        "statut",
        "tentatives",
        "created_at",
        "emis_at",
    )
    list_filter = ("statut", "type", "destinataire", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("destinataire_etablissement", "dossier", "facture", "reglement")
    search_fields = (
        "cle",
        "dossier__numero__exact",
        "facture__numero__exact",
        "facture__reference",
        "reglement__numero",
        "destinataire_etablissement__siret",
        "destinataire_etablissement__raison_sociale",
        "of_etablissement__siret",
        "of_etablissement__raison_sociale",
    )
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "type",
        "destinataire",
        "destinataire_etablissement",
        "of_etablissement",
        "objet",
        "statut",
        "tentatives",
        "erreur",
        "fichier",
        "contexte_formate",
        "cle",
        "created_at",
        "emis_at",
    )

    @admin.display(description="objet")
    def objet(self, obj: Courrier) -> str:
        if obj.dossier_id:
            return admin_link(obj.dossier, f"Dossier {obj.dossier.reference}")
        if obj.facture_id:
            return admin_link(obj.facture)
        return admin_link(obj.reglement)

    @admin.display(description="contenu")
    def contexte_formate(self, obj: Courrier) -> str:
        return pretty_json(obj.contexte)


@admin.register(PieceJointe)
class PieceJointeAdmin(ReadOnlyAdmin):
    list_display = ("nom", "objet", "taille", "content_type", "uploaded_at", "uploaded_by")
    list_filter = ("content_type", ("uploaded_at", admin.DateFieldListFilter))
    list_select_related = ("dossier", "facture", "uploaded_by")
    search_fields = (
        "nom",
        "dossier__numero__exact",
        "dossier__salarie_nom",
        "facture__numero__exact",
        "facture__reference",
    )
    ordering = ("-uploaded_at",)
    fields = ("nom", "objet", "fichier", "taille", "content_type", "uploaded_at", "uploaded_by")

    @admin.display(description="rattachée à")
    def objet(self, obj: PieceJointe) -> str:
        if obj.dossier_id:
            return admin_link(obj.dossier, f"Dossier {obj.dossier.reference}")
        return admin_link(obj.facture)


class LueFilter(admin.SimpleListFilter):
    title = "lecture"
    parameter_name = "lue"

    def lookups(self, request, model_admin):
        return [("oui", "Lue"), ("non", "Non lue"), ("supprimee", "Supprimée")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(read_at__isnull=False)
        if self.value() == "non":
            return queryset.filter(read_at__isnull=True, deleted_at__isnull=True)
        if self.value() == "supprimee":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "user", "courrier", "created_at", "read_at", "deleted_at")
    list_filter = (LueFilter, "courrier__type")
    list_select_related = (
        "user",
        "courrier",
        "courrier__dossier",
        "courrier__facture",
        "courrier__reglement",
    )
    search_fields = ("user__email", "user__nom", "courrier__dossier__numero__exact", "courrier__facture__reference")
    ordering = ("-created_at",)
    fields = ("user", "courrier", "created_at", "read_at", "deleted_at")


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "objet", "transition", "de", "vers", "actor_label", "channel")
    list_filter = ("channel", "transition", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("dossier", "facture", "actor_user", "actor_api_key")
    search_fields = (
        "dossier__numero__exact",
        "facture__numero__exact",
        "facture__reference",
        "actor_label",
        "actor_user__email",
        "reason",
    )
    ordering = ("-created_at", "-pk")
    date_hierarchy = "created_at"
    fields = (
        "objet",
        "transition",
        "de",
        "vers",
        "created_at",
        "actor_label",
        "actor_user",
        "actor_api_key",
        "channel",
        "reason",
        "details_formates",
    )

    @admin.display(description="objet")
    def objet(self, obj: TransitionLog) -> str:
        if obj.dossier_id:
            return admin_link(obj.dossier, f"Dossier {obj.dossier.reference}")
        return admin_link(obj.facture)

    def _labels(self, obj: TransitionLog) -> dict:
        return ETAT_DOSSIER_LABELS if obj.dossier_id else ETAT_FACTURE_LABELS

    @admin.display(description="de", ordering="source")
    def de(self, obj: TransitionLog) -> str:
        return state_label(self._labels(obj), obj.source)

    @admin.display(description="vers", ordering="target")
    def vers(self, obj: TransitionLog) -> str:
        return state_label(self._labels(obj), obj.target)

    @admin.display(description="détails")
    def details_formates(self, obj: TransitionLog) -> str:
        return pretty_json(obj.details)


@admin.register(ReferenceSmic)
class ReferenceSmicAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """The dated SMIC values used to compute and check the apprentices' minimum pay."""

    list_display = ("date_effet", "horaire", "mensuel", "horaire_mayotte", "mensuel_mayotte")
    ordering = ("-date_effet",)
    opco_may_change = True

    def has_add_permission(self, request):
        return is_opco_staff(request.user) or super().has_add_permission(request)


@admin.register(Compteur)
class CompteurAdmin(ReadOnlyAdmin):
    list_display = ("name", "value")
    fields = ("name", "value")
    ordering = ("name",)


@admin.register(DigestEnvoi)
class DigestEnvoiAdmin(ReadOnlyAdmin):
    list_display = ("periode", "user", "nombre", "borne", "sent_at")
    list_filter = (("periode", admin.DateFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__email", "user__nom")
    ordering = ("-periode", "user__email")
    date_hierarchy = "periode"
    fields = ("user", "periode", "borne", "nombre", "sent_at")


@admin.register(RappelCle)
class RappelCleAdmin(ReadOnlyAdmin):
    list_display = ("api_key", "etablissement", "palier", "destinataires", "sent_at")
    list_filter = ("palier",)
    list_select_related = ("api_key__etablissement",)
    search_fields = ("api_key__prefix", "api_key__etablissement__siret", "api_key__etablissement__raison_sociale")
    ordering = ("-sent_at",)
    fields = ("api_key", "etablissement", "palier", "destinataires", "sent_at")

    @admin.display(description="établissement")
    def etablissement(self, obj: RappelCle) -> str:
        return str(obj.api_key.etablissement)
