"""The OPCO gestionnaire's queues: dossiers whose relances went unanswered, and legal decision
clocks at risk of lapsing. Reads for the OPCO only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.actors import Actor
from cases.models import Dossier, TransitionLog, TypeCourrier
from common.errors import Forbidden
from rules.deadlines import (
    RELANCES_BEFORE_ESCALATION,
    SILENCE_OUTCOME,
    DecisionClock,
    at_risk_threshold,
    decision_clock,
)
from rules.lifecycles import EtatDossier


def _require_opco(actor: Actor) -> None:
    if not actor.is_opco:
        raise Forbidden("Réservé aux gestionnaires de l'OPCO.")


def relances_escalated(*, actor: Actor) -> QuerySet[Dossier]:
    """Dossiers still waiting for pièces after RELANCES_BEFORE_ESCALATION relances."""
    _require_opco(actor)
    demande = Subquery(
        TransitionLog.objects.filter(dossier=OuterRef("pk"), transition="demander_pieces")
        .order_by()
        .values("dossier")
        .annotate(m=Max("created_at"))
        .values("m")[:1]
    )
    return (
        Dossier.objects.filter(etat=EtatDossier.EN_ATTENTE_PIECES)
        .annotate(demande_at=demande)
        .annotate(
            relances=Count(
                "courriers",
                filter=Q(
                    courriers__type=TypeCourrier.RELANCE,
                    courriers__destinataire="of",
                    courriers__created_at__gte=F("demande_at"),
                ),
            )
        )
        .filter(relances__gte=RELANCES_BEFORE_ESCALATION)
    )


@dataclass(frozen=True)
class ClockAtRisk:
    dossier_id: int
    reference: str
    dispositif: str
    clock: DecisionClock


def clocks_at_risk(*, actor: Actor, today: date) -> list[ClockAtRisk]:
    """Complete dossiers (transmis / en cours) whose 20-day decision clock lapses within 5 days or has lapsed."""
    _require_opco(actor)
    threshold = timezone.make_aware(datetime.combine(at_risk_threshold(today=today), time.max))
    complete_since = Subquery(
        TransitionLog.objects.filter(
            Q(target=EtatDossier.TRANSMIS) | Q(transition="reprendre_instruction"), dossier=OuterRef("pk")
        )
        .order_by()
        .values("dossier")
        .annotate(m=Max("created_at"))
        .values("m")[:1]
    )
    rows = (
        Dossier.objects.filter(
            etat__in=[EtatDossier.TRANSMIS, EtatDossier.EN_COURS], dispositif__in=[d.value for d in SILENCE_OUTCOME]
        )
        .annotate(complete_since=complete_since)
        .filter(complete_since__lte=threshold)
        .order_by("complete_since")
        .values_list("pk", "numero", "version", "dispositif", "complete_since")
    )
    result = []
    for pk, numero, version, dispositif, since in rows.iterator(chunk_size=2000):
        clock = decision_clock(dispositif=dispositif, complete_since=timezone.localdate(since), today=today)
        result.append(ClockAtRisk(pk, f"{numero}.{version}", dispositif, clock))
    return result
