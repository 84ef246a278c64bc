"""The courrier outbox: issue the requested courriers (render, store on the dossier/facture/règlement,
notify the OF's users), record failures, and put a courrier « en échec » back in the file.

Exactly once per request: a pass takes the oldest requested courrier with ``FOR UPDATE SKIP LOCKED``
(so that several workers share one outbox without ever taking the same row), and stores the file,
the new state, the notifications and the journal entry in the transaction that holds the lock; a
notification is unique per (user, courrier).

Two kinds of failure:

* the letter itself cannot be produced (its data, an unconvertible document, a bug): the attempt
  counts; after ``MAX_ATTEMPTS`` the courrier is « en échec » until an OPCO gestionnaire puts it
  back in the file (:func:`courrier_requeue`); the pass goes on with the next courriers;
* the pipeline is down (no converter, a broken template, the file storage failing): no courrier is
  to blame — nothing is counted, the pass stops at once and leaves the outbox as it was for the next
  run. A database failure propagates (the transaction is rolled back, the file discarded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.db import DatabaseError, transaction

from accounts.actors import Actor
from accounts.models import Habilitation
from cases.models import Courrier, Notification, StatutCourrier, TransitionLog
from cases.services._common import StoredFiles, Upload
from cases.signals import courriers_requested
from common.errors import Conflict, Forbidden, NotFound

logger = logging.getLogger(__name__)
# One try and two retries (the courrier flow's task retries), then « en échec ».
MAX_ATTEMPTS = 3
Renderer = Callable[[Courrier], bytes]
FLOW_ACTOR = Actor.system("Traitement des courriers")


def pipeline_errors() -> tuple[type[BaseException], ...]:
    """Errors that say the pipeline is down rather than the letter wrong."""
    from documents.errors import ConverterUnavailable, TemplateError

    return (ConverterUnavailable, TemplateError, OSError)


@dataclass
class CourrierFailure:
    courrier_id: int
    nom: str
    erreur: str
    tentatives: int
    en_echec: bool


@dataclass
class IssueReport:
    emis: int = 0
    deja_traites: int = 0
    echecs: int = 0
    notifications: int = 0
    abandonnes: int = 0  # courriers that reached « en échec » in this pass
    interruption: str = ""  # why the pass stopped (the pipeline is down), if it did
    failures: list[CourrierFailure] = field(default_factory=list)

    def add(self, other: IssueReport) -> None:
        self.emis += other.emis
        self.deja_traites += other.deja_traites
        self.echecs += other.echecs
        self.notifications += other.notifications
        self.abandonnes += other.abandonnes
        self.interruption = other.interruption or self.interruption
        self.failures += other.failures

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.interruption)

    def summary(self) -> str:
        text = (
            f"{self.emis} émis, {self.echecs} en erreur dont {self.abandonnes} abandonné(s) (« en échec »), "
            f"{self.notifications} notification(s)"
        )
        if self.interruption:
            text += f" ; passe interrompue : {self.interruption}"
        return text


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _log(courrier: Courrier, *, actor: Actor, name: str, source: str, now, reason: str = "") -> None:
    TransitionLog.objects.create(
        courrier=courrier,
        transition=name,
        source=source,
        target=courrier.statut,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label,
        channel=actor.channel.value,
        reason=reason[:2000],
        created_at=now,
    )


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


def _locked(queryset) -> Courrier | None:
    return (
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("dossier", "facture", "reglement", "destinataire_etablissement", "of_etablissement")
        .filter(statut=StatutCourrier.DEMANDE)
        .order_by("created_at", "pk")
        .first()
    )


def _issue_locked(courrier: Courrier, files: StoredFiles, *, now, render: Renderer, report: IssueReport) -> None:
    """Render, store, notify and log one locked courrier; failures are recorded on it."""
    try:
        with transaction.atomic():  # a savepoint: a failure keeps the row locked to record it
            courrier.emis_at = now  # the letter is dated the day it is issued
            content = render(courrier)
            name = f"{courrier.type}-{courrier.destinataire}-{courrier.pk}.pdf"
            files.save(courrier.fichier, Upload(name, content))
            courrier.statut = StatutCourrier.EMIS
            courrier.erreur = ""
            courrier.save(update_fields=["fichier", "statut", "emis_at", "erreur"])
            created = Notification.objects.bulk_create(
                [
                    Notification(user_id=u, courrier=courrier, created_at=now)
                    for u in _recipient_ids(courrier.of_etablissement_id)
                ],
                ignore_conflicts=True,
            )
            _log(courrier, actor=FLOW_ACTOR, name="emettre", source=StatutCourrier.DEMANDE, now=now)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the cause, the courrier stays accounted for
        files.discard()
        courrier.statut, courrier.emis_at, courrier.fichier = StatutCourrier.DEMANDE, None, ""
        _record_failure(courrier, exc, now=now, report=report)
        return
    report.emis += 1
    report.notifications += len(created)


def _record_failure(courrier: Courrier, exc: Exception, *, now, report: IssueReport) -> None:
    down = isinstance(exc, pipeline_errors())
    courrier.erreur = _error_text(exc)
    if not down:
        courrier.tentatives += 1
    given_up = not down and courrier.tentatives >= MAX_ATTEMPTS
    if given_up:
        courrier.statut = StatutCourrier.ECHEC
        reason = f"Abandon après {courrier.tentatives} tentatives : {courrier.erreur}"
        _log(courrier, actor=FLOW_ACTOR, name="abandonner", source=StatutCourrier.DEMANDE, now=now, reason=reason)
    courrier.save(update_fields=["tentatives", "erreur", "statut"])
    logger.warning("Émission du courrier %s impossible : %s", courrier.pk, courrier.erreur)
    report.echecs += 1
    report.abandonnes += int(given_up)
    report.failures.append(CourrierFailure(courrier.pk, courrier.nom, courrier.erreur, courrier.tentatives, given_up))
    if down:
        report.interruption = courrier.erreur


def courriers_issue_pending(*, limit: int, now, render: Renderer | None = None) -> IssueReport:
    """Issue up to ``limit`` courriers of the outbox, oldest first, each in its own transaction.

    Another worker's courriers (locked) are skipped, never waited for; a courrier that failed in this
    pass is not tried again in it. Stops early when the pipeline is down (``report.interruption``).
    """
    render = render or _default_renderer
    report = IssueReport()
    tried: list[int] = []
    while len(tried) < limit and not report.interruption:
        with StoredFiles() as files, transaction.atomic():
            courrier = _locked(Courrier.objects.exclude(pk__in=tried))
            if courrier is None:
                break
            tried.append(courrier.pk)
            _issue_locked(courrier, files, now=now, render=render, report=report)
    return report


def courrier_issue(*, courrier_id: int, now, render: Renderer | None = None) -> IssueReport:
    """Issue one given courrier if it is still requested (``deja_traites`` when another run has it)."""
    report = IssueReport()
    with StoredFiles() as files, transaction.atomic():
        courrier = _locked(Courrier.objects.filter(pk=courrier_id))
        if courrier is None:  # issued by an overlapping run, or locked by it right now
            report.deja_traites += 1
            return report
        _issue_locked(courrier, files, now=now, render=render or _default_renderer, report=report)
    return report


def courriers_issue_batch(*, courrier_ids, now, render: Renderer | None = None) -> IssueReport:
    report = IssueReport()
    for courrier_id in courrier_ids:
        report.add(courrier_issue(courrier_id=courrier_id, now=now, render=render))
    return report


# --- Repair ----------------------------------------------------------------------------------------


def courrier_requeue(*, actor: Actor, courrier_id: int, now, reason: str = "") -> Courrier:
    """Put a courrier « en échec » back in the outbox (OPCO gestionnaires): attempts start again."""
    if not actor.is_opco:
        raise Forbidden("Action réservée aux gestionnaires de l'OPCO.")
    with transaction.atomic():
        courrier = Courrier.objects.select_for_update().filter(pk=courrier_id).first()
        if courrier is None:
            raise NotFound("Courrier introuvable.")
        if courrier.statut != StatutCourrier.ECHEC:
            etat = courrier.get_statut_display()
            raise Conflict(f"Seul un courrier en échec peut être remis dans la file (ce courrier est « {etat} »).")
        courrier.statut = StatutCourrier.DEMANDE
        courrier.tentatives = 0
        courrier.save(update_fields=["statut", "tentatives"])
        _log(
            courrier,
            actor=actor,
            name="remettre_en_file",
            source=StatutCourrier.ECHEC,
            now=now,
            reason=reason or f"Dernière erreur : {courrier.erreur}",
        )
        transaction.on_commit(partial(courriers_requested.send, sender=Courrier, courrier_ids=[courrier.pk]))
    return courrier


# --- Health of the outbox ------------------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    en_attente: int
    plus_ancienne_demande: datetime | None
    en_echec: int

    def age_seconds(self, now) -> float:
        return (now - self.plus_ancienne_demande).total_seconds() if self.plus_ancienne_demande else 0.0


def courriers_backlog() -> Backlog:
    pending = Courrier.objects.filter(statut=StatutCourrier.DEMANDE)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return Backlog(
        en_attente=pending.count(),
        plus_ancienne_demande=oldest,
        en_echec=Courrier.objects.filter(statut=StatutCourrier.ECHEC).count(),
    )
