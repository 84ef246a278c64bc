"""Use cases of « Mes habilitations »: users and their habilitations, établissements' contact
fields, notification preferences, and the clés d'authentification (API keys) of each SIRET.

Same conventions as :mod:`cases.services`: keyword-only, ``actor=`` (and ``now=`` for writes that
date something), domain errors of :mod:`common.errors` (another tenant's object is a 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from accounts.actors import Actor
from accounts.models import ApiKey, Etablissement, Habilitation, Sexe, User
from common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from common.paging import Page, PageRequest
from rules.actions import ADMIN_ONLY_DROITS, DEFAULT_DROITS, Droit, Role
from rules.verdicts import Problem

# A key's last use is written at most this often (one UPDATE per key and period, not per call).
LAST_USED_RESOLUTION = timedelta(minutes=5)


def _require_user(actor: Actor) -> None:
    if actor.user_id is None:
        raise Forbidden("Action réservée à un utilisateur connecté (et non à une clé d'authentification).")


def _is_admin_of(actor: Actor, etablissement_id: int) -> bool:
    grant = actor.grants.get(etablissement_id)
    return grant is not None and grant.role is Role.ADMIN_OF and Droit.GERER_UTILISATEURS in grant.droits


def _see_or_404(actor: Actor, etablissement_id: int) -> None:
    if actor.is_opco or etablissement_id not in actor.grants:
        # The OPCO manages habilitations in the back-office, not through the OF's pages.
        raise NotFound("Établissement introuvable.")


# --- Clés d'authentification -----------------------------------------------------------------


class ApiKeyRefused(DomainError):
    """The X-API-KEY of a call is unknown, revoked or expired (the norm's 403 CLE_…)."""

    status = 403

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _require_gerer_cles(actor: Actor, etablissement_id: int) -> None:
    _see_or_404(actor, etablissement_id)
    if Droit.GERER_CLES not in actor.droits_on(etablissement_id):
        raise Forbidden("Seul un administrateur disposant du droit « Gérer les clés d'authentification » le peut.")


def api_key_list(*, actor: Actor, etablissement_id: int) -> list[ApiKey]:
    """Every key of one SIRET (the active one first), with their expiry and revocation."""
    _require_gerer_cles(actor, etablissement_id)
    return list(
        ApiKey.objects.filter(etablissement_id=etablissement_id)
        .select_related("etablissement")
        .order_by(F("revoked_at").desc(nulls_first=True), "-created_at", "-pk")
    )


def api_key_generate(*, actor: Actor, etablissement_id: int, now) -> tuple[ApiKey, str]:
    """A new key for the SIRET, valid 365 days; the previous one is revoked. The clear key is returned once."""
    _require_user(actor)
    _require_gerer_cles(actor, etablissement_id)
    with transaction.atomic():
        etablissement = Etablissement.objects.select_for_update().get(pk=etablissement_id)
        ApiKey.objects.filter(etablissement_id=etablissement_id, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.user_id
        )
        key, raw = ApiKey.build(etablissement=etablissement, created_by=None, now=now)
        key.created_by_id = actor.user_id
        key.save()
    return key, raw


def api_key_revoke(*, actor: Actor, key_id: int, now) -> ApiKey:
    _require_user(actor)
    try:
        key = ApiKey.objects.select_related("etablissement").get(pk=key_id)
    except ApiKey.DoesNotExist:
        raise NotFound("Clé introuvable.") from None
    if actor.is_opco or key.etablissement_id not in actor.grants:
        raise NotFound("Clé introuvable.")
    _require_gerer_cles(actor, key.etablissement_id)
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by_id=actor.user_id
        )
        if not updated:
            raise Conflict("Cette clé est déjà révoquée.")
    key.refresh_from_db()
    return key


def api_key_authenticate(raw: str, now) -> ApiKey:
    """The key behind an X-API-KEY header, or :class:`ApiKeyRefused` (unknown, revoked, expired)."""
    if not raw or len(raw) > 200:
        raise ApiKeyRefused("CLE_INVALIDE", "Clé d'authentification invalide.")
    try:
        key = ApiKey.objects.select_related("etablissement").get(key_hash=ApiKey.hash_of(raw.strip()))
    except ApiKey.DoesNotExist:
        raise ApiKeyRefused("CLE_INVALIDE", "Clé d'authentification invalide.") from None
    if key.revoked_at is not None:
        raise ApiKeyRefused(
            "CLE_REVOQUEE", f"Cette clé d'authentification a été révoquée le {key.revoked_at:%d/%m/%Y}."
        )
    if key.expires_at <= now:
        raise ApiKeyRefused(
            "CLE_EXPIREE",
            f"Cette clé d'authentification a expiré le {key.expires_at:%d/%m/%Y} : "
            "un administrateur de l'établissement doit en générer une nouvelle.",
        )
    if not key.etablissement.actif:
        raise ApiKeyRefused("CLE_INVALIDE", "L'établissement de cette clé n'est plus actif.")
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


# --- Users and habilitations ----------------------------------------------------------------


@dataclass(frozen=True)
class HabilitationInput:
    etablissement_id: int
    role: str
    droits: Sequence[str] | None = None  # None: the role's defaults
    principal: bool | None = None


@dataclass(frozen=True)
class UserInput:
    email: str
    nom: str
    prenom: str
    sexe: str = ""
    actif: bool = True
    habilitations: Sequence[HabilitationInput] = field(default_factory=tuple)


def user_list(*, actor: Actor, etablissement_id: int, q: str | None, page: PageRequest) -> Page[Habilitation]:
    """The users of one établissement (their habilitation there), searched by e-mail, nom or prénom."""
    _see_or_404(actor, etablissement_id)
    qs = Habilitation.objects.filter(etablissement_id=etablissement_id).select_related("user")
    if q and q.strip():
        for word in q.split():
            qs = qs.filter(
                Q(user__email__icontains=word) | Q(user__nom__icontains=word) | Q(user__prenom__icontains=word)
            )
    start, end = page.bounds()
    qs = qs.order_by("user__nom", "user__prenom", "user_id")
    items = list(qs[start:end])
    total = len(items) if page.page == 1 and len(items) < page.taille else qs.count()
    return Page(items=items, total=total, page=page.page, taille=page.taille)


@dataclass(frozen=True)
class Profile:
    user: User | None
    api_key: ApiKey | None
    habilitations: list[Habilitation]


def profile_get(*, actor: Actor) -> Profile:
    """Who is connected: the user and their habilitations, or the key and its SIRET."""
    if actor.api_key_id is not None:
        key = ApiKey.objects.select_related("etablissement").get(pk=actor.api_key_id)
        return Profile(user=None, api_key=key, habilitations=[])
    habilitations = list(
        Habilitation.objects.filter(user_id=actor.user_id, etablissement_id__in=actor.etablissement_ids)
        .select_related("user", "etablissement")
        .order_by("-principal", "etablissement__raison_sociale")
    )
    user = habilitations[0].user if habilitations else User.objects.get(pk=actor.user_id)
    return Profile(user=user, api_key=None, habilitations=habilitations)


def user_get(*, actor: Actor, user_id: int) -> tuple[User, list[Habilitation]]:
    """A user and their habilitations on the actor's établissements (never the others')."""
    habilitations = []
    if not actor.is_opco and actor.grants:
        habilitations = list(
            Habilitation.objects.filter(user_id=user_id, etablissement_id__in=actor.etablissement_ids)
            .select_related("user", "etablissement")
            .order_by("-principal", "etablissement__raison_sociale")
        )
    if not habilitations:
        raise NotFound("Utilisateur introuvable.")
    return habilitations[0].user, habilitations


def _check_identity(data: UserInput) -> list[Problem]:
    problems = []
    try:
        validate_email(data.email or "")
    except ValidationError:
        problems.append(Problem("email", "Adresse e-mail invalide.", "invalide"))
    for name in ("nom", "prenom"):
        value = (getattr(data, name) or "").strip()
        if not value:
            problems.append(Problem(name, "Ce champ est obligatoire.", "obligatoire"))
        elif len(value) > 80:
            problems.append(Problem(name, "80 caractères au plus."))
    if data.sexe and data.sexe not in Sexe.values:
        problems.append(Problem("sexe", "Sexe inconnu (M ou F).", "inconnu"))
    return problems


def _check_habilitations(actor: Actor, items: Sequence[HabilitationInput]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        path = f"habilitations[{i}]"
        # Raises 404 / 403 before anything else: an admin grants only where they administer.
        _see_or_404(actor, item.etablissement_id)
        if not _is_admin_of(actor, item.etablissement_id):
            raise Forbidden("Vous n'administrez pas cet établissement : vous ne pouvez pas y attribuer d'habilitation.")
        if item.etablissement_id in seen:
            problems.append(Problem(f"{path}.etablissement_id", "Établissement en double."))
        seen.add(item.etablissement_id)
        if item.role not in (Role.ADMIN_OF, Role.GESTIONNAIRE_OF):
            problems.append(Problem(f"{path}.role", "Rôle inconnu (admin_of ou gestionnaire_of).", "inconnu"))
            continue
        for droit in item.droits or ():
            if droit not in Droit.__members__.values():
                problems.append(Problem(f"{path}.droits", f"Droit inconnu : {droit}.", "inconnu"))
            elif item.role == Role.GESTIONNAIRE_OF and droit in ADMIN_ONLY_DROITS:
                problems.append(
                    Problem(f"{path}.droits", f"Le droit « {Droit(droit).label} » est réservé aux administrateurs.")
                )
    if sum(1 for item in items if item.principal) > 1:
        problems.append(Problem("habilitations", "Un seul établissement principal."))
    return problems


def _apply(habilitation: Habilitation, item: HabilitationInput) -> None:
    habilitation.role = item.role
    droits = DEFAULT_DROITS[Role(item.role)] if item.droits is None else frozenset(Droit(d) for d in item.droits)
    for droit in Droit:
        setattr(habilitation, droit.value, droit in droits)


def _ensure_principal(user_id: int) -> None:
    habilitations = Habilitation.objects.filter(user_id=user_id)
    if habilitations.exists() and not habilitations.filter(principal=True).exists():
        first = habilitations.order_by("created_at", "pk").first()
        Habilitation.objects.filter(pk=first.pk).update(principal=True)


def _write_habilitations(user: User, items: Sequence[HabilitationInput], managed: frozenset[int]) -> None:
    """Make the user's habilitations on ``managed`` établissements exactly ``items``; others stay."""
    wanted = {item.etablissement_id: item for item in items}
    current = {h.etablissement_id: h for h in Habilitation.objects.select_for_update().filter(user=user)}
    Habilitation.objects.filter(user=user, etablissement_id__in=managed - set(wanted)).delete()
    new_principal = next((item.etablissement_id for item in items if item.principal), None)
    if new_principal is not None:
        Habilitation.objects.filter(user=user, principal=True).exclude(etablissement_id=new_principal).update(
            principal=False
        )
    for etablissement_id, item in wanted.items():
        habilitation = current.get(etablissement_id) or Habilitation(user=user, etablissement_id=etablissement_id)
        _apply(habilitation, item)
        if item.principal is not None:
            habilitation.principal = item.principal
        habilitation.save()
    _ensure_principal(user.pk)


def user_create(*, actor: Actor, data: UserInput, now) -> User:
    """Create a user (or attach an existing account, same e-mail) with habilitations on the admin's établissements.

    The new account has no usable password: the user sets one with the password-reset e-mail.
    """
    _require_user(actor)
    if not data.habilitations:
        raise InvalidInput([Problem("habilitations", "Rattachez l'utilisateur à au moins un établissement.")])
    problems = _check_identity(data) + _check_habilitations(actor, data.habilitations)
    if problems:
        raise InvalidInput(problems)
    email = data.email.strip().lower()
    with transaction.atomic():
        user = User.objects.select_for_update().filter(email=email).first()
        if user is None:
            user = User(
                email=email,
                nom=data.nom.strip(),
                prenom=data.prenom.strip(),
                sexe=data.sexe or "",
                is_active=data.actif,
            )
            user.set_unusable_password()
            user.save()
        elif Habilitation.objects.filter(
            user=user, etablissement_id__in=[h.etablissement_id for h in data.habilitations]
        ).exists():
            raise Conflict("Cet utilisateur est déjà rattaché à cet établissement : modifiez-le plutôt.")
        managed = frozenset(h.etablissement_id for h in data.habilitations)
        _write_habilitations(user, data.habilitations, managed)
    return user


def user_update(*, actor: Actor, user_id: int, data: UserInput, now) -> User:
    """Edit a user: identity (when every établissement of theirs is administered by the actor) and
    their habilitations on the établissements the actor administers (the others are untouched)."""
    _require_user(actor)
    user, visible = user_get(actor=actor, user_id=user_id)
    managed = frozenset(pk for pk in actor.grants if _is_admin_of(actor, pk))
    if not managed & {h.etablissement_id for h in visible}:
        raise Forbidden("Seul un administrateur de l'un de ses établissements peut modifier cet utilisateur.")
    problems = _check_identity(data) + _check_habilitations(actor, data.habilitations)
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        all_etabs = set(Habilitation.objects.filter(user=user).values_list("etablissement_id", flat=True))
        owns_all = all_etabs <= managed
        email = data.email.strip().lower()
        identity_changes = (
            email != user.email
            or data.nom.strip() != user.nom
            or data.prenom.strip() != user.prenom
            or (data.sexe or "") != user.sexe
            or data.actif != user.is_active
        )
        if identity_changes and not owns_all:
            raise Forbidden(
                "Cet utilisateur est aussi rattaché à d'autres organismes : seuls ses droits sur vos établissements "
                "peuvent être modifiés."
            )
        if user.pk == actor.user_id and not data.actif:
            raise InvalidInput([Problem("actif", "Vous ne pouvez pas désactiver votre propre compte.")])
        user.email, user.nom, user.prenom = email, data.nom.strip(), data.prenom.strip()
        user.sexe, user.is_active = data.sexe or "", data.actif
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.") from None
        if user.pk == actor.user_id:
            kept = {h.etablissement_id for h in data.habilitations if _becomes_admin(h)}
            if not kept & managed:
                raise InvalidInput(
                    [Problem("habilitations", "Vous ne pouvez pas retirer vos propres droits d'administrateur.")]
                )
        _write_habilitations(user, data.habilitations, managed)
    return user


def _becomes_admin(item: HabilitationInput) -> bool:
    if item.role != Role.ADMIN_OF:
        return False
    return item.droits is None or Droit.GERER_UTILISATEURS in item.droits


# --- Établissements and preferences -----------------------------------------------------------


def etablissement_list(
    *, actor: Actor, q: str | None = None, ville: str | None = None, actif: bool | None = None
) -> list[tuple[Etablissement, bool]]:
    """The établissements of the actor's habilitations, with « établissement principal »."""
    if actor.is_opco or not actor.grants:
        return []
    qs = Etablissement.objects.filter(pk__in=actor.etablissement_ids)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(raison_sociale__icontains=text) | Q(siret__startswith=text))
    if ville:
        qs = qs.filter(ville__icontains=ville.strip())
    if actif is not None:
        qs = qs.filter(actif=actif)
    return [(e, actor.grants[e.pk].principal) for e in qs.order_by("raison_sociale", "pk")]


def etablissement_update(
    *, actor: Actor, etablissement_id: int, email: str | None, telephone: str | None
) -> Etablissement:
    """The contact fields an administrator keeps up to date (the rest comes from the OPCO's referential)."""
    _require_user(actor)
    _see_or_404(actor, etablissement_id)
    if actor.grants[etablissement_id].role is not Role.ADMIN_OF:
        raise Forbidden("Seul un administrateur de l'établissement peut modifier ses coordonnées.")
    problems = []
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(Problem("email", "Adresse e-mail invalide."))
    if telephone:
        digits = telephone.replace(" ", "").replace(".", "").replace("-", "")
        if not (digits.lstrip("+").isdigit() and 10 <= len(digits) <= 15):
            problems.append(Problem("telephone", "Numéro de téléphone invalide."))
    if problems:
        raise InvalidInput(problems)
    with transaction.atomic():
        etablissement = Etablissement.objects.select_for_update().get(pk=etablissement_id)
        if email is not None:
            etablissement.email = email.strip()
        if telephone is not None:
            etablissement.telephone = telephone.strip()
        etablissement.save(update_fields=["email", "telephone"])
    return etablissement


def notification_preferences_update(*, actor: Actor, daily_digest: bool) -> User:
    """« Je souhaite recevoir un mail quotidien d'information de dépôt de courrier » (on by default)."""
    _require_user(actor)
    User.objects.filter(pk=actor.user_id).update(daily_digest=daily_digest)
    return User.objects.get(pk=actor.user_id)
