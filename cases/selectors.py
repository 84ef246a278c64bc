"""Reads, always scoped to the actor: another tenant's object does not exist."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.actors import Actor
from cases.errors import NotFound
from cases.models import Courrier, Dossier, Facture, Notification, PieceJointe, Reglement, TransitionLog


def dossiers_visible_to(actor: Actor) -> QuerySet[Dossier]:
    qs = Dossier.objects.all()
    return qs if actor.is_opco else qs.of_scope(actor.etablissement_ids)


def factures_visible_to(actor: Actor) -> QuerySet[Facture]:
    qs = Facture.objects.all()
    return qs if actor.is_opco else qs.of_scope(actor.etablissement_ids)


def reglements_visible_to(actor: Actor) -> QuerySet[Reglement]:
    qs = Reglement.objects.all()
    return qs if actor.is_opco else qs.of_scope(actor.etablissement_ids)


def courriers_visible_to(actor: Actor) -> QuerySet[Courrier]:
    qs = Courrier.objects.all()
    if actor.is_opco:
        return qs
    ids = actor.etablissement_ids
    return (
        qs.filter(dossier__of_etablissement_id__in=ids)
        | qs.filter(facture__emetteur_id__in=ids)
        | qs.filter(reglement__beneficiaire_id__in=ids)
    )


def notifications_of(actor: Actor) -> QuerySet[Notification]:
    if actor.user_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=actor.user_id, deleted_at__isnull=True)
    # A notification follows the user's current habilitations, not those they had when it was sent.
    return qs if actor.is_opco else qs.filter(courrier__destinataire_etablissement_id__in=actor.etablissement_ids)


def dossier_get(*, actor: Actor, dossier_id: int) -> Dossier:
    try:
        return dossiers_visible_to(actor).select_related("of_etablissement", "entreprise").get(pk=dossier_id)
    except Dossier.DoesNotExist:
        raise NotFound("Dossier introuvable.") from None


def facture_get(*, actor: Actor, facture_id: int) -> Facture:
    try:
        return factures_visible_to(actor).select_related("dossier", "emetteur").get(pk=facture_id)
    except Facture.DoesNotExist:
        raise NotFound("Facture introuvable.") from None


def reglement_get(*, actor: Actor, reglement_id: int) -> Reglement:
    try:
        return reglements_visible_to(actor).select_related("beneficiaire").get(pk=reglement_id)
    except Reglement.DoesNotExist:
        raise NotFound("Règlement introuvable.") from None


def dossier_journal(*, actor: Actor, dossier_id: int) -> QuerySet[TransitionLog]:
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    return dossier.journal.order_by("created_at", "pk")


def dossier_pieces(*, actor: Actor, dossier_id: int) -> QuerySet[PieceJointe]:
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    return dossier.pieces.order_by("-uploaded_at")
