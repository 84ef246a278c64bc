"""The transition log (read-only)."""

from __future__ import annotations

from django.contrib import admin

from cases.admin.base import ReadOnlyAdmin, admin_link, pretty_json, state_label
from cases.models import StatutCourrier, TransitionLog
from rules.lifecycles import ETAT_DOSSIER_LABELS, ETAT_FACTURE_LABELS


@admin.register(TransitionLog)
class TransitionLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "objet", "transition", "de", "vers", "actor_label", "channel")
    list_filter = ("channel", "transition", ("created_at", admin.DateFieldListFilter))
    list_select_related = ("dossier", "facture", "courrier", "actor_user", "actor_api_key")
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
        if obj.courrier_id:
            return admin_link(obj.courrier, f"Courrier {obj.courrier_id}")
        return admin_link(obj.facture)

    def _labels(self, obj: TransitionLog) -> dict:
        if obj.courrier_id:
            return dict(StatutCourrier.choices)
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
