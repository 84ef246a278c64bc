"""The daily relance pass: dossiers and factures waiting for pièces with nothing new for N days
get a relance courrier (through the outbox). One relance per object and day: the courrier's
unique key makes a rerun or an overlapping run a no-op. The relance carries what its letter repeats:
the date and the pièces of the original demande, and its rank since that demande."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone

from cases.models import (
    Courrier,
    Destinataire,
    Dossier,
    Facture,
    PieceJointe,
    TransitionLog,
    TypeCourrier,
)
from rules.deadlines import RELANCE_DELAYS
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture

BATCH = 5000


@dataclass
class RelanceReport:
    dossiers_examines: int = 0
    factures_examinees: int = 0
    relances_dossiers: int = 0
    relances_factures: int = 0


def _latest(model, field: str, **link):
    return Subquery(
        model.objects.filter(**link).order_by().values(next(iter(link))).annotate(m=Max(field)).values("m")[:1]
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _courrier(
    *, key: str, owner_id: int, destinataire: str, etablissement_id: int, now, contexte: dict, **target
) -> Courrier:
    return Courrier(
        cle=key,
        type=TypeCourrier.RELANCE,
        destinataire=destinataire,
        destinataire_etablissement_id=etablissement_id,
        of_etablissement_id=owner_id,
        contexte=contexte,
        created_at=now,
        **target,
    )


def _request(**link):
    """The latest demande de pièces of the object: its date and details (pièces, commentaire)."""
    latest = TransitionLog.objects.filter(transition="demander_pieces", **link).order_by("-created_at", "-pk")
    return Subquery(latest.values("created_at")[:1]), Subquery(latest.values("details")[:1])


def _relances_since(**link):
    """How many relances to the OF the object got since its latest demande de pièces."""
    return Subquery(
        Courrier.objects.filter(
            type=TypeCourrier.RELANCE, destinataire=Destinataire.OF, created_at__gte=OuterRef("demande_at"), **link
        )
        .order_by()
        .values(next(iter(link)))
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def _contexte(demande_at, details, relances) -> dict:
    """What the relance letter repeats: the date and the pièces of the original request, its rank."""
    if isinstance(details, str):  # SQLite hands the JSON of a subquery back as text
        details = json.loads(details)
    if not isinstance(details, dict):
        details = {}
    return {
        "date_demande": timezone.localdate(demande_at).isoformat() if demande_at else "",
        "pieces": details.get("pieces") or [],
        "commentaire": details.get("commentaire") or "",
        "rang": (relances or 0) + 1,
    }


def relances_enqueue(*, today: date, now) -> RelanceReport:
    report = RelanceReport()
    # Nothing new since this moment means a relance is due (per dispositif).
    cutoffs = {d: _start_of(today - timedelta(days=RELANCE_DELAYS[d]) + timedelta(days=1)) for d in Dispositif}
    demande_at, demande_details = _request(dossier=OuterRef("pk"))
    dossiers = (
        Dossier.objects.filter(etat=EtatDossier.EN_ATTENTE_PIECES)
        .annotate(
            last_log=_latest(TransitionLog, "created_at", dossier=OuterRef("pk")),
            last_piece=_latest(PieceJointe, "uploaded_at", dossier=OuterRef("pk")),
            last_courrier=_latest(Courrier, "created_at", dossier=OuterRef("pk")),
            demande_at=demande_at,
            demande_details=demande_details,
        )
        .annotate(relances=_relances_since(dossier=OuterRef("pk")))
        .values_list(
            "pk",
            "dispositif",
            "of_etablissement_id",
            "entreprise_id",
            "demande_at",
            "demande_details",
            "relances",
            "last_log",
            "last_piece",
            "last_courrier",
        )
    )
    pending: list[Courrier] = []
    for pk, dispositif, of_id, entreprise_id, asked_at, details, relances, *activity in dossiers.iterator(
        chunk_size=BATCH
    ):
        report.dossiers_examines += 1
        last = max((a for a in activity if a is not None), default=None)
        if last is None or last >= cutoffs[Dispositif(dispositif)]:
            continue
        contexte = _contexte(asked_at, details, relances)
        key = f"relance:dossier:{pk}:{today.isoformat()}"
        pending.append(
            _courrier(
                key=f"{key}:of",
                owner_id=of_id,
                destinataire=Destinataire.OF,
                etablissement_id=of_id,
                now=now,
                contexte=contexte,
                dossier_id=pk,
            )
        )
        if dispositif != Dispositif.APPRENTISSAGE and entreprise_id and entreprise_id != of_id:
            pending.append(
                _courrier(
                    key=f"{key}:entreprise",
                    owner_id=of_id,
                    destinataire=Destinataire.ENTREPRISE,
                    etablissement_id=entreprise_id,
                    now=now,
                    contexte=contexte,
                    dossier_id=pk,
                )
            )
        if len(pending) >= BATCH:
            report.relances_dossiers += _flush(pending)

    report.relances_dossiers += _flush(pending)
    facture_cutoff = _start_of(today - timedelta(days=RELANCE_DELAYS["facture"]) + timedelta(days=1))
    demande_at, demande_details = _request(facture=OuterRef("pk"))
    factures = (
        Facture.objects.filter(etat=EtatFacture.EN_ATTENTE_PIECES)
        .annotate(
            last_log=_latest(TransitionLog, "created_at", facture=OuterRef("pk")),
            last_piece=_latest(PieceJointe, "uploaded_at", facture=OuterRef("pk")),
            last_courrier=_latest(Courrier, "created_at", facture=OuterRef("pk")),
            demande_at=demande_at,
            demande_details=demande_details,
        )
        .annotate(relances=_relances_since(facture=OuterRef("pk")))
        .values_list(
            "pk", "emetteur_id", "demande_at", "demande_details", "relances", "last_log", "last_piece", "last_courrier"
        )
    )
    for pk, emetteur_id, asked_at, details, relances, *activity in factures.iterator(chunk_size=BATCH):
        report.factures_examinees += 1
        last = max((a for a in activity if a is not None), default=None)
        if last is None or last >= facture_cutoff:
            continue
        pending.append(
            _courrier(
                key=f"relance:facture:{pk}:{today.isoformat()}:of",
                owner_id=emetteur_id,
                destinataire=Destinataire.OF,
                etablissement_id=emetteur_id,
                now=now,
                contexte=_contexte(asked_at, details, relances),
                facture_id=pk,
            )
        )
        if len(pending) >= BATCH:
            report.relances_factures += _flush(pending)
    report.relances_factures += _flush(pending)
    return report


def _flush(pending: list[Courrier]) -> int:
    """Insert the relances not already there; returns how many objects got a new relance."""
    existing = set(Courrier.objects.filter(cle__in=[c.cle for c in pending]).values_list("cle", flat=True))
    new = [c for c in pending if c.cle not in existing]
    Courrier.objects.bulk_create(new, ignore_conflicts=True)
    pending.clear()
    return sum(1 for c in new if c.destinataire == Destinataire.OF)
