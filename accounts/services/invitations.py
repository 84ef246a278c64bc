"""Invitations: how a person joins an organisme's établissements.

An administrator invites an e-mail address to some of the établissements they administer. The
person receives a one-time link (valid ``INVITATION_VALIDITY``): without an account they choose a
password; with an account (at another organisme, say) they sign in and accept. Until then no
habilitation exists, and the inviter is never told whether the address already had an account —
the answer and the e-mail are the same in both cases.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from accounts.actors import Actor
from accounts.models import Habilitation, Invitation, InvitationHabilitation, User
from accounts.services._common import is_admin_of, require_user, see_or_404
from accounts.services.habilitations import (
    HabilitationInput,
    UserInput,
    check_habilitations,
    check_identity,
    ensure_principal,
)
from common.errors import Conflict, Forbidden, InvalidInput, NotFound
from rules.actions import DEFAULT_DROITS, Droit, Role
from rules.verdicts import Problem

logger = logging.getLogger("portail.invitations")

INVITATION_VALIDITY = timedelta(days=7)
INVITATION_PATH = "/invitation/{token}/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return settings.PORTAIL["BASE_URL"].rstrip("/") + INVITATION_PATH.format(token=token)


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    token: str
    email_sent: bool


def _droits(item: HabilitationInput) -> list[str]:
    droits = DEFAULT_DROITS[Role(item.role)] if item.droits is None else frozenset(Droit(d) for d in item.droits)
    return sorted(d.value for d in droits)


def _send(invitation: Invitation, token: str, *, inviter: User | None) -> bool:
    """The invitation e-mail (text and HTML); False when the mail server refused it."""
    etablissements = [h.etablissement for h in invitation.habilitations.select_related("etablissement")]
    context = {
        "invitation": invitation,
        "inviter": inviter,
        "etablissements": etablissements,
        "lien": invitation_link(token),
        "expire_le": invitation.expires_at,
    }
    message = EmailMultiAlternatives(
        subject=render_to_string("accounts/emails/invitation_sujet.txt", context).strip(),
        body=render_to_string("accounts/emails/invitation.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("accounts/emails/invitation.html", context), "text/html")
    try:
        message.send()
    except Exception:  # the mail server is down: the invitation stays, it can be sent again
        logger.exception("Invitation %s : l'e-mail n'a pas pu être envoyé", invitation.pk)
        return False
    return True


def invitation_create(*, actor: Actor, data: UserInput, now) -> InvitationSent:
    """Invite ``data.email`` to the établissements of ``data.habilitations`` (administered by the actor)."""
    require_user(actor)
    if not data.habilitations:
        raise InvalidInput([Problem("habilitations", "Rattachez l'utilisateur à au moins un établissement.")])
    problems = check_identity(data) + check_habilitations(actor, data.habilitations)
    if problems:
        raise InvalidInput(problems)
    email = data.email.strip().lower()
    etabs = [h.etablissement_id for h in data.habilitations]
    with transaction.atomic():
        # What the administrator already sees (their établissements' users and invitations) may be told.
        if Habilitation.objects.filter(user__email=email, etablissement_id__in=etabs).exists():
            raise Conflict("Cette personne est déjà rattachée à cet établissement : modifiez ses droits plutôt.")
        if Invitation.objects.pending(now).filter(email=email, habilitations__etablissement_id__in=etabs).exists():
            raise Conflict("Une invitation est déjà en attente pour cette adresse : renvoyez-la plutôt.")
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            email=email,
            nom=data.nom.strip(),
            prenom=data.prenom.strip(),
            sexe=data.sexe or "",
            token_hash=_hash(token),
            invited_by_id=actor.user_id,
            created_at=now,
            expires_at=now + INVITATION_VALIDITY,
        )
        InvitationHabilitation.objects.bulk_create(
            InvitationHabilitation(
                invitation=invitation, etablissement_id=item.etablissement_id, role=item.role, droits=_droits(item)
            )
            for item in data.habilitations
        )
    inviter = User.objects.filter(pk=actor.user_id).first()
    return InvitationSent(invitation, token, _send(invitation, token, inviter=inviter))


def _managed_invitation(actor: Actor, invitation_id: int) -> Invitation:
    """An invitation to at least one établissement the actor administers (else 404 / 403)."""
    require_user(actor)
    try:
        invitation = Invitation.objects.get(pk=invitation_id)
    except Invitation.DoesNotExist:
        raise NotFound("Invitation introuvable.") from None
    etabs = set(invitation.habilitations.values_list("etablissement_id", flat=True))
    if not etabs & actor.etablissement_ids or actor.is_opco:
        raise NotFound("Invitation introuvable.")
    if not any(is_admin_of(actor, pk) for pk in etabs):
        raise Forbidden("Seul un administrateur de l'établissement gère ses invitations.")
    return invitation


def invitation_resend(*, actor: Actor, invitation_id: int, now) -> InvitationSent:
    """A new link (the previous one stops working) and a new validity period."""
    with transaction.atomic():
        invitation = _managed_invitation(actor, invitation_id)
        if invitation.accepted_at or invitation.cancelled_at:
            raise Conflict("Cette invitation a déjà été acceptée ou annulée.")
        token = secrets.token_urlsafe(32)
        invitation.token_hash = _hash(token)
        invitation.expires_at = now + INVITATION_VALIDITY
        invitation.save(update_fields=["token_hash", "expires_at"])
    inviter = User.objects.filter(pk=actor.user_id).first()
    return InvitationSent(invitation, token, _send(invitation, token, inviter=inviter))


def invitation_cancel(*, actor: Actor, invitation_id: int, now) -> Invitation:
    with transaction.atomic():
        invitation = _managed_invitation(actor, invitation_id)
        if invitation.accepted_at:
            raise Conflict("Cette invitation a déjà été acceptée : modifiez les droits de l'utilisateur.")
        if invitation.cancelled_at is None:
            invitation.cancelled_at = now
            invitation.save(update_fields=["cancelled_at"])
    return invitation


def invitations_pending(*, actor: Actor, etablissement_id: int, now) -> list[Invitation]:
    """The invitations of one établissement still waiting for an answer (expired ones included):
    its administrators only, who are the ones to resend or cancel them."""
    see_or_404(actor, etablissement_id)
    if not is_admin_of(actor, etablissement_id):
        raise Forbidden("Seul un administrateur de l'établissement consulte ses invitations en attente.")
    return list(
        Invitation.objects.filter(
            habilitations__etablissement_id=etablissement_id, accepted_at__isnull=True, cancelled_at__isnull=True
        )
        .prefetch_related("habilitations__etablissement")
        .order_by("-created_at", "-pk")
        .distinct()
    )


# --- The invitee's side ------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationView:
    """What the invitee sees when following the link."""

    invitation: Invitation
    has_account: bool
    etablissements: list


_LINK_INVALID = "Ce lien d'invitation n'est pas valable : il a peut-être déjà servi ou été remplacé."


def invitation_open(*, token: str, now) -> InvitationView:
    try:
        invitation = Invitation.objects.get(token_hash=_hash(token or ""))
    except Invitation.DoesNotExist:
        raise NotFound(_LINK_INVALID) from None
    status = invitation.status(now)
    if status == "acceptee":
        raise Conflict("Cette invitation a déjà été acceptée : connectez-vous.")
    if status == "annulee":
        raise Conflict("Cette invitation a été annulée par l'administrateur de l'établissement.")
    if status == "expiree":
        raise Conflict(
            f"Cette invitation a expiré le {invitation.expires_at:%d/%m/%Y} : demandez à l'administrateur de vous "
            "la renvoyer."
        )
    return InvitationView(
        invitation=invitation,
        has_account=User.objects.filter(email=invitation.email).exists(),
        etablissements=[h.etablissement for h in invitation.habilitations.select_related("etablissement")],
    )


def _grant(invitation: Invitation, user: User, now) -> None:
    existing = set(Habilitation.objects.filter(user=user).values_list("etablissement_id", flat=True))
    for offer in invitation.habilitations.all():
        if offer.etablissement_id in existing:
            continue  # attached meanwhile: their current rights stay
        habilitation = Habilitation(user=user, etablissement_id=offer.etablissement_id, role=offer.role)
        for droit in Droit:
            setattr(habilitation, droit.value, droit.value in offer.droits)
        if offer.role == Role.GESTIONNAIRE_OF:
            habilitation.gerer_utilisateurs = habilitation.gerer_cles = False
        habilitation.save()
    ensure_principal(user.pk)
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])


def _lock_open(token: str, now) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    if invitation is None:
        raise NotFound(_LINK_INVALID)
    if invitation.status(now) != "en_attente":
        invitation_open(token=token, now=now)  # raises the precise reason
    return invitation


def invitation_accept_new(*, token: str, password: str, password_confirmation: str, now) -> User:
    """No account yet for the address: create it with the chosen password and its habilitations."""
    problems = []
    if password != password_confirmation:
        problems.append(Problem("mot_de_passe_confirmation", "Les deux mots de passe ne sont pas identiques."))
    with transaction.atomic():
        invitation = _lock_open(token, now)
        user = User(email=invitation.email, nom=invitation.nom, prenom=invitation.prenom, sexe=invitation.sexe)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            problems += [Problem("mot_de_passe", message) for message in exc.messages]
        if problems:
            raise InvalidInput(problems)
        if User.objects.filter(email=invitation.email).exists():
            raise Conflict("Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation.")
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict(
                "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation."
            ) from None
        _grant(invitation, user, now)
    return user


def invitation_accept_existing(*, user: User, token: str, now) -> User:
    """The invitee has an account and is signed in: attach the offered établissements to it."""
    with transaction.atomic():
        invitation = _lock_open(token, now)
        if user.email.lower() != invitation.email.lower():
            raise Forbidden(
                "Cette invitation est adressée à une autre adresse e-mail : déconnectez-vous puis suivez à nouveau "
                "le lien."
            )
        if not user.is_active:
            raise Forbidden("Votre compte est désactivé.")
        _grant(invitation, user, now)
    return user


def invitation_labels(invitation: Invitation) -> Sequence[str]:
    return [f"{h.etablissement.raison_sociale} — {Role(h.role).label}" for h in invitation.habilitations.all()]
