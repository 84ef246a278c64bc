"""Dossiers: list, change page with transition buttons, and registration of a dossier deposited by the entreprise."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminDateWidget, AutocompleteSelect
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django_fsm import ConcurrentTransition

from accounts.models import Etablissement
from cases import services
from cases.admin.base import (
    NumberSearchMixin,
    OpcoAccessMixin,
    admin_link,
    is_opco_staff,
    opco_actor,
    pretty_json,
    titled,
)
from cases.admin.inlines import (
    DossierCourrierInline,
    DossierFactureInline,
    DossierJournalInline,
    DossierPieceInline,
    EcheanceInline,
    LigneFinancementInline,
)
from cases.admin.transitions import DOSSIER_TRANSITIONS, TransitionAdminMixin, amount_field
from cases.models import Dossier, NatureFinancement
from cases.permissions import actions_on_dossier, ensure_dossier_action
from common.errors import DomainError, InvalidInput
from rules.lifecycles import (
    DEPOSITED_BY_OF,
    DOSSIER_LIFECYCLES,
    ETAT_DOSSIER_LABELS,
    FINAL_DOSSIER,
    Dispositif,
    EtatDossier,
)
from rules.motifs import MOTIFS_RUPTURE
from rules.verdicts import Problem

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
        EcheanceInline,
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
