"""Courriers, pièces jointes and notifications (written by services and flows). A courrier « en échec »
can be put back in the outbox (action on the list, through :func:`cases.services.courriers.courrier_requeue`)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from cases.admin.base import ReadOnlyAdmin, ReadOnlyInline, admin_link, is_opco_staff, opco_actor, pretty_json
from cases.models import AlerteExploitation, Courrier, Notification, PieceJointe, StatutCourrier, TransitionLog
from cases.services.courriers import courrier_requeue
from common.errors import DomainError


class CourrierJournalInline(ReadOnlyInline):
    model = TransitionLog
    fk_name = "courrier"
    fields = ("created_at", "transition", "source", "target", "actor_label", "channel", "reason")
    ordering = ("created_at", "pk")
    verbose_name_plural = "journal du courrier"


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
    actions = ("remettre_en_file",)
    inlines = (CourrierJournalInline,)
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

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_opco_staff(request.user):
            actions.pop("remettre_en_file", None)
        return actions

    @admin.action(description="Remettre dans la file les courriers en échec sélectionnés")
    def remettre_en_file(self, request, queryset):
        actor = opco_actor(request)
        done, refused = [], []
        for courrier in queryset.order_by("pk"):
            if courrier.statut != StatutCourrier.ECHEC:
                refused.append(f"{courrier.nom} (« {courrier.get_statut_display()} »)")
                continue
            try:
                courrier_requeue(actor=actor, courrier_id=courrier.pk, now=timezone.now())
            except DomainError as exc:
                refused.append(f"{courrier.nom} : {exc.message}")
            else:
                done.append(courrier.nom)
        if done:
            messages.success(
                request,
                f"{len(done)} courrier(s) remis dans la file : le prochain passage du traitement des courriers "
                "les émettra.",
            )
        if refused:
            ignored = "; ".join(refused)
            messages.error(request, f"Seuls les courriers en échec sont remis dans la file ; ignorés : {ignored}")


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


@admin.register(AlerteExploitation)
class AlerteExploitationAdmin(ReadOnlyAdmin):
    list_display = ("sent_at", "sujet", "destinataires")
    search_fields = ("sujet", "message", "cle")
    ordering = ("-sent_at",)
    date_hierarchy = "sent_at"
    fields = ("sujet", "message", "destinataires", "sent_at", "cle")
