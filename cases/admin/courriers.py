"""Courriers, pièces jointes and notifications (read-only, written by services and flows)."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.base import ReadOnlyAdmin, admin_link, pretty_json
from cases.models import Courrier, Notification, PieceJointe

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
