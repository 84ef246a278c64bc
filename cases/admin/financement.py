"""The financing of apprenticeship contracts: the NPEC referential and the amorçage levels (edited by the
OPCO's gestionnaires, like the SMIC), the échéances and the invoice lines (read-only: written by the
services on accord, avenant, rupture, deposit, rejection and payment)."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from cases.admin.base import NumberSearchMixin, OpcoAccessMixin, ReadOnlyAdmin, admin_link, is_opco_staff
from cases.models import Echeance, FactureLigne, ReferenceNpec, ReferenceNpecAmorcage
from rules.echeancier import NATURE_LABELS


@admin.register(ReferenceNpec)
class ReferenceNpecAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """The niveaux de prise en charge: certification (RNCP) × branch (IDCC) → annual amount, in force
    from/to. Imported by ``manage.py import_npec``; a gestionnaire corrects or adds a row here."""

    list_display = ("rncp", "idcc", "montant_annuel", "date_debut", "date_fin", "cpne", "intitule")
    list_filter = (("date_debut", admin.DateFieldListFilter),)
    search_fields = ("rncp", "idcc", "cpne_code", "cpne", "intitule")
    ordering = ("rncp", "idcc", "-date_debut")
    fields = (
        "rncp",
        "idcc",
        "montant_annuel",
        "date_debut",
        "date_fin",
        "cpne_code",
        "cpne",
        "intitule",
        "statut",
        "source",
    )
    readonly_fields = ("source",)
    opco_may_change = True
    list_per_page = 50

    def has_add_permission(self, request):
        return is_opco_staff(request.user) or super().has_add_permission(request)


@admin.register(ReferenceNpecAmorcage)
class ReferenceNpecAmorcageAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """The amorçage annual amount per certification level (when a pair has no NPEC)."""

    list_display = ("niveau", "montant_annuel", "date_debut", "date_fin")
    ordering = ("niveau", "-date_debut")
    opco_may_change = True

    def has_add_permission(self, request):
        return is_opco_staff(request.user) or super().has_add_permission(request)


@admin.register(Echeance)
class EcheanceAdmin(NumberSearchMixin, ReadOnlyAdmin):
    dossier_number_path = "dossier__numero"
    list_display = (
        "codification",
        "dossier_link",
        "nature_libelle",
        "date_ouverture",
        "montant_total",
        "montant_regle",
        "montant_en_instruction",
        "statut_du_jour",
    )
    list_select_related = ("dossier",)
    list_filter = (("date_ouverture", admin.DateFieldListFilter),)
    search_fields = ("dossier__salarie_nom", "dossier__numero_depot")
    ordering = ("-date_ouverture", "dossier_id", "numero")
    fields = (
        "dossier",
        "numero",
        "annee",
        "nature",
        "taux",
        "date_ouverture",
        "date_debut",
        "date_fin",
        "montant_total",
        "montant_regle",
        "montant_en_instruction",
        "updated_at",
    )

    @admin.display(description="échéance", ordering="numero")
    def codification(self, obj: Echeance) -> str:
        return obj.codification

    @admin.display(description="dossier")
    def dossier_link(self, obj: Echeance) -> str:
        return admin_link(obj.dossier, obj.dossier.reference)

    @admin.display(description="nature")
    def nature_libelle(self, obj: Echeance) -> str:
        return NATURE_LABELS.get(obj.nature, obj.nature)

    @admin.display(description="statut")
    def statut_du_jour(self, obj: Echeance) -> str:
        return obj.statut(timezone.localdate()).label


@admin.register(FactureLigne)
class FactureLigneAdmin(ReadOnlyAdmin):
    list_display = ("facture_link", "dossier_link", "nature", "echeance_code", "montant")
    list_select_related = ("facture", "dossier", "echeance")
    list_filter = ("nature",)
    search_fields = ("facture__reference", "dossier__salarie_nom")
    ordering = ("-facture_id", "pk")
    fields = ("facture", "dossier", "echeance", "nature", "montant", "quantite")

    @admin.display(description="facture")
    def facture_link(self, obj: FactureLigne) -> str:
        return admin_link(obj.facture, f"N° {obj.facture.numero}")

    @admin.display(description="dossier")
    def dossier_link(self, obj: FactureLigne) -> str:
        return admin_link(obj.dossier, obj.dossier.reference)

    @admin.display(description="échéance")
    def echeance_code(self, obj: FactureLigne) -> str:
        return obj.echeance.codification if obj.echeance_id else "—"
