"""Users, the OPCO's referential of établissements, habilitations and API keys."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from rules import identifiers
from rules.actions import DEFAULT_DROITS, Droit, Role


class Sexe(models.TextChoices):
    MASCULIN = "M", "Masculin"
    FEMININ = "F", "Féminin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, is_opco_gestionnaire=True)
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail", unique=True)
    nom = models.CharField("nom", max_length=80)
    prenom = models.CharField("prénom", max_length=80)
    sexe = models.CharField("sexe", max_length=1, choices=Sexe.choices, blank=True)
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès au back-office", default=False)
    is_opco_gestionnaire = models.BooleanField(
        "gestionnaire OPCO", default=False, help_text="Instruit les dossiers et les factures de tous les OF."
    )
    daily_digest = models.BooleanField(
        "mail quotidien des nouveaux courriers",
        default=True,
        help_text="Recevoir chaque matin un e-mail listant les courriers déposés sur mes dossiers.",
    )
    date_joined = models.DateTimeField("créé le", auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["nom", "prenom"]

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"

    def __str__(self) -> str:
        return f"{self.prenom} {self.nom} <{self.email}>"

    def get_full_name(self) -> str:
        return f"{self.prenom} {self.nom}".strip()

    def get_short_name(self) -> str:
        return self.prenom


class TypeEmployeur(models.IntegerChoices):
    REPERTOIRE_METIERS = 11, "Entreprise inscrite au répertoire des métiers ou au registre des entreprises"
    RCS = 12, "Entreprise inscrite uniquement au RCS"
    MSA = 13, "Entreprise dont les salariés relèvent de la MSA"
    PROFESSION_LIBERALE = 14, "Profession libérale"
    ASSOCIATION = 15, "Association"
    AUTRE_PRIVE = 16, "Autre employeur privé"
    ETAT = 21, "Service de l'État"
    COMMUNE = 22, "Commune"
    DEPARTEMENT = 23, "Département"
    REGION = 24, "Région"
    HOSPITALIER = 25, "Établissement public hospitalier"
    EPLE = 26, "Établissement public local d'enseignement"
    EPA_ETAT = 27, "Établissement public administratif de l'État"
    EPA_LOCAL = 28, "Établissement public administratif local"
    AUTRE_PUBLIC = 29, "Autre employeur public"


def validate_siret(value: str) -> None:
    problems = identifiers.check_siret(value, field="siret")
    if problems:
        raise ValidationError(problems[0].message)


def validate_uai(value: str) -> None:
    problems = identifiers.check_uai(value, field="uai")
    if problems:
        raise ValidationError(problems[0].message)


class Etablissement(models.Model):
    """An establishment of the OPCO's referential: an OF/CFA, an entreprise, or both."""

    siret = models.CharField("SIRET", max_length=14, unique=True, validators=[validate_siret])
    raison_sociale = models.CharField("raison sociale", max_length=200)
    adresse = models.CharField("adresse", max_length=250, blank=True)
    code_postal = models.CharField("code postal", max_length=5, blank=True)
    ville = models.CharField("ville", max_length=100, blank=True)
    pays = models.CharField("pays", max_length=60, default="France", blank=True)
    email = models.EmailField("e-mail", blank=True)
    telephone = models.CharField("téléphone", max_length=20, blank=True)
    actif = models.BooleanField("actif", default=True)
    est_organisme_formation = models.BooleanField("organisme de formation", default=False)
    est_entreprise = models.BooleanField("entreprise", default=False)
    # Organisme de formation
    uai = models.CharField("numéro UAI", max_length=8, blank=True, validators=[validate_uai])
    nda = models.CharField("numéro de déclaration d'activité", max_length=11, blank=True)
    # Entreprise
    naf = models.CharField("code NAF", max_length=6, blank=True)
    idcc = models.CharField("code IDCC", max_length=4, blank=True)
    libelle_idcc = models.CharField("convention collective", max_length=500, blank=True)
    effectif = models.PositiveIntegerField("effectif total salariés", null=True, blank=True)
    type_employeur = models.PositiveSmallIntegerField(
        "type d'employeur", choices=TypeEmployeur.choices, null=True, blank=True
    )
    employeur_public = models.BooleanField("employeur public", default=False)

    class Meta:
        verbose_name = "établissement"
        verbose_name_plural = "établissements"
        indexes = [models.Index(fields=["raison_sociale"])]

    def __str__(self) -> str:
        return f"{self.raison_sociale} ({self.siret})"

    @property
    def siren(self) -> str:
        return identifiers.siren_of(self.siret)

    @property
    def nic(self) -> str:
        return identifiers.nic_of(self.siret)

    def clean(self) -> None:
        if self.type_employeur and self.type_employeur >= 21 and not self.employeur_public:
            raise ValidationError({"employeur_public": "Un type d'employeur public implique un employeur public."})


class Habilitation(models.Model):
    """User × établissement × role, with the rights an administrator ticks."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="habilitations", verbose_name="utilisateur", db_index=False
    )  # led by habilitation_unique
    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.CASCADE, related_name="habilitations", verbose_name="établissement"
    )
    role = models.CharField(
        "rôle", max_length=20, choices=[(r.value, r.label) for r in (Role.ADMIN_OF, Role.GESTIONNAIRE_OF)]
    )
    principal = models.BooleanField("établissement principal", default=False)
    saisir_contrats = models.BooleanField(Droit.SAISIR_CONTRATS.label, default=True)
    deposer_pieces = models.BooleanField(Droit.DEPOSER_PIECES.label, default=True)
    deposer_factures = models.BooleanField(Droit.DEPOSER_FACTURES.label, default=True)
    consulter_reglements = models.BooleanField(Droit.CONSULTER_REGLEMENTS.label, default=True)
    gerer_utilisateurs = models.BooleanField(Droit.GERER_UTILISATEURS.label, default=False)
    gerer_cles = models.BooleanField(Droit.GERER_CLES.label, default=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "habilitation"
        verbose_name_plural = "habilitations"
        constraints = [
            models.UniqueConstraint(fields=["user", "etablissement"], name="habilitation_unique"),
            models.UniqueConstraint(fields=["user"], condition=Q(principal=True), name="un_seul_principal"),
            models.CheckConstraint(
                condition=Q(role=Role.ADMIN_OF) | (Q(gerer_utilisateurs=False) & Q(gerer_cles=False)),
                name="droits_admin_reserves_aux_admins",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.etablissement} ({self.get_role_display()})"

    @property
    def droits(self) -> frozenset[Droit]:
        return frozenset(d for d in Droit if getattr(self, d.value))

    def apply_default_droits(self) -> None:
        defaults = DEFAULT_DROITS[Role(self.role)]
        for droit in Droit:
            setattr(self, droit.value, droit in defaults)


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self, now) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiKey(models.Model):
    """Clé d'authentification of one SIRET, for the OF's own software (stored hashed)."""

    PREFIX = "pof"
    # What a key may be given: the rights of a gestionnaire's work, never the management of users or keys.
    KEY_DROITS = DEFAULT_DROITS[Role.GESTIONNAIRE_OF]

    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.CASCADE, related_name="api_keys", verbose_name="établissement"
    )
    prefix = models.CharField("début de la clé", max_length=16, db_index=True)
    key_hash = models.CharField("empreinte", max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="créée par", null=True, blank=True
    )
    created_at = models.DateTimeField("créée le")
    expires_at = models.DateTimeField("expire le")
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name="révoquée par", null=True, blank=True
    )
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    # The rights chosen when the key was generated (codes of rules.actions.Droit, among KEY_DROITS and
    # never beyond the generating administrator's): the OF's software acts with these and no others.
    droits = models.JSONField("droits", default=list, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "clé d'authentification"
        verbose_name_plural = "clés d'authentification"
        constraints = [
            models.UniqueConstraint(
                fields=["etablissement"], condition=Q(revoked_at__isnull=True), name="une_cle_active_par_siret"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.etablissement.siret})"

    # Factories
    @classmethod
    def build(
        cls, *, etablissement: Etablissement, created_by: User | None, now, droits: Iterable[Droit] | None = None
    ) -> tuple[ApiKey, str]:
        """A new unsaved key and its clear value (shown once, never stored); ``droits`` default to a
        gestionnaire's."""
        prefix = secrets.token_hex(4)
        raw = f"{cls.PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        days = settings.PORTAIL["API_KEY_VALIDITY_DAYS"]
        key = cls(
            etablissement=etablissement,
            prefix=prefix,
            key_hash=_hash_key(raw),
            created_by=created_by,
            created_at=now,
            expires_at=now + timedelta(days=days),
            droits=sorted(Droit(d).value for d in (cls.KEY_DROITS if droits is None else droits)),
        )
        return key, raw

    # Queries
    @staticmethod
    def hash_of(raw: str) -> str:
        return _hash_key(raw)

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now

    @property
    def droits_set(self) -> frozenset[Droit]:
        """The key's rights, limited to KEY_DROITS whatever the stored value says."""
        return frozenset(Droit(d) for d in self.droits or () if d in set(Droit) and Droit(d) in self.KEY_DROITS)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """An administrator's invitation to join établissements; the habilitations exist only once accepted.

    The token is sent by e-mail and stored hashed. Whether the address already has an account is
    never told to the inviter: the invitee chooses a password (new account) or signs in to accept.
    """

    email = models.EmailField("e-mail")
    nom = models.CharField("nom", max_length=80)
    prenom = models.CharField("prénom", max_length=80)
    sexe = models.CharField("sexe", max_length=1, choices=Sexe.choices, blank=True)
    token_hash = models.CharField("empreinte du lien", max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="invité par"
    )
    created_at = models.DateTimeField("envoyée le")
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="acceptée par"
    )
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"Invitation de {self.email}"

    def status(self, now) -> str:
        if self.accepted_at:
            return "acceptee"
        if self.cancelled_at:
            return "annulee"
        if self.expires_at <= now:
            return "expiree"
        return "en_attente"


class InvitationHabilitation(models.Model):
    """One établissement an invitation offers, with the role and the rights ticked by the administrator."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="habilitations", verbose_name="invitation"
    )
    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.CASCADE, related_name="invitations", verbose_name="établissement"
    )
    role = models.CharField(
        "rôle", max_length=20, choices=[(r.value, r.label) for r in (Role.ADMIN_OF, Role.GESTIONNAIRE_OF)]
    )
    droits = models.JSONField("droits", default=list)

    class Meta:
        verbose_name = "établissement proposé"
        verbose_name_plural = "établissements proposés"
        constraints = [
            models.UniqueConstraint(fields=["invitation", "etablissement"], name="invitation_etablissement_unique")
        ]

    def __str__(self) -> str:
        return f"{self.etablissement} ({self.get_role_display()})"
