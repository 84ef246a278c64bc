"""Factures: list, change page with transition buttons, and règlement of validated factures."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.admin.base import NumberSearchMixin, OpcoAccessMixin, admin_link, is_opco_staff, opco_actor, titled
from cases.admin.inlines import FactureCourrierInline, FactureJournalInline, FactureLigneInline, FacturePieceInline
from cases.admin.transitions import FACTURE_TRANSITIONS, TransitionAdminMixin
from cases.models import Facture, LigneReglement, ModeReglement
from cases.permissions import actions_on_facture, ensure_facture_action
from common.errors import DomainError, InvalidInput
from rules.lifecycles import ETAT_FACTURE_LABELS, FACTURE_LIFECYCLE, EtatFacture
from rules.verdicts import Problem

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
    inlines = (FactureLigneInline, FacturePieceInline, FactureCourrierInline, FactureJournalInline)

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
