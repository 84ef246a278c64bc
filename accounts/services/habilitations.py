"""Use cases of « Mes habilitations »: the users of an établissement and their habilitations, the
établissements' contact fields, notification preferences.

New users arrive by invitation (:mod:`accounts.services.invitations`); here an administrator edits
the people already attached to their établissements. Same conventions as :mod:`cases.services`:
keyword-only, ``actor=`` (and ``now=`` for writes that date something), domain errors of
:mod:`common.errors` (another tenant's object is a 404).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.actors import Actor, invalidate_user
from accounts.models import ApiKey, Etablissement, Habilitation, Sexe, User
from accounts.services._common import is_admin_of, require_user, see_or_404
from common.errors import Conflict, Forbidden, InvalidInput, NotFound
from common.paging import Page, PageRequest
from rules.actions import ADMIN_ONLY_DROITS, DEFAULT_DROITS, Droit, Role
from rules.verdicts import Problem

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
    see_or_404(actor, etablissement_id)
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


def check_identity(data: UserInput) -> list[Problem]:
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


def check_habilitations(actor: Actor, items: Sequence[HabilitationInput]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        path = f"habilitations[{i}]"
        # Raises 404 / 403 before anything else: an admin grants only where they administer.
        see_or_404(actor, item.etablissement_id)
        if not is_admin_of(actor, item.etablissement_id):
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


def ensure_principal(user_id: int) -> None:
    """A user with habilitations always has one principal établissement (the oldest by default)."""
    habilitations = Habilitation.objects.filter(user_id=user_id)
    if habilitations.exists() and not habilitations.filter(principal=True).exists():
        first = habilitations.order_by("created_at", "pk").first()
        Habilitation.objects.filter(pk=first.pk).update(principal=True)
        invalidate_user(user_id)


def _write_habilitations(
    user: User, items: Sequence[HabilitationInput], managed: frozenset[int], *, may_move_principal: bool
) -> None:
    """Make the user's habilitations on ``managed`` établissements exactly ``items``; others stay.

    The principal établissement moves only when every établissement of the user is managed by the
    actor: an administrator never moves someone's principal établissement off another organisme.
    """
    wanted = {item.etablissement_id: item for item in items}
    current = {h.etablissement_id: h for h in Habilitation.objects.select_for_update().filter(user=user)}
    Habilitation.objects.filter(user=user, etablissement_id__in=managed - set(wanted)).delete()
    new_principal = next((item.etablissement_id for item in items if item.principal), None)
    if new_principal is not None and may_move_principal:
        Habilitation.objects.filter(user=user, principal=True).exclude(etablissement_id=new_principal).update(
            principal=False
        )
        invalidate_user(user.pk)
    for etablissement_id, item in wanted.items():
        habilitation = current.get(etablissement_id) or Habilitation(user=user, etablissement_id=etablissement_id)
        _apply(habilitation, item)
        if item.principal is not None and may_move_principal:
            habilitation.principal = item.principal
        habilitation.save()
    ensure_principal(user.pk)


def _administers(role: str, droits: Sequence[str] | frozenset | None) -> bool:
    if role != Role.ADMIN_OF:
        return False
    return droits is None or Droit.GERER_UTILISATEURS in droits


def _check_last_admins(user: User, data: UserInput, managed: frozenset[int]) -> list[Problem]:
    """No établissement may lose its last active administrator (demotion, removal or deactivation)."""
    wanted = {item.etablissement_id: item for item in data.habilitations}
    problems = []
    for h in Habilitation.objects.filter(user=user, etablissement_id__in=managed).select_related("etablissement"):
        if not (user.is_active and h.role == Role.ADMIN_OF and h.gerer_utilisateurs):
            continue
        item = wanted.get(h.etablissement_id)
        stays_admin = data.actif and item is not None and _administers(item.role, item.droits)
        if stays_admin:
            continue
        others = (
            Habilitation.objects.filter(
                etablissement_id=h.etablissement_id,
                role=Role.ADMIN_OF,
                gerer_utilisateurs=True,
                user__is_active=True,
            )
            .exclude(user=user)
            .exists()
        )
        if not others:
            problems.append(
                Problem(
                    "actif" if not data.actif else "habilitations",
                    f"{user.get_full_name()} est le dernier administrateur actif de "
                    f"« {h.etablissement.raison_sociale} » ({h.etablissement.siret}) : nommez d'abord un autre "
                    "administrateur.",
                    "dernier_administrateur",
                )
            )
    return problems


def user_update(*, actor: Actor, user_id: int, data: UserInput, now) -> User:
    """Edit a user: identity (when every établissement of theirs is administered by the actor) and
    their habilitations on the établissements the actor administers (the others are untouched).

    An établissement never loses its last active administrator, and nobody removes their own
    administration rights.
    """
    require_user(actor)
    user, visible = user_get(actor=actor, user_id=user_id)
    managed = frozenset(pk for pk in actor.grants if is_admin_of(actor, pk))
    if not managed & {h.etablissement_id for h in visible}:
        raise Forbidden("Seul un administrateur de l'un de ses établissements peut modifier cet utilisateur.")
    problems = check_identity(data) + check_habilitations(actor, data.habilitations)
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
        if user.pk == actor.user_id:
            kept = {h.etablissement_id for h in data.habilitations if _administers(h.role, h.droits)}
            if not kept & managed:
                raise InvalidInput(
                    [Problem("habilitations", "Vous ne pouvez pas retirer vos propres droits d'administrateur.")]
                )
        invalid_admins = _check_last_admins(user, data, managed)
        if invalid_admins:
            raise InvalidInput(invalid_admins)
        user.email, user.nom, user.prenom = email, data.nom.strip(), data.prenom.strip()
        user.sexe, user.is_active = data.sexe or "", data.actif
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise Conflict("Cette adresse e-mail est déjà utilisée par un autre compte.") from None
        _write_habilitations(user, data.habilitations, managed, may_move_principal=owns_all)
    return user


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
    require_user(actor)
    see_or_404(actor, etablissement_id)
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
    require_user(actor)
    User.objects.filter(pk=actor.user_id).update(daily_digest=daily_digest)
    invalidate_user(actor.user_id)
    return User.objects.get(pk=actor.user_id)
