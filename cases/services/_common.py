"""Machinery shared by the services: locking, running a transition, logging it, numbering,
requesting courriers (the outbox) and storing uploaded files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from accounts.actors import Actor
from cases.models import Compteur, Courrier, Destinataire, Dossier, Facture, TransitionLog
from cases.signals import courriers_requested
from common import filecheck
from common.downloads import safe_name
from common.errors import Conflict, InvalidInput, NotFound
from rules.verdicts import Problem

STALE_MESSAGE = "Ce dossier vient d'être modifié par quelqu'un d'autre : rechargez-le puis réessayez."


def smic_table() -> tuple:
    """The SMIC reference table of the back office, in the shape the rules take."""
    from cases.models import ReferenceSmic
    from rules.remuneration import SMIC_REFERENCE

    rows = tuple(row.as_rule() for row in ReferenceSmic.objects.order_by("date_effet"))
    return rows or SMIC_REFERENCE


def lock_dossier(actor: Actor, dossier_id: int) -> Dossier:
    qs = Dossier.objects.select_for_update()
    if not actor.is_opco:
        qs = qs.of_scope(actor.etablissement_ids)
    try:
        return qs.get(pk=dossier_id)
    except Dossier.DoesNotExist:
        raise NotFound("Dossier introuvable.") from None


def lock_facture(actor: Actor, facture_id: int) -> Facture:
    qs = Facture.objects.select_for_update()
    if not actor.is_opco:
        qs = qs.of_scope(actor.etablissement_ids)
    try:
        return qs.get(pk=facture_id)
    except Facture.DoesNotExist:
        raise NotFound("Facture introuvable.") from None


def fire(obj: Dossier | Facture, name: str, **kwargs) -> str:
    """Run the django-fsm transition ``name`` and save; returns the source state."""
    source = obj.etat
    try:
        getattr(obj, name)(**kwargs)
    except TransitionNotAllowed:
        raise Conflict(f"Transition « {name} » impossible depuis l'état « {source} ».") from None
    try:
        obj.save()
    except ConcurrentTransition:
        raise Conflict(STALE_MESSAGE) from None
    return source


def log_transition(
    *, obj: Dossier | Facture, actor: Actor, name: str, source: str, now, reason: str = "", details: dict | None = None
) -> TransitionLog:
    return TransitionLog.objects.create(
        dossier=obj if isinstance(obj, Dossier) else None,
        facture=obj if isinstance(obj, Facture) else None,
        transition=name,
        source=source,
        target=obj.etat,
        actor_user_id=actor.user_id,
        actor_api_key_id=actor.api_key_id,
        actor_label=actor.label,
        channel=actor.channel.value,
        reason=reason,
        details={**(details or {}), "client": actor.client} if actor.client else details or {},
        created_at=now,
    )


def next_numbers(name: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive numbers of the sequence ``name``."""
    first = {
        "dossier": settings.PORTAIL["FIRST_DOSSIER_NUMBER"],
        "facture": settings.PORTAIL["FIRST_FACTURE_NUMBER"],
        "reglement": settings.PORTAIL["FIRST_REGLEMENT_NUMBER"],
    }[name]
    with transaction.atomic():
        row = Compteur.objects.select_for_update().filter(name=name).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = Compteur.objects.create(name=name, value=first)
            except IntegrityError:
                row = Compteur.objects.select_for_update().get(name=name)
        start = row.value
        row.value = start + count
        row.save(update_fields=["value"])
    return range(start, start + count)


@dataclass(frozen=True)
class CourrierRequest:
    type: str
    destinataire: str
    etablissement_id: int
    contexte: dict


def request_courriers(
    *,
    log: TransitionLog | None,
    key: str | None = None,
    requests: list[CourrierRequest],
    now,
    dossier: Dossier | None = None,
    facture: Facture | None = None,
    reglement=None,
) -> list[Courrier]:
    """Write courriers to the outbox, in the caller's transaction; one per (event, type, destinataire).

    The courrier flow issues them after commit; the unique ``cle`` makes a repeated request a no-op.
    """
    base = key or f"t{log.pk}"
    owner = dossier.of_etablissement_id if dossier else facture.emetteur_id if facture else reglement.beneficiaire_id
    created = []
    for req in requests:
        courrier, was_created = Courrier.objects.get_or_create(
            cle=f"{base}:{req.type}:{req.destinataire}",
            defaults={
                "type": req.type,
                "destinataire": req.destinataire,
                "destinataire_etablissement_id": req.etablissement_id,
                "of_etablissement_id": owner,
                "dossier": dossier,
                "facture": facture,
                "reglement": reglement,
                "contexte": req.contexte,
                "created_at": now,
            },
        )
        if was_created:
            created.append(courrier)
    if created:
        ids = [c.pk for c in created]
        transaction.on_commit(partial(courriers_requested.send, sender=Courrier, courrier_ids=ids))
    return created


def dossier_courriers(dossier: Dossier, type_: str, contexte: dict | None = None) -> list[CourrierRequest]:
    """The same letter to the OF and, when there is one, to the entreprise."""
    requests = [CourrierRequest(type_, Destinataire.OF, dossier.of_etablissement_id, contexte or {})]
    if dossier.entreprise_id and dossier.entreprise_id != dossier.of_etablissement_id:
        requests.append(CourrierRequest(type_, Destinataire.ENTREPRISE, dossier.entreprise_id, contexte or {}))
    return requests


# --- Uploaded files ----------------------------------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """A file received from a user: its name as given and its bytes."""

    name: str
    content: bytes


MAX_FILES = 20


def read_uploads(files, *, field: str) -> list[Upload]:
    """Files received by an interface (anything with ``name``, ``size`` and ``read()``) as
    :class:`Upload`; too many files, or one over the size limit, are refused before being read."""
    files = [f for f in (files or []) if f is not None]
    if len(files) > MAX_FILES:
        raise InvalidInput([Problem(field, f"{MAX_FILES} fichiers au plus par envoi.")])
    problems = [
        Problem(f"{field}[{i}]", f"Le fichier « {safe_name(f.name or '')} » dépasse la taille maximale de 20 Mo.")
        for i, f in enumerate(files)
        if (f.size or 0) > MAX_UPLOAD_BYTES
    ]
    if problems:
        raise InvalidInput(problems)
    return [Upload(name=f.name or "fichier", content=f.read()) for f in files]


def sniff_type(content: bytes) -> str | None:
    kind = filecheck.sniff(content)
    return filecheck.MIME[kind] if kind else None


def check_upload(upload: Upload, *, field: str, pdf_only: bool = False) -> list[Problem]:
    """The file judged by its content (:mod:`common.filecheck`): type from the bytes, an extension that
    agrees with it, no active content (JavaScript, launch actions, embedded files, macros)."""
    if not upload.content:
        return [Problem(field, f"Le fichier « {upload.name} » est vide.")]
    if len(upload.content) > MAX_UPLOAD_BYTES:
        return [Problem(field, f"Le fichier « {upload.name} » dépasse la taille maximale de 20 Mo.")]
    return [Problem(field, message) for message in filecheck.inspect(upload.name, upload.content, pdf_only=pdf_only)]


def check_uploads(uploads, *, field: str) -> list[Problem]:
    return [p for i, u in enumerate(uploads) for p in check_upload(u, field=f"{field}[{i}]")]


def store_pieces(files: StoredFiles, uploads, *, actor: Actor, now, dossier=None, facture=None) -> list:
    """Save each upload as a pièce jointe of the dossier or of the facture."""
    from cases.models import PieceJointe

    pieces = []
    for upload in uploads:
        piece = PieceJointe(
            dossier=dossier,
            facture=facture,
            nom=upload.name[:255],
            taille=len(upload.content),
            uploaded_at=now,
            uploaded_by_id=actor.user_id,
        )
        files.save(piece.fichier, upload)
        piece.save()
        pieces.append(piece)
    return pieces


class StoredFiles:
    """Stores files and deletes them again if the work around them fails: no orphan file.

    Usage: ``with StoredFiles() as files, transaction.atomic(): ...``
    """

    def __init__(self) -> None:
        self.paths: list[str] = []

    def save(self, field_file, upload: Upload) -> None:
        field_file.save(safe_name(upload.name), ContentFile(upload.content), save=False)
        self.paths.append(field_file.name)

    def __enter__(self) -> StoredFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Enter this *before* ``transaction.atomic()``: a failed body or commit discards the files.
        if exc_type is not None:
            self.discard()

    def discard(self) -> None:
        for path in self.paths:
            default_storage.delete(path)
        self.paths.clear()


def invalid(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInput(problems)
