"""Back office of the accounts: users, the OPCO's referential of établissements, habilitations
and API keys.

OPCO gestionnaires (active staff users with ``is_opco_gestionnaire``) see every model here without
per-model permissions, and maintain the referential and the habilitations. Privileges (superuser,
staff, OPCO, groups, permissions) are granted by superusers only. API keys are never shown nor
set in clear: only their prefix, fingerprint and dates.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.db.models import Count
from django.utils import timezone

from accounts.models import ApiKey, Etablissement, Habilitation, Invitation, InvitationHabilitation, User
from accounts.services.login import client_address, login_wait, wait_message
from rules.actions import Droit

PRIVILEGE_FIELDS = ("is_superuser", "is_staff", "is_opco_gestionnaire", "groups", "user_permissions")


class LimitedAdminLoginForm(AdminAuthenticationForm):
    """The back office's login, through the shared limiter (:mod:`accounts.backends`): while this address
    must wait before trying this account again, the form says so — the same message whether the account
    exists or not, and without the password having been checked."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            email = (self.cleaned_data.get("username") or "").strip().lower()
            wait = login_wait(email, client_address(self.request)) if email else None
            if wait is not None:
                raise forms.ValidationError(wait_message(wait), code="throttled") from None
            raise


admin.site.login_form = LimitedAdminLoginForm


def is_opco_staff(user) -> bool:
    """An active back-office user who instructs for the OPCO (superusers are created as such)."""
    return bool(user.is_active and user.is_staff and getattr(user, "is_opco_gestionnaire", False))


def titled(filter_class, title: str):
    """A list filter on a related field, with a title that says which object it is about."""

    class TitledFilter(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


class OpcoAccessMixin:
    """OPCO gestionnaires see (and, where ``opco_may_edit``, add and change) without model permissions."""

    opco_may_edit = False

    def has_module_permission(self, request):
        return is_opco_staff(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return (self.opco_may_edit and is_opco_staff(request.user)) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return (self.opco_may_edit and is_opco_staff(request.user)) or super().has_change_permission(request, obj)


class ReadOnlyInlineMixin:
    can_delete = False
    extra = 0
    max_num = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_view_permission(request, obj)


# --- Users -----------------------------------------------------------------------------------


def _unique_email(form: forms.ModelForm) -> str:
    email = (form.cleaned_data.get("email") or "").strip().lower()
    others = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if email and others.exists():
        raise forms.ValidationError("Un utilisateur avec cette adresse e-mail existe déjà.")
    return email


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "nom", "prenom", "sexe")

    def clean_email(self) -> str:
        return _unique_email(self)


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _unique_email(self)


class HabilitationInline(OpcoAccessMixin, admin.TabularInline):
    model = Habilitation
    extra = 0
    opco_may_edit = True
    fields = (
        "etablissement",
        "role",
        "principal",
        "saisir_contrats",
        "deposer_pieces",
        "deposer_factures",
        "consulter_reglements",
        "gerer_utilisateurs",
        "gerer_cles",
    )
    autocomplete_fields = ("etablissement", "user")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "etablissement")

    def has_delete_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_delete_permission(request, obj)


class UserHabilitationInline(HabilitationInline):
    fk_name = "user"
    verbose_name_plural = "habilitations (établissements et droits)"


class EtablissementHabilitationInline(HabilitationInline):
    fk_name = "etablissement"
    verbose_name_plural = "utilisateurs habilités"
    fields = ("user", *HabilitationInline.fields[1:])


@admin.register(User)
class UserAdmin(OpcoAccessMixin, BaseUserAdmin):
    opco_may_edit = True
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("prenom", "nom", "sexe")}),
        ("Préférences", {"fields": ("daily_digest",)}),
        ("Accès", {"fields": ("is_active", "is_staff", "is_opco_gestionnaire", "is_superuser")}),
        ("Permissions du back-office", {"classes": ("collapse",), "fields": ("groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "prenom", "nom", "sexe", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "email",
        "nom",
        "prenom",
        "is_active",
        "is_staff",
        "is_opco_gestionnaire",
        "nombre_habilitations",
        "last_login",
    )
    list_display_links = ("email",)
    list_filter = (
        "is_active",
        "is_staff",
        "is_opco_gestionnaire",
        "is_superuser",
        "daily_digest",
        "habilitations__role",
        (
            "habilitations__etablissement__actif",
            titled(admin.BooleanFieldListFilter, "établissement habilité actif"),
        ),
    )
    search_fields = (
        "email",
        "nom",
        "prenom",
        "habilitations__etablissement__siret",
        "habilitations__etablissement__raison_sociale",
    )
    ordering = ("nom", "prenom", "email")
    readonly_fields = ("last_login", "date_joined")
    inlines = (UserHabilitationInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_habilitations=Count("habilitations", distinct=True))

    @admin.display(description="habilitations", ordering="_habilitations")
    def nombre_habilitations(self, obj: User) -> int:
        return obj._habilitations

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [f for f in PRIVILEGE_FIELDS if f not in fields]
        return fields

    def has_change_permission(self, request, obj=None):
        # Only a superuser may act on a superuser's account (password, activation…).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_inlines(self, request, obj):
        # Habilitations are added once the user exists (its creation page stays the short one).
        return self.inlines if obj is not None else ()


# --- Établissements --------------------------------------------------------------------------


class ApiKeyInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ApiKey
    fk_name = "etablissement"
    fields = ("prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = fields
    verbose_name_plural = "clés d'authentification"


@admin.register(Etablissement)
class EtablissementAdmin(OpcoAccessMixin, admin.ModelAdmin):
    opco_may_edit = True
    list_display = (
        "siret",
        "raison_sociale",
        "siren",
        "nic",
        "ville",
        "est_organisme_formation",
        "est_entreprise",
        "employeur_public",
        "actif",
    )
    list_display_links = ("siret", "raison_sociale")
    list_filter = ("actif", "est_organisme_formation", "est_entreprise", "employeur_public", "type_employeur")
    search_fields = ("siret", "raison_sociale", "uai", "nda", "ville", "code_postal", "email")
    ordering = ("raison_sociale",)
    readonly_fields = ("siren", "nic")
    fieldsets = (
        (None, {"fields": ("siret", ("siren", "nic"), "raison_sociale", "actif")}),
        ("Nature", {"fields": ("est_organisme_formation", "est_entreprise")}),
        ("Coordonnées", {"fields": ("adresse", ("code_postal", "ville"), "pays", "email", "telephone")}),
        ("Organisme de formation", {"fields": ("uai", "nda")}),
        (
            "Entreprise",
            {"fields": ("naf", ("idcc", "libelle_idcc"), "effectif", "type_employeur", "employeur_public")},
        ),
    )
    inlines = (EtablissementHabilitationInline, ApiKeyInline)

    @admin.display(description="SIREN", ordering="siret")
    def siren(self, obj: Etablissement) -> str:
        return obj.siren if obj.siret else "—"

    @admin.display(description="NIC")
    def nic(self, obj: Etablissement) -> str:
        return obj.nic if obj.siret else "—"

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: dossiers, factures and règlements refer to établissements.
        return False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Autocompletes only offer the établissements that fit the field being filled.
        field_name = request.GET.get("field_name") if request.path.endswith("/autocomplete/") else None
        if field_name == "of_etablissement":
            queryset = queryset.filter(est_organisme_formation=True, actif=True)
        elif field_name == "entreprise":
            queryset = queryset.filter(est_entreprise=True, actif=True)
        return queryset, may_have_duplicates


# --- Habilitations ---------------------------------------------------------------------------


@admin.register(Habilitation)
class HabilitationAdmin(OpcoAccessMixin, admin.ModelAdmin):
    opco_may_edit = True
    list_display = (
        "user",
        "etablissement",
        "role",
        "principal",
        "saisir_contrats",
        "deposer_pieces",
        "deposer_factures",
        "consulter_reglements",
        "gerer_utilisateurs",
        "gerer_cles",
        "created_at",
    )
    list_filter = (
        "role",
        "principal",
        ("etablissement__actif", titled(admin.BooleanFieldListFilter, "établissement actif")),
        "gerer_utilisateurs",
        "gerer_cles",
    )
    list_select_related = ("user", "etablissement")
    search_fields = (
        "user__email",
        "user__nom",
        "user__prenom",
        "etablissement__siret",
        "etablissement__raison_sociale",
    )
    autocomplete_fields = ("user", "etablissement")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("user", "etablissement", "role", "principal")}),
        (
            "Droits",
            {
                "fields": (
                    "saisir_contrats",
                    "deposer_pieces",
                    "deposer_factures",
                    "consulter_reglements",
                    "gerer_utilisateurs",
                    "gerer_cles",
                ),
                "description": "La gestion des utilisateurs et des clés est réservée aux administrateurs OF.",
            },
        ),
        ("Dates", {"fields": ("created_at",)}),
    )
    ordering = ("etablissement__raison_sociale", "user__nom")

    def has_delete_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_delete_permission(request, obj)


# --- Clés d'authentification ------------------------------------------------------------------


class ApiKeyStatusFilter(admin.SimpleListFilter):
    title = "statut"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("expiree", "Expirée"), ("revoquee", "Révoquée")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.active(now)
        if self.value() == "expiree":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoquee":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """Read-only: a key is created (and shown once) by its OF administrator; never in clear here."""

    list_display = (
        "cle",
        "etablissement",
        "statut",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_by",
        "droits_de_la_cle",
    )
    list_filter = (
        ApiKeyStatusFilter,
        ("etablissement__actif", titled(admin.BooleanFieldListFilter, "établissement actif")),
        "expires_at",
    )
    list_select_related = ("etablissement", "created_by", "revoked_by")
    search_fields = ("prefix", "etablissement__siret", "etablissement__raison_sociale", "created_by__email")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    fields = (
        "etablissement",
        "cle",
        "key_hash",
        "statut",
        "created_at",
        "created_by",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "last_used_at",
        "droits_de_la_cle",
    )
    readonly_fields = fields

    @admin.display(description="droits")
    def droits_de_la_cle(self, obj: ApiKey) -> str:
        return ", ".join(d.label for d in Droit if d in obj.droits_set) or "Consultation seule"

    @admin.display(description="clé")
    def cle(self, obj: ApiKey) -> str:
        return f"{ApiKey.PREFIX}_{obj.prefix}_…"

    @admin.display(description="statut")
    def statut(self, obj: ApiKey) -> str:
        if obj.revoked_at is not None:
            return "Révoquée"
        return "Active" if obj.is_usable(timezone.now()) else "Expirée"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvitationHabilitationInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InvitationHabilitation
    fields = ("etablissement", "role", "droits")
    readonly_fields = fields


class InvitationStatusFilter(admin.SimpleListFilter):
    title = "statut"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [("en_attente", "En attente"), ("acceptee", "Acceptée"), ("annulee", "Annulée"), ("expiree", "Expirée")]

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        if value == "en_attente":
            return queryset.pending(now)
        if value == "acceptee":
            return queryset.filter(accepted_at__isnull=False)
        if value == "annulee":
            return queryset.filter(cancelled_at__isnull=False)
        if value == "expiree":
            return queryset.filter(accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """Read-only: an invitation is sent by an OF administrator from the portal; the link is never shown."""

    list_display = ("email", "nom", "prenom", "statut", "created_at", "expires_at", "invited_by", "accepted_by")
    list_filter = (InvitationStatusFilter, "created_at")
    list_select_related = ("invited_by", "accepted_by")
    search_fields = ("email", "nom", "prenom", "habilitations__etablissement__siret")
    ordering = ("-created_at",)
    fields = (
        "email",
        "nom",
        "prenom",
        "sexe",
        "statut",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "cancelled_at",
    )
    readonly_fields = fields
    inlines = [InvitationHabilitationInline]

    @admin.display(description="statut")
    def statut(self, obj: Invitation) -> str:
        return {"en_attente": "En attente", "acceptee": "Acceptée", "annulee": "Annulée", "expiree": "Expirée"}[
            obj.status(timezone.now())
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(InvitationHabilitation)
class InvitationHabilitationAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """Read-only list of the établissements offered by invitations (the same rows as the inline)."""

    list_display = ("invitation", "etablissement", "role")
    list_select_related = ("invitation", "etablissement")
    search_fields = ("invitation__email", "etablissement__siret", "etablissement__raison_sociale")
    fields = ("invitation", "etablissement", "role", "droits")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
