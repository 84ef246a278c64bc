"""Reference tables and the flows' records: SMIC, counters, digests sent, key reminders."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.base import OpcoAccessMixin, ReadOnlyAdmin, is_opco_staff
from cases.models import Compteur, DigestEnvoi, RappelCle, ReferenceSmic


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
