"""Accounts people can use: sign in (through the shared limiter), sign out, « mot de passe oublié »,
change password, accept an invitation, « Gérer mes notifications »."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.services import (
    client_address,
    invitation_accept_existing,
    invitation_accept_new,
    invitation_open,
    login_unlock,
    login_wait,
    notification_preferences_update,
    profile_get,
)
from common.errors import DomainError, InvalidInput
from portal.context import error_page, portal_view
from portal.forms import PortalForm, apply_problems

BACKEND = "accounts.backends.LimitedModelBackend"


def _wait_message(seconds: int) -> str:
    minutes = -(-seconds // 60)
    if seconds < 60:
        return f"Trop de tentatives : réessayez dans {seconds} secondes, ou réinitialisez votre mot de passe."
    unit = "minutes" if minutes > 1 else "minute"
    return f"Trop de tentatives : réessayez dans {minutes} {unit}, ou réinitialisez votre mot de passe."


# --- Connexion ---------------------------------------------------------------------------------


class ConnexionForm(AuthenticationForm):
    """E-mail and password; the wait imposed by the limiter is told, never whether the account exists."""

    error_messages = {
        "invalid_login": "E-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé : contactez l'administrateur de votre organisme.",
    }

    def __init__(self, request=None, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Adresse e-mail"
        self.fields["username"].widget = forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
        self.fields["password"].label = "Mot de passe"

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        self.cleaned_data["username"] = email
        if email and self.cleaned_data.get("password"):
            wait = login_wait(email, client_address(self.request))
            if wait is not None:
                raise forms.ValidationError(_wait_message(wait), code="throttled")
        return super().clean()


class ConnexionView(auth_views.LoginView):
    template_name = "portal/comptes/connexion.html"
    authentication_form = ConnexionForm
    redirect_authenticated_user = True


# --- Mot de passe oublié -----------------------------------------------------------------------


class MotDePasseOublieForm(PasswordResetForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Adresse e-mail de votre compte"


class MotDePasseOublieView(auth_views.PasswordResetView):
    template_name = "portal/comptes/mot_de_passe_oublie.html"
    form_class = MotDePasseOublieForm
    subject_template_name = "portal/emails/reinitialisation_sujet.txt"
    email_template_name = "portal/emails/reinitialisation.txt"
    html_email_template_name = "portal/emails/reinitialisation.html"
    success_url = reverse_lazy("portal:mot_de_passe_oublie_envoye")

    @property
    def extra_email_context(self):
        return {"base_url": settings.PORTAIL["BASE_URL"].rstrip("/")}


class NouveauMotDePasseForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Confirmez le nouveau mot de passe"


class ReinitialisationView(auth_views.PasswordResetConfirmView):
    template_name = "portal/comptes/reinitialisation.html"
    form_class = NouveauMotDePasseForm
    success_url = reverse_lazy("portal:reinitialisation_terminee")

    def form_valid(self, form):
        response = super().form_valid(form)
        login_unlock(form.user.email)  # a reset link lifts every delay of the login limiter
        return response


class ChangementMotDePasseForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Confirmez le nouveau mot de passe"


class ChangementMotDePasseView(auth_views.PasswordChangeView):
    template_name = "portal/comptes/mot_de_passe.html"
    form_class = ChangementMotDePasseForm
    success_url = reverse_lazy("portal:tableau_de_bord")

    def form_valid(self, form):
        response = super().form_valid(form)
        login_unlock(form.user.email)
        messages.success(self.request, "Votre mot de passe a été changé.")
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "nav": "compte"}


mot_de_passe = portal_view(ChangementMotDePasseView.as_view())


# --- Invitations -------------------------------------------------------------------------------


class ChoixMotDePasseForm(PortalForm):
    mot_de_passe = forms.CharField(
        label="Choisissez votre mot de passe",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Au moins 10 caractères, pas un mot de passe trop courant.",
    )
    mot_de_passe_confirmation = forms.CharField(
        label="Confirmez le mot de passe", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        view = invitation_open(token=token, now=now)
    except DomainError as exc:
        return error_page(request, exc.status, exc.message)
    context = {"invitation": view.invitation, "etablissements": view.etablissements, "token": token}
    if not view.has_account:
        form = ChoixMotDePasseForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                user = invitation_accept_new(
                    token=token,
                    password=form.cleaned_data["mot_de_passe"],
                    password_confirmation=form.cleaned_data["mot_de_passe_confirmation"],
                    now=now,
                )
            except InvalidInput as exc:
                apply_problems(form, exc.problems)
            except DomainError as exc:
                return error_page(request, exc.status, exc.message)
            else:
                login(request, user, backend=BACKEND)
                messages.success(request, "Bienvenue sur le Portail OF : votre compte est prêt.")
                return redirect("portal:tableau_de_bord")
        return render(request, "portal/comptes/invitation_nouveau.html", {**context, "form": form})
    if not request.user.is_authenticated:
        context["connexion"] = f"{reverse('portal:connexion')}?next={request.path}"
        return render(request, "portal/comptes/invitation_connexion.html", context)
    if request.method == "POST":
        try:
            invitation_accept_existing(user=request.user, token=token, now=now)
        except DomainError as exc:
            return error_page(request, exc.status, exc.message)
        messages.success(request, "Invitation acceptée : les nouveaux établissements sont dans votre sélecteur.")
        return redirect("portal:tableau_de_bord")
    return render(request, "portal/comptes/invitation_accepter.html", context)


# --- Gérer mes notifications -------------------------------------------------------------------


class PreferencesForm(PortalForm):
    mail_quotidien = forms.BooleanField(
        label="Je souhaite recevoir un mail quotidien d'information de dépôt de courrier sur mes demandes "
        "(contrat d'apprentissage, contrat de professionnalisation et actions de formation)",
        required=False,
    )


@portal_view
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    actor = request.viewer.actor
    user = profile_get(actor=actor).user
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, initial={"mail_quotidien": user.daily_digest}
    )
    if request.method == "POST" and form.is_valid():
        notification_preferences_update(actor=actor, daily_digest=form.cleaned_data["mail_quotidien"])
        messages.success(request, "Vos préférences de notification sont enregistrées.")
        return redirect("portal:preferences")
    return render(request, "portal/comptes/preferences.html", {"form": form, "nav": "compte"})
