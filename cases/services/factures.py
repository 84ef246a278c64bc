"""Use cases on factures: deposit by the OF on a subrogated dossier, pièces complémentaires,
and the OPCO's instruction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from accounts.actors import Actor
from cases.models import Destinataire, Facture, PieceJointe, TypeCourrier
from cases.permissions import ensure_dossier_action, ensure_facture_action
from cases.services._common import (
    CourrierRequest,
    StoredFiles,
    Upload,
    check_upload,
    check_uploads,
    fire,
    invalid,
    lock_dossier,
    lock_facture,
    log_transition,
    next_numbers,
    request_courriers,
    store_pieces,
)
from common.errors import Conflict, Forbidden, InvalidInput
from rules.actions import Action, ActionFacture
from rules.lifecycles import INITIAL_FACTURE_STATE
from rules.motifs import MOTIFS_REJET_FACTURE, PIECES_FACTURE, unknown_codes
from rules.verdicts import Problem


def _amount(value, field: str, problems: list[Problem]) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        problems.append(Problem(field, "Montant invalide."))
        return None
    if amount <= 0:
        problems.append(Problem(field, "Le montant doit être strictement positif."))
    elif amount.as_tuple().exponent < -2:
        problems.append(Problem(field, "Le montant a au plus deux décimales."))
    return amount


def check_facture_fields(
    *, reference: str, date_facture: date | None, montant_ht, montant_ttc, today: date
) -> list[Problem]:
    problems: list[Problem] = []
    if not reference or not reference.strip():
        problems.append(Problem("reference", "La référence de la facture est obligatoire.", "obligatoire"))
    elif len(reference) > 50:
        problems.append(Problem("reference", "La référence ne dépasse pas 50 caractères."))
    if date_facture is None:
        problems.append(Problem("date_facture", "La date de la facture est obligatoire.", "obligatoire"))
    elif date_facture > today:
        problems.append(Problem("date_facture", "La date de la facture ne peut pas être dans le futur."))
    ht = _amount(montant_ht, "montant_ht", problems)
    ttc = _amount(montant_ttc, "montant_ttc", problems)
    if ht is not None and ttc is not None and ht > 0 and ttc < ht:
        problems.append(Problem("montant_ttc", "Le montant TTC ne peut pas être inférieur au montant HT."))
    return problems


def facture_deposit(
    *,
    actor: Actor,
    dossier_id: int,
    reference: str,
    date_facture: date | None,
    montant_ht,
    montant_ttc,
    commentaire: str = "",
    fichier: Upload | None,
    justificatifs: Sequence[Upload] = (),
    now,
) -> Facture:
    problems = check_facture_fields(
        reference=reference,
        date_facture=date_facture,
        montant_ht=montant_ht,
        montant_ttc=montant_ttc,
        today=now.date(),
    )
    if fichier is None:
        problems.append(Problem("fichier", "Joignez votre facture au format PDF.", "obligatoire"))
    else:
        problems += check_upload(fichier, field="fichier", pdf_only=True)
    problems += check_uploads(justificatifs, field="justificatifs")
    with StoredFiles() as files, transaction.atomic():
        dossier = lock_dossier(actor, dossier_id)
        ensure_dossier_action(actor, dossier, Action.DEPOSER_FACTURE)
        invalid(problems)
        reference = reference.strip()
        if Facture.objects.filter(emetteur_id=dossier.of_etablissement_id, reference=reference).exists():
            raise Conflict(f"Une facture de référence « {reference} » a déjà été déposée.")
        facture = Facture(
            numero=next_numbers("facture")[0],
            dossier=dossier,
            emetteur_id=dossier.of_etablissement_id,
            reference=reference,
            date_facture=date_facture,
            montant_ht=Decimal(str(montant_ht)),
            montant_ttc=Decimal(str(montant_ttc)),
            commentaire=commentaire,
            etat=INITIAL_FACTURE_STATE,
            deposited_at=now,
            deposited_by_id=actor.user_id,
            updated_at=now,
        )
        files.save(facture.fichier, fichier)
        try:
            with transaction.atomic():
                facture.save()
        except IntegrityError:
            raise Conflict(f"Une facture de référence « {reference} » a déjà été déposée.") from None
        log_transition(obj=facture, actor=actor, name="deposer", source="", now=now)
        store_pieces(files, justificatifs, actor=actor, now=now, facture=facture)
    return facture


def facture_add_pieces(*, actor: Actor, facture_id: int, uploads: Sequence[Upload], now) -> list[PieceJointe]:
    if not uploads:
        raise InvalidInput([Problem("fichiers", "Ajoutez au moins un fichier.", "obligatoire")])
    problems = check_uploads(uploads, field="fichiers")
    with StoredFiles() as files, transaction.atomic():
        facture = lock_facture(actor, facture_id)
        ensure_facture_action(actor, facture, ActionFacture.AJOUTER_PIECE)
        invalid(problems)
        return store_pieces(files, uploads, actor=actor, now=now, facture=facture)


# --- OPCO instruction -------------------------------------------------------------------------


def _opco_facture_transition(
    *,
    actor: Actor,
    facture_id: int,
    name: str,
    now,
    reason: str = "",
    details: dict | None = None,
    courrier: str | None = None,
    **kwargs,
) -> Facture:
    if not actor.is_opco:
        raise Forbidden("Action réservée aux gestionnaires de l'OPCO.")
    with transaction.atomic():
        facture = lock_facture(actor, facture_id)
        ensure_facture_action(actor, facture, name)
        facture.updated_at = now
        source = fire(facture, name, **kwargs)
        log = log_transition(
            obj=facture, actor=actor, name=name, source=source, now=now, reason=reason, details=details
        )
        if courrier:
            request_courriers(
                log=log,
                facture=facture,
                now=now,
                requests=[CourrierRequest(courrier, Destinataire.OF, facture.emetteur_id, details or {})],
            )
    return facture


def facture_instruct(*, actor: Actor, facture_id: int, now) -> Facture:
    return _opco_facture_transition(actor=actor, facture_id=facture_id, name="instruire", now=now)


def facture_request_pieces(*, actor: Actor, facture_id: int, pieces: list[str], commentaire: str = "", now) -> Facture:
    problems = []
    if not pieces:
        problems.append(Problem("pieces", "Indiquez au moins une pièce attendue.", "obligatoire"))
    problems += [Problem("pieces", f"Pièce inconnue : {c}.", "inconnu") for c in unknown_codes(pieces, PIECES_FACTURE)]
    invalid(problems)
    details = {"pieces": [{"code": c, "libelle": PIECES_FACTURE[c]} for c in pieces], "commentaire": commentaire}
    return _opco_facture_transition(
        actor=actor,
        facture_id=facture_id,
        name="demander_pieces",
        now=now,
        reason=commentaire,
        details=details,
        courrier=TypeCourrier.FACTURE_DEMANDE_PIECES,
    )


def facture_resume(*, actor: Actor, facture_id: int, now) -> Facture:
    return _opco_facture_transition(actor=actor, facture_id=facture_id, name="reprendre_instruction", now=now)


def facture_validate(*, actor: Actor, facture_id: int, now) -> Facture:
    return _opco_facture_transition(actor=actor, facture_id=facture_id, name="valider", now=now)


def facture_reject(*, actor: Actor, facture_id: int, motif: str, explication: str, now) -> Facture:
    problems = []
    if motif not in MOTIFS_REJET_FACTURE:
        problems.append(Problem("motif", "Motif de rejet inconnu.", "inconnu"))
    if not explication.strip():
        problems.append(Problem("explication", "Un rejet doit être motivé.", "obligatoire"))
    invalid(problems)
    libelle = MOTIFS_REJET_FACTURE[motif]
    details = {"motif": motif, "motif_libelle": libelle, "explication": explication}
    return _opco_facture_transition(
        actor=actor,
        facture_id=facture_id,
        name="rejeter",
        now=now,
        reason=explication,
        details=details,
        courrier=TypeCourrier.FACTURE_REJET,
        motif=f"{libelle} — {explication}",
    )
