"""Access rules and display helpers shared by every page of the back office."""

from __future__ import annotations

import json
import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html

from accounts.actors import Actor, Channel

# --- Access ------------------------------------------------------------------------------------


def is_opco_staff(user) -> bool:
    """An active back-office user who instructs for the OPCO (superusers are created as such)."""
    return bool(user.is_active and user.is_staff and getattr(user, "is_opco_gestionnaire", False))


def opco_actor(request) -> Actor:
    """The admin user as a domain actor; the back office's writes are reserved to the OPCO (403)."""
    actor = Actor.for_user(request.user, channel=Channel.ADMIN)
    if not actor.is_opco:
        raise PermissionDenied("Action réservée aux gestionnaires de l'OPCO.")
    return actor


class OpcoAccessMixin:
    """OPCO gestionnaires see every object without per-model permissions; nothing is deleted here."""

    opco_may_change = False

    def has_module_permission(self, request):
        return is_opco_staff(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (self.opco_may_change and is_opco_staff(request.user)) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(OpcoAccessMixin, admin.ModelAdmin):
    """Written only by services and flows: shown, never added, changed or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if self.fields:
            return self.fields
        return [f.name for f in self.model._meta.fields if f.name != "id"] + list(self.readonly_fields)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_opco_staff(request.user) or super().has_view_permission(request, obj)


# --- Display helpers -----------------------------------------------------------------------------


def admin_link(obj, text=None) -> str:
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else str(obj))


def pretty_json(value) -> str:
    if not value:
        return "—"
    return format_html('<pre class="donnees-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False))


def state_label(labels: dict, value: str) -> str:
    return labels.get(value, value) if value else "—"


def titled(filter_class, title: str):
    """A list filter on a related field, with a title that says which object it is about."""

    class TitledFilter(filter_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.title = title

    return TitledFilter


_REFERENCE = re.compile(r"(\d{1,10})(?:\.(\d{1,4}))?")


class NumberSearchMixin:
    """Searching "3866466.1" or "3866466" finds the dossier (or its factures) by reference."""

    dossier_number_path = "numero"

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = _REFERENCE.fullmatch(search_term.strip())
        if match:
            numero, version = match.groups()
            lookup = {self.dossier_number_path: int(numero)}
            if version:
                lookup[self.dossier_number_path.removesuffix("numero") + "version"] = int(version)
            results = results | queryset.filter(**lookup)
        return results, may_have_duplicates
