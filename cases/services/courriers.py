"""Issuing the courriers of the outbox: render, store on the dossier/facture/règlement, notify.

Exactly once per request: the courrier row is locked and must still be « demandé »; the file is
stored and the notifications created in the same transaction; a notification is unique per
(user, courrier). A failed rendering leaves the courrier in the outbox for the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction

from accounts.models import Habilitation
from cases.models import Courrier, Notification, StatutCourrier
from cases.services._common import StoredFiles, Upload

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
Renderer = Callable[[Courrier], bytes]


@dataclass
class IssueReport:
    emis: int = 0
    deja_traites: int = 0
    echecs: int = 0
    notifications: int = 0

    def add(self, other: IssueReport) -> None:
        self.emis += other.emis
        self.deja_traites += other.deja_traites
        self.echecs += other.echecs
        self.notifications += other.notifications


def courriers_pending(*, limit: int) -> list[int]:
    """The oldest courriers still waiting in the outbox."""
    return list(
        Courrier.objects.filter(statut=StatutCourrier.DEMANDE)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _default_renderer(courrier: Courrier) -> bytes:
    from django.utils import timezone

    from documents import render_courrier

    return render_courrier(courrier, fmt="pdf", today=timezone.localdate(courrier.emis_at))


def _recipient_ids(of_etablissement_id: int) -> list[int]:
    return list(
        Habilitation.objects.filter(
            etablissement_id=of_etablissement_id, etablissement__actif=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def courrier_issue(*, courrier_id: int, now, render: Renderer | None = None) -> IssueReport:
    render = render or _default_renderer
    report = IssueReport()
    try:
        with StoredFiles() as files, transaction.atomic():
            courrier = (
                Courrier.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("dossier", "facture", "reglement", "destinataire_etablissement", "of_etablissement")
                .filter(pk=courrier_id, statut=StatutCourrier.DEMANDE)
                .first()
            )
            if courrier is None:  # issued by an overlapping run, or locked by it right now
                report.deja_traites += 1
                return report
            courrier.emis_at = now  # the letter is dated the day it is issued
            content = render(courrier)
            name = f"{courrier.type}-{courrier.destinataire}-{courrier.pk}.pdf"
            files.save(courrier.fichier, Upload(name, content))
            courrier.statut = StatutCourrier.EMIS
            courrier.emis_at = now
            courrier.tentatives += 1
            courrier.erreur = ""
            courrier.save(update_fields=["fichier", "statut", "emis_at", "tentatives", "erreur"])
            created = Notification.objects.bulk_create(
                [
                    Notification(user_id=u, courrier=courrier, created_at=now)
                    for u in _recipient_ids(courrier.of_etablissement_id)
                ],
                ignore_conflicts=True,
            )
            report.emis += 1
            report.notifications += len(created)
    except Exception as exc:  # noqa: BLE001 - any rendering failure must leave the courrier retryable
        logger.warning("Émission du courrier %s impossible : %s", courrier_id, exc)
        _record_failure(courrier_id, exc)
        report.echecs += 1
    return report


def _record_failure(courrier_id: int, exc: Exception) -> None:
    with transaction.atomic():
        courrier = Courrier.objects.select_for_update().filter(pk=courrier_id, statut=StatutCourrier.DEMANDE).first()
        if courrier is None:
            return
        courrier.tentatives += 1
        courrier.erreur = f"{type(exc).__name__}: {exc}"[:2000]
        if courrier.tentatives >= MAX_ATTEMPTS:
            courrier.statut = StatutCourrier.ECHEC
        courrier.save(update_fields=["tentatives", "erreur", "statut"])


def courriers_issue_batch(*, courrier_ids: Sequence[int], now, render: Renderer | None = None) -> IssueReport:
    report = IssueReport()
    for courrier_id in courrier_ids:
        report.add(courrier_issue(courrier_id=courrier_id, now=now, render=render))
    return report
