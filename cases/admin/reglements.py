"""Règlements, their lines, and the lines of the accord de financement (read-only)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from cases.admin.base import NumberSearchMixin, ReadOnlyAdmin, admin_link, titled
from cases.admin.inlines import LigneReglementInline, ReglementCourrierInline
from cases.models import LigneFinancement, LigneReglement, Reglement

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
