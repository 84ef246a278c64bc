"""The gestionnaire's queues in the back office: dossiers relancés sans réponse, 20-day decision clocks
at risk or lapsed. Lists over :mod:`cases.queues` (filters, search, paging), each row linking to the
dossier's page where its transitions are."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from accounts.actors import Actor, Channel
from cases.admin.base import NumberSearchMixin, ReadOnlyAdmin, admin_link
from cases.models import DelaiDecision, DossierSansReponse
from cases.queues import AT_RISK, LAPSED, SITUATIONS, clock_of, decision_clocks, relances_escalated
from rules.lifecycles import ETAT_DOSSIER_LABELS

_SEARCH = (
    "numero__exact",
    "salarie_nom",
    "salarie_prenom",
    "of_etablissement__siret",
    "of_etablissement__raison_sociale",
    "entreprise__siret",
    "entreprise__raison_sociale",
)


def _actor(request) -> Actor:
    return Actor.for_user(request.user, channel=Channel.ADMIN)


class _QueueAdmin(NumberSearchMixin, ReadOnlyAdmin):
    list_display_links = None  # a row leads to the dossier itself (first column)
    search_fields = _SEARCH
    search_help_text = "N° de dossier, salarié, SIRET ou raison sociale de l'OF ou de l'entreprise."
    list_per_page = 50

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": self.model._meta.verbose_name_plural.capitalize(), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A row of the queue is a dossier: its page is the dossier's (with its transition buttons)."""
        return HttpResponseRedirect(reverse("admin:cases_dossier_change", args=[object_id]))

    @admin.display(description="dossier", ordering="numero")
    def dossier(self, obj) -> str:
        return admin_link(obj, obj.reference) if obj.numero else "—"

    @admin.display(description="salarié")
    def salarie(self, obj) -> str:
        return f"{obj.salarie_prenom} {obj.salarie_nom}".strip() or "—"

    @admin.display(description="organisme de formation", ordering="of_etablissement__raison_sociale")
    def organisme(self, obj) -> str:
        return f"{obj.of_etablissement.raison_sociale} ({obj.of_etablissement.siret})"

    @admin.display(description="état")
    def etat_libelle(self, obj) -> str:
        return ETAT_DOSSIER_LABELS.get(obj.etat, obj.etat)


class DemandeAgeFilter(admin.SimpleListFilter):
    title = "pièces demandées depuis"
    parameter_name = "depuis"

    def lookups(self, request, model_admin):
        return [("30", "moins de 30 jours"), ("60", "30 à 60 jours"), ("plus", "plus de 60 jours")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "30":
            return queryset.filter(demande_at__gte=now - timedelta(days=30))
        if self.value() == "60":
            return queryset.filter(demande_at__lt=now - timedelta(days=30), demande_at__gte=now - timedelta(days=60))
        if self.value() == "plus":
            return queryset.filter(demande_at__lt=now - timedelta(days=60))
        return queryset


@admin.register(DossierSansReponse)
class DossierSansReponseAdmin(_QueueAdmin):
    list_display = (
        "dossier",
        "dispositif",
        "salarie",
        "organisme",
        "entreprise",
        "demande_pieces",
        "nombre_relances",
        "derniere_relance",
    )
    list_filter = (DemandeAgeFilter, "dispositif", "subroge")

    def get_queryset(self, request):
        actor = _actor(request)
        return relances_escalated(actor=actor) if actor.is_opco else DossierSansReponse.objects.none()

    @admin.display(description="pièces demandées le", ordering="demande_at")
    def demande_pieces(self, obj) -> str:
        return f"{timezone.localtime(obj.demande_at):%d/%m/%Y}" if obj.demande_at else "—"

    @admin.display(description="relances", ordering="relances")
    def nombre_relances(self, obj) -> int:
        return obj.relances

    @admin.display(description="dernière relance", ordering="derniere_relance_at")
    def derniere_relance(self, obj) -> str:
        return f"{timezone.localtime(obj.derniere_relance_at):%d/%m/%Y}" if obj.derniere_relance_at else "—"


class SituationFilter(admin.SimpleListFilter):
    title = "situation"
    parameter_name = "situation"

    def lookups(self, request, model_admin):
        return list(SITUATIONS.items())

    def queryset(self, request, queryset):
        return queryset  # applied by get_queryset (the selector knows the thresholds)


@admin.register(DelaiDecision)
class DelaiDecisionAdmin(_QueueAdmin):
    list_display = (
        "dossier",
        "dispositif",
        "etat_libelle",
        "salarie",
        "organisme",
        "complet_depuis",
        "echeance",
        "jours_restants",
        "issue_du_silence",
    )
    list_filter = (SituationFilter, "dispositif")

    def get_queryset(self, request):
        actor = _actor(request)
        if not actor.is_opco:
            return DelaiDecision.objects.none()
        situation = request.GET.get(SituationFilter.parameter_name)
        return decision_clocks(
            actor=actor, today=timezone.localdate(), situation=situation if situation in (AT_RISK, LAPSED) else None
        )

    def _clock(self, obj):
        return clock_of(obj, today=timezone.localdate())

    @admin.display(description="complet depuis le", ordering="complete_since")
    def complet_depuis(self, obj) -> str:
        return f"{timezone.localtime(obj.complete_since):%d/%m/%Y}"

    @admin.display(description="échéance (20 jours)")
    def echeance(self, obj) -> str:
        return f"{self._clock(obj).deadline:%d/%m/%Y}"

    @admin.display(description="jours restants")
    def jours_restants(self, obj) -> str:
        days = self._clock(obj).days_left
        return f"dépassé de {-days} j" if days < 0 else f"{days} j"

    @admin.display(description="sans décision")
    def issue_du_silence(self, obj) -> str:
        return self._clock(obj).outcome_if_silent
