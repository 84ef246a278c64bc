"""Read-only inlines of the dossier, facture and règlement pages."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from cases.admin.base import ReadOnlyInline, admin_link, state_label
from cases.models import (
    Courrier,
    Echeance,
    Facture,
    FactureLigne,
    LigneFinancement,
    LigneReglement,
    PieceJointe,
    TransitionLog,
)
from rules.echeancier import NATURE_LABELS
from rules.lifecycles import ETAT_DOSSIER_LABELS, ETAT_FACTURE_LABELS

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


class EcheanceInline(ReadOnlyInline):
    """The échéancier of an apprenticeship dossier, with each échéance's statut today (Paris)."""

    model = Echeance
    fields = (
        "codification",
        "libelle",
        "date_ouverture",
        "date_debut",
        "date_fin",
        "montant_total",
        "montant_regle",
        "montant_en_instruction",
        "reste",
        "statut_du_jour",
    )
    ordering = ("numero",)
    verbose_name_plural = "échéancier"

    @admin.display(description="échéance")
    def codification(self, obj: Echeance) -> str:
        return obj.codification

    @admin.display(description="nature")
    def libelle(self, obj: Echeance) -> str:
        label = NATURE_LABELS.get(obj.nature, obj.nature)
        return f"{label} {obj.taux} % — année {obj.annee}" if obj.taux else f"{label} — année {obj.annee}"

    @admin.display(description="reste à facturer")
    def reste(self, obj: Echeance):
        return obj.reste_a_facturer

    @admin.display(description="statut")
    def statut_du_jour(self, obj: Echeance) -> str:
        return obj.statut(timezone.localdate()).label


class FactureLigneInline(ReadOnlyInline):
    model = FactureLigne
    fk_name = "facture"
    fields = ("dossier_link", "nature", "echeance_code", "montant", "quantite")
    verbose_name_plural = "lignes de la facture"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("dossier", "echeance")

    @admin.display(description="dossier")
    def dossier_link(self, obj: FactureLigne) -> str:
        return admin_link(obj.dossier, obj.dossier.reference)

    @admin.display(description="échéance")
    def echeance_code(self, obj: FactureLigne) -> str:
        return obj.echeance.codification if obj.echeance_id else "—"
