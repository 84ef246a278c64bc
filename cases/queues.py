"""The OPCO gestionnaire's queues, as lists to work through (back office and ``/api/v1/opco/files/…``):

* dossiers still waiting for pièces after the relances (« relancés sans réponse »);
* complete dossiers whose legal 20-day decision clock is at risk (≤ 5 days left) or has lapsed;
* courriers « en échec », to repair and put back in the outbox.

Reads for the OPCO only (403 otherwise). Each list is a queryset: filter, order and page it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.actors import Actor
from cases.models import Courrier, Dossier, StatutCourrier, TransitionLog, TypeCourrier
from common.errors import Forbidden, InvalidInput
from rules.deadlines import (
    DECISION_DELAY_DAYS,
    RELANCES_BEFORE_ESCALATION,
    SILENCE_OUTCOME,
    DecisionClock,
    at_risk_threshold,
    decision_clock,
)
from rules.lifecycles import EtatDossier
from rules.verdicts import Problem

AT_RISK, LAPSED = "a_risque", "depasse"
SITUATIONS = {AT_RISK: "Délai à risque (5 jours ou moins)", LAPSED: "Délai dépassé"}


def _require_opco(actor: Actor) -> None:
    if not actor.is_opco:
        raise Forbidden("Réservé aux gestionnaires de l'OPCO.")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


# --- Relancés sans réponse ------------------------------------------------------------------


def relances_escalated(*, actor: Actor) -> QuerySet[Dossier]:
    """Dossiers still waiting for pièces after RELANCES_BEFORE_ESCALATION relances, oldest request first.

    Each row carries ``demande_at`` (the demande de pièces), ``relances`` (relances to the OF since)
    and ``derniere_relance_at``.
    """
    _require_opco(actor)
    demande = Subquery(
        TransitionLog.objects.filter(dossier=OuterRef("pk"), transition="demander_pieces")
        .order_by()
        .values("dossier")
        .annotate(m=Max("created_at"))
        .values("m")[:1]
    )
    since_request = Q(
        courriers__type=TypeCourrier.RELANCE,
        courriers__destinataire="of",
        courriers__created_at__gte=F("demande_at"),
    )
    return (
        Dossier.objects.filter(etat=EtatDossier.EN_ATTENTE_PIECES)
        .annotate(demande_at=demande)
        .annotate(
            relances=Count("courriers", filter=since_request),
            derniere_relance_at=Max("courriers__created_at", filter=since_request),
        )
        .filter(relances__gte=RELANCES_BEFORE_ESCALATION)
        .select_related("of_etablissement", "entreprise")
        .order_by("demande_at", "pk")
    )


# --- Délais de décision ---------------------------------------------------------------------


def decision_clocks(*, actor: Actor, today: date, situation: str | None = None) -> QuerySet[Dossier]:
    """Complete dossiers (transmis / en cours) of a dispositif with a legal clock, whose 20-day delay
    lapses within 5 days (``a_risque``) or has lapsed (``depasse``); both without ``situation``.

    Each row carries ``complete_since``: its transmission, or the resumption of the instruction after
    a demande de pièces (the delay starts again on the complete file). Oldest first.
    """
    _require_opco(actor)
    if situation not in (None, "", AT_RISK, LAPSED):
        raise InvalidInput([Problem("situation", "Situation inconnue (a_risque ou depasse).", "inconnu")])
    complete_since = Subquery(
        TransitionLog.objects.filter(
            Q(target=EtatDossier.TRANSMIS) | Q(transition="reprendre_instruction"), dossier=OuterRef("pk")
        )
        .order_by()
        .values("dossier")
        .annotate(m=Max("created_at"))
        .values("m")[:1]
    )
    # Lapsed: deadline (day complete + 20) before today, i.e. complete before today - 20 days.
    lapsed_before = _start_of(today - timedelta(days=DECISION_DELAY_DAYS))
    qs = (
        Dossier.objects.filter(
            etat__in=[EtatDossier.TRANSMIS, EtatDossier.EN_COURS], dispositif__in=[d.value for d in SILENCE_OUTCOME]
        )
        .annotate(complete_since=complete_since)
        .filter(complete_since__lte=_end_of(at_risk_threshold(today=today)))
        .select_related("of_etablissement", "entreprise")
        .order_by("complete_since", "pk")
    )
    if situation == LAPSED:
        qs = qs.filter(complete_since__lt=lapsed_before)
    elif situation == AT_RISK:
        qs = qs.filter(complete_since__gte=lapsed_before)
    return qs


def clock_of(dossier: Dossier, *, today: date) -> DecisionClock:
    """The clock of a row of :func:`decision_clocks`."""
    return decision_clock(
        dispositif=dossier.dispositif, complete_since=timezone.localdate(dossier.complete_since), today=today
    )


@dataclass(frozen=True)
class ClockAtRisk:
    dossier_id: int
    reference: str
    dispositif: str
    clock: DecisionClock


def clocks_at_risk(*, actor: Actor, today: date) -> list[ClockAtRisk]:
    """Every clock at risk or lapsed, as plain rows (counts, the relance flow's log)."""
    columns = ("pk", "numero", "version", "dispositif", "complete_since")
    rows = decision_clocks(actor=actor, today=today).values_list(*columns)
    return [
        ClockAtRisk(
            pk,
            f"{numero}.{version}",
            dispositif,
            decision_clock(dispositif=dispositif, complete_since=timezone.localdate(since), today=today),
        )
        for pk, numero, version, dispositif, since in rows.iterator(chunk_size=2000)
    ]


# --- Courriers en échec ---------------------------------------------------------------------


def courriers_in_failure(*, actor: Actor) -> QuerySet[Courrier]:
    """Courriers the pipeline gave up on, newest first, with what they are attached to."""
    _require_opco(actor)
    return (
        Courrier.objects.filter(statut=StatutCourrier.ECHEC)
        .select_related("dossier", "facture", "reglement", "destinataire_etablissement", "of_etablissement")
        .order_by("-created_at", "-pk")
    )
