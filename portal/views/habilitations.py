"""Mes habilitations: « Utilisateurs » (list and search, invitations and their follow-up, « Voir
l'utilisateur » with the rights per établissement, deactivation), « Établissements » (list, sheet, contact
fields) and « Clé d'authentification » (generate — shown once —, revoke, expiry). Same services as
``api/routers/habilitations.py``: the rights, the last active administrator and the tenancy are theirs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import ApiKey, Sexe
from accounts.services import (
    HabilitationInput,
    UserInput,
    api_key_droits_offered,
    api_key_generate,
    api_key_list,
    api_key_revoke,
    etablissement_list,
    etablissement_update,
    invitation_cancel,
    invitation_create,
    invitation_resend,
    invitations_pending,
    user_get,
    user_list,
    user_update,
)
from cases.permissions import has_droit
from cases.selectors import etablissement_get
from common.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from common.paging import Page
from portal.context import EtablissementChoice, Viewer, portal_view
from portal.forms import PortalForm, apply_problems
from portal.lists import ListeForm, lister, texte_filtre
from rules.actions import ADMIN_ONLY_DROITS, DEFAULT_DROITS, Droit, Role
from rules.verdicts import Problem

# Before its expiry, a key is announced this long in advance (the reminder e-mails use the same delay).
PREAVIS_EXPIRATION = timedelta(days=30)
# One-time tokens of the « Générer » confirmation: a reload of the answer never generates a second key.
JETONS_CLE = "portail_cles_a_generer"

ROLES = [(Role.GESTIONNAIRE_OF.value, Role.GESTIONNAIRE_OF.label), (Role.ADMIN_OF.value, Role.ADMIN_OF.label)]
DROITS = [(d.value, d.label) for d in Droit]
AIDE_DROITS = "« {} » et « {} » ne s'appliquent qu'à un administrateur OF.".format(
    *(d.label for d in Droit if d in ADMIN_ONLY_DROITS)
)


def _administre(viewer: Viewer, etablissement_id: int) -> bool:
    """The viewer manages the users of this établissement (the « Gérer les utilisateurs » right)."""
    return has_droit(viewer.actor, etablissement_id, Droit.GERER_UTILISATEURS)


def _administres(viewer: Viewer) -> list[EtablissementChoice]:
    return [c for c in viewer.choices if _administre(viewer, c.id)]


def _echec(form: forms.Form, exc: DomainError, aliases: dict[str, str] | None = None) -> int:
    """A service's refusal shown on the form the user filled in (their input kept); its HTTP status."""
    if isinstance(exc, InvalidInput):
        apply_problems(form, exc.problems, aliases=aliases)
    else:
        form.add_error(None, exc.message)
    return exc.status


def _confirmation(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    """A confirmation page: whole without JavaScript, the shared dialog's content when htmx asks for it."""
    context = {"nav": "habilitations", "dialogue": bool(getattr(request, "htmx", False)), **context}
    return render(request, template, context, status=status)


# --- Utilisateurs ----------------------------------------------------------------------------------


class RechercheForm(ListeForm):
    q = texte_filtre("Rechercher un utilisateur", help_text="Tout ou partie de l'e-mail, du nom ou du prénom")


@portal_view
@require_GET
def utilisateurs(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    form = RechercheForm(request.GET)
    page = lister(
        form,
        lambda paging: user_list(
            actor=viewer.actor, etablissement_id=viewer.etablissement_id, q=form.cleaned_data["q"], page=paging
        ),
    )
    admin = _administre(viewer, viewer.etablissement_id)
    now = timezone.now()
    context = {
        "nav": "habilitations",
        "onglet": "utilisateurs",
        "form": form,
        "page": page,
        "admin": admin,
        "invitations": invitations_pending(actor=viewer.actor, etablissement_id=viewer.etablissement_id, now=now)
        if admin
        else [],
        "now": now,
        "efface": reverse("portal:utilisateurs"),
    }
    return render(request, "portal/habilitations/utilisateurs.html", context, status=200 if page is not None else 422)


@dataclass(frozen=True)
class Bloc:
    """One établissement of the form: « Rattacher », the type of role, the habilitations."""

    etablissement: EtablissementChoice
    rattacher: forms.BoundField
    role: forms.BoundField
    droits: forms.BoundField


class UtilisateurForm(PortalForm):
    """The guide's « Créer un utilisateur » / « Modifier »: the identity, then for each établissement the
    administrator administers a row (rattacher, type de rôle, habilitations). The rules are the services'."""

    nom = forms.CharField(label="Nom", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    prenom = forms.CharField(label="Prénom", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    email = forms.CharField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="L'adresse sert d'identifiant de connexion.",
    )
    sexe = forms.ChoiceField(label="Sexe", required=False, choices=[("", "Non renseigné"), *Sexe.choices])

    def __init__(self, *args, etablissements: list[EtablissementChoice], invitation: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.etablissements = etablissements
        if invitation:
            self.fields["email"].help_text = "Le lien d'invitation y est envoyé ; l'adresse sert ensuite d'identifiant."
        for e in etablissements:
            self.fields[f"rattacher_{e.id}"] = forms.BooleanField(
                label="Rattacher l'utilisateur à cet établissement", required=False
            )
            self.fields[f"role_{e.id}"] = forms.ChoiceField(
                label="Type de rôle", required=False, choices=ROLES, widget=forms.RadioSelect
            )
            self.fields[f"droits_{e.id}"] = forms.MultipleChoiceField(
                label="Habilitations",
                required=False,
                choices=DROITS,
                widget=forms.CheckboxSelectMultiple,
                help_text=AIDE_DROITS,
            )

    @property
    def identite(self) -> list[forms.BoundField]:
        return [self[name] for name in ("nom", "prenom", "email", "sexe")]

    @property
    def blocs(self) -> list[Bloc]:
        return [
            Bloc(e, self[f"rattacher_{e.id}"], self[f"role_{e.id}"], self[f"droits_{e.id}"])
            for e in self.etablissements
        ]

    def clean(self):
        data = super().clean()
        for e in self.etablissements:
            if data.get(f"rattacher_{e.id}") and not data.get(f"role_{e.id}"):
                self.add_error(f"role_{e.id}", "Choisissez le type de rôle.")
        return data

    def habilitations(self) -> tuple[tuple[HabilitationInput, ...], dict[str, str]]:
        """The ticked établissements for the service, and where its problems (by index) are shown."""
        items, aliases = [], {}
        for e in self.etablissements:
            if not self.cleaned_data.get(f"rattacher_{e.id}"):
                continue
            i = len(items)
            items.append(
                HabilitationInput(
                    etablissement_id=e.id,
                    role=self.cleaned_data[f"role_{e.id}"],
                    droits=tuple(self.cleaned_data[f"droits_{e.id}"]),
                )
            )
            aliases |= {
                f"habilitations[{i}].etablissement_id": f"rattacher_{e.id}",
                f"habilitations[{i}].role": f"role_{e.id}",
                f"habilitations[{i}].droits": f"droits_{e.id}",
            }
        return tuple(items), aliases

    def user_input(self, *, actif: bool) -> tuple[UserInput, dict[str, str]]:
        items, aliases = self.habilitations()
        d = self.cleaned_data
        return (
            UserInput(
                email=d["email"], nom=d["nom"], prenom=d["prenom"], sexe=d["sexe"], actif=actif, habilitations=items
            ),
            aliases,
        )


def _initial_invitation(viewer: Viewer, etablissements: list[EtablissementChoice]) -> dict:
    initial = {}
    for e in etablissements:
        initial[f"rattacher_{e.id}"] = e.id == viewer.etablissement_id or len(etablissements) == 1
        initial[f"role_{e.id}"] = Role.GESTIONNAIRE_OF.value
        initial[f"droits_{e.id}"] = [d.value for d in Droit if d in DEFAULT_DROITS[Role.GESTIONNAIRE_OF]]
    return initial


def _administres_ou_403(viewer: Viewer) -> list[EtablissementChoice]:
    etablissements = _administres(viewer)
    if not etablissements:
        raise Forbidden(
            "Seul un administrateur OF disposant du droit « Gérer les utilisateurs » crée des utilisateurs."
        )
    return etablissements


@portal_view
@require_http_methods(["GET", "POST"])
def utilisateur_inviter(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    etablissements = _administres_ou_403(viewer)
    status = 200
    if request.method == "POST":
        form = UtilisateurForm(request.POST, etablissements=etablissements, invitation=True)
        status = 422
        if form.is_valid():
            data, aliases = form.user_input(actif=True)
            try:
                sent = invitation_create(actor=viewer.actor, data=data, now=timezone.now())
            except (InvalidInput, Conflict) as exc:
                status = _echec(form, exc, aliases)
            else:
                email = sent.invitation.email
                if sent.email_sent:
                    messages.success(
                        request,
                        f"Invitation envoyée à {email} : la personne choisit son mot de passe en suivant le lien reçu "
                        "par e-mail (valable 7 jours).",
                    )
                else:
                    messages.warning(
                        request,
                        f"L'invitation de {email} est enregistrée, mais l'e-mail n'a pas pu partir : renvoyez-la "
                        "depuis « Invitations en attente » dans quelques minutes.",
                    )
                return redirect("portal:utilisateurs")
    else:
        form = UtilisateurForm(
            initial=_initial_invitation(viewer, etablissements), etablissements=etablissements, invitation=True
        )
    context = {"nav": "habilitations", "onglet": "utilisateurs", "form": form}
    return render(request, "portal/habilitations/utilisateur_inviter.html", context, status=status)


def _initial_utilisateur(user, habilitations, etablissements: list[EtablissementChoice]) -> dict:
    initial = {"nom": user.nom, "prenom": user.prenom, "email": user.email, "sexe": user.sexe}
    by_etab = {h.etablissement_id: h for h in habilitations}
    for e in etablissements:
        h = by_etab.get(e.id)
        role = Role(h.role) if h else Role.GESTIONNAIRE_OF
        droits = h.droits if h else DEFAULT_DROITS[role]
        initial[f"rattacher_{e.id}"] = h is not None
        initial[f"role_{e.id}"] = role.value
        initial[f"droits_{e.id}"] = [d.value for d in Droit if d in droits]
    return initial


@portal_view
@require_http_methods(["GET", "POST"])
def utilisateur(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = request.viewer
    user, habilitations = user_get(actor=viewer.actor, user_id=user_id)
    etablissements = _administres(viewer)
    gerees = {e.id for e in etablissements}
    peut_modifier = bool(gerees & {h.etablissement_id for h in habilitations})
    status = 200
    form = None
    if request.method == "POST":
        if not peut_modifier:
            # Nothing changes; the service answers the refusal (403) to whoever administers none of her établissements.
            unchanged = UserInput(
                email=user.email, nom=user.nom, prenom=user.prenom, sexe=user.sexe, actif=user.is_active
            )
            user_update(actor=viewer.actor, user_id=user.pk, data=unchanged, now=timezone.now())
            return redirect("portal:utilisateur", user_id=user.pk)
        form = UtilisateurForm(request.POST, etablissements=etablissements)
        status = 422
        if form.is_valid():
            data, aliases = form.user_input(actif=user.is_active)
            try:
                user_update(actor=viewer.actor, user_id=user.pk, data=data, now=timezone.now())
            except (InvalidInput, Forbidden, Conflict) as exc:
                status = _echec(form, exc, aliases)
            else:
                name = f"{data.prenom.strip()} {data.nom.strip()}"
                messages.success(request, f"Les informations et les droits de {name} sont enregistrés.")
                still_seen = data.habilitations or any(h.etablissement_id not in gerees for h in habilitations)
                if still_seen:
                    return redirect("portal:utilisateur", user_id=user.pk)
                return redirect("portal:utilisateurs")
    elif peut_modifier:
        form = UtilisateurForm(
            initial=_initial_utilisateur(user, habilitations, etablissements), etablissements=etablissements
        )
    context = {
        "nav": "habilitations",
        "onglet": "utilisateurs",
        "u": user,
        "lignes": [(h, [d.label for d in Droit if d in h.droits]) for h in habilitations],
        "peut_modifier": peut_modifier,
        "form": form,
    }
    return render(request, "portal/habilitations/utilisateur.html", context, status=status)


class ActivationForm(PortalForm):
    actif = forms.TypedChoiceField(
        choices=[("0", "0"), ("1", "1")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


@portal_view
@require_http_methods(["GET", "POST"])
def utilisateur_activation(request: HttpRequest, user_id: int) -> HttpResponse:
    """« Désactiver » (or « Réactiver ») a user: a confirmation, then ``user_update`` with her rights unchanged."""
    viewer = request.viewer
    user, habilitations = user_get(actor=viewer.actor, user_id=user_id)
    gerees = {e.id for e in _administres(viewer)}
    if request.method == "GET" and not gerees & {h.etablissement_id for h in habilitations}:
        # The POST is refused by the service; the confirmation is not offered either.
        raise Forbidden("Seul un administrateur de l'un de ses établissements peut modifier cet utilisateur.")
    form = ActivationForm(request.POST or None, initial={"actif": "0" if user.is_active else "1"})
    status = 200
    if request.method == "POST" and form.is_valid():
        actif = form.cleaned_data["actif"]
        data = UserInput(
            email=user.email,
            nom=user.nom,
            prenom=user.prenom,
            sexe=user.sexe,
            actif=actif,
            habilitations=tuple(
                HabilitationInput(
                    etablissement_id=h.etablissement_id, role=h.role, droits=tuple(d.value for d in h.droits)
                )
                for h in habilitations
                if h.etablissement_id in gerees
            ),
        )
        try:
            user_update(actor=viewer.actor, user_id=user.pk, data=data, now=timezone.now())
        except (InvalidInput, Forbidden) as exc:
            status = _echec(form, exc)
        else:
            state = "réactivé" if actif else "désactivé"
            messages.success(request, f"Le compte de {user.prenom} {user.nom} est {state}.")
            return redirect("portal:utilisateur", user_id=user.pk)
    elif request.method == "POST":
        status = 422
    context = {"onglet": "utilisateurs", "u": user, "form": form, "desactiver": user.is_active}
    return _confirmation(request, "portal/habilitations/utilisateur_activation.html", context, status=status)


# --- Invitations en attente -------------------------------------------------------------------------


@portal_view
@require_http_methods(["POST"])
def invitation_renvoyer(request: HttpRequest, invitation_id: int) -> HttpResponse:
    sent = invitation_resend(actor=request.viewer.actor, invitation_id=invitation_id, now=timezone.now())
    email = sent.invitation.email
    if sent.email_sent:
        messages.success(
            request, f"Invitation renvoyée à {email} : le nouveau lien est valable 7 jours, le précédent ne sert plus."
        )
    else:
        messages.warning(request, f"L'e-mail d'invitation n'a pas pu partir vers {email} : réessayez plus tard.")
    return redirect("portal:utilisateurs")


@portal_view
@require_http_methods(["GET", "POST"])
def invitation_annuler(request: HttpRequest, invitation_id: int) -> HttpResponse:
    viewer = request.viewer
    if request.method == "POST":
        invitation = invitation_cancel(actor=viewer.actor, invitation_id=invitation_id, now=timezone.now())
        messages.success(request, f"L'invitation de {invitation.email} est annulée : son lien ne fonctionne plus.")
        return redirect("portal:utilisateurs")
    if not _administre(viewer, viewer.etablissement_id):
        raise Forbidden("Seul un administrateur de l'établissement gère ses invitations.")
    pending = invitations_pending(actor=viewer.actor, etablissement_id=viewer.etablissement_id, now=timezone.now())
    invitation = next((i for i in pending if i.pk == invitation_id), None)
    if invitation is None:
        raise NotFound("Invitation introuvable.")
    return _confirmation(
        request,
        "portal/habilitations/invitation_annuler.html",
        {"onglet": "utilisateurs", "invitation": invitation},
    )


# --- Établissements ---------------------------------------------------------------------------------


class EtablissementsFiltresForm(ListeForm):
    q = texte_filtre("Raison sociale ou SIRET", help_text="Tout ou partie de la raison sociale, ou le début du SIRET")
    ville = texte_filtre("Ville")
    actif = forms.TypedChoiceField(
        label="Actif",
        required=False,
        choices=[("", "Tous"), ("oui", "Actifs"), ("non", "Inactifs")],
        coerce=lambda v: v == "oui",
        empty_value=None,
    )


ETABLISSEMENT_SORTS = {
    "principal": lambda row: not row[1],
    "siret": lambda row: row[0].siret,
    "raison_sociale": lambda row: row[0].raison_sociale.lower(),
    "adresse": lambda row: row[0].adresse.lower(),
    "ville": lambda row: row[0].ville.lower(),
    "actif": lambda row: not row[0].actif,
}


def _etablissements_page(rows: list, tri: str | None, paging) -> Page:
    """The user's établissements (a handful) sorted and cut into a page here, as the service returns them all."""
    key = (tri or "raison_sociale").lstrip("-")
    if key not in ETABLISSEMENT_SORTS:
        known = ", ".join(sorted(ETABLISSEMENT_SORTS))
        raise InvalidInput([Problem("tri", f"Tri inconnu : « {key} ». Colonnes triables : {known}.", "inconnu")])
    rows = sorted(rows, key=ETABLISSEMENT_SORTS[key], reverse=(tri or "").startswith("-"))
    start, end = paging.bounds()
    return Page(items=rows[start:end], total=len(rows), page=paging.page, taille=paging.taille)


@portal_view
@require_GET
def etablissements(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer
    form = EtablissementsFiltresForm(request.GET)
    page = lister(
        form,
        lambda paging: _etablissements_page(
            etablissement_list(
                actor=viewer.actor,
                q=form.cleaned_data["q"] or None,
                ville=form.cleaned_data["ville"] or None,
                actif=form.cleaned_data["actif"],
            ),
            form.tri,
            paging,
        ),
    )
    context = {
        "nav": "habilitations",
        "onglet": "etablissements",
        "form": form,
        "page": page,
        "efface": reverse("portal:etablissements"),
    }
    return render(request, "portal/habilitations/etablissements.html", context, status=200 if page is not None else 422)


class CoordonneesForm(PortalForm):
    email = forms.CharField(
        label="E-mail",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    telephone = forms.CharField(
        label="Numéro de téléphone",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text="Par exemple 01 23 45 67 89",
    )


@portal_view
@require_http_methods(["GET", "POST"])
def etablissement(request: HttpRequest, etablissement_id: int) -> HttpResponse:
    viewer = request.viewer
    etab = etablissement_get(actor=viewer.actor, etablissement_id=etablissement_id)
    grant = viewer.actor.grants.get(etab.pk)
    status = 200
    if request.method == "POST":
        form = CoordonneesForm(request.POST)
        status = 422
        if form.is_valid():
            try:
                etablissement_update(
                    actor=viewer.actor,
                    etablissement_id=etab.pk,
                    email=form.cleaned_data["email"],
                    telephone=form.cleaned_data["telephone"],
                )
            except InvalidInput as exc:
                apply_problems(form, exc.problems)
            else:
                messages.success(request, f"Les coordonnées de {etab.raison_sociale} sont enregistrées.")
                return redirect("portal:etablissement", etablissement_id=etab.pk)
    else:
        form = CoordonneesForm(initial={"email": etab.email, "telephone": etab.telephone})
    context = {
        "nav": "habilitations",
        "onglet": "etablissements",
        "e": etab,
        "principal": bool(grant and grant.principal),
        "peut_modifier": bool(grant and grant.role is Role.ADMIN_OF),
        "form": form,
    }
    return render(request, "portal/habilitations/etablissement.html", context, status=status)


# --- Clé d'authentification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cle:
    key: ApiKey
    statut: str  # « Active », « Expirée », « Révoquée »
    bientot: bool  # active and expiring within PREAVIS_EXPIRATION

    @property
    def prefixe(self) -> str:
        return f"{ApiKey.PREFIX}_{self.key.prefix}_…"

    @property
    def droits(self) -> list[Droit]:
        return [d for d in Droit if d in self.key.droits_set]

    @property
    def jours_restants(self) -> int:
        return max(0, (self.key.expires_at - timezone.now()).days)


def _cle(key: ApiKey, now) -> Cle:
    if key.revoked_at is not None:
        return Cle(key, "Révoquée", False)
    if not key.is_usable(now):
        return Cle(key, "Expirée", False)
    return Cle(key, "Active", key.expires_at - now <= PREAVIS_EXPIRATION)


def _cles(viewer: Viewer) -> tuple[Cle | None, list[Cle]]:
    """The current key of the SIRET chosen in the header (not revoked, maybe expired) and the previous ones."""
    now = timezone.now()
    keys = [_cle(k, now) for k in api_key_list(actor=viewer.actor, etablissement_id=viewer.etablissement_id)]
    current = next((c for c in keys if c.key.revoked_at is None), None)
    return current, [c for c in keys if c is not current]


@portal_view
@require_GET
def cle(request: HttpRequest) -> HttpResponse:
    current, previous = _cles(request.viewer)
    context = {"nav": "habilitations", "onglet": "cle", "actuelle": current, "anciennes": previous}
    return render(request, "portal/habilitations/cle.html", context)


class GenererForm(PortalForm):
    jeton = forms.CharField(widget=forms.HiddenInput)
    droits = forms.MultipleChoiceField(
        label="Droits de la clé",
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Le logiciel qui présente la clé agit avec ces droits et aucun autre. Seuls les droits que "
        "vous détenez vous-même sur cet établissement peuvent être donnés ; sans aucun droit, la clé ne permet "
        "que la consultation des dossiers.",
    )

    def __init__(self, *args, offered=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["droits"].choices = [(d.value, d.label) for d in offered]


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@portal_view
@require_http_methods(["GET", "POST"])
def cle_generer(request: HttpRequest) -> HttpResponse:
    """The confirmation (the previous key will be revoked), then the new key, shown once in the answer."""
    viewer = request.viewer
    current, _ = _cles(viewer)  # 403 without « Gérer les clés d'authentification »
    offered = api_key_droits_offered(actor=viewer.actor, etablissement_id=viewer.etablissement_id)
    jetons = list(request.session.get(JETONS_CLE, []))
    if request.method == "POST":
        form = GenererForm(request.POST, offered=offered)
        jeton = request.POST.get("jeton", "")
        if jeton not in jetons:
            messages.info(
                request,
                "Cette demande de clé a déjà été traitée (ou a expiré) : aucune nouvelle clé n'a été générée. "
                "Une clé générée n'est affichée qu'une seule fois.",
            )
            return redirect("portal:cle")
        problems = []
        if form.is_valid():
            try:
                key, raw = api_key_generate(
                    actor=viewer.actor,
                    etablissement_id=viewer.etablissement_id,
                    now=timezone.now(),
                    droits=form.cleaned_data["droits"],
                )
            except InvalidInput as exc:
                problems = exc.problems
            else:
                jetons.remove(jeton)
                request.session[JETONS_CLE] = jetons
                context = {"nav": "habilitations", "onglet": "cle", "cle": _cle(key, timezone.now()), "brute": raw}
                return _no_store(render(request, "portal/habilitations/cle_generee.html", context))
        apply_problems(form, problems)
        context = {"onglet": "cle", "actuelle": current, "form": form}
        return _no_store(_confirmation(request, "portal/habilitations/cle_generer.html", context, status=422))
    jeton = secrets.token_urlsafe(16)
    request.session[JETONS_CLE] = [*jetons[-4:], jeton]
    form = GenererForm(initial={"jeton": jeton, "droits": [d.value for d in offered]}, offered=offered)
    context = {"onglet": "cle", "actuelle": current, "form": form}
    return _no_store(_confirmation(request, "portal/habilitations/cle_generer.html", context))


@portal_view
@require_http_methods(["GET", "POST"])
def cle_revoquer(request: HttpRequest, cle_id: int) -> HttpResponse:
    viewer = request.viewer
    if request.method == "POST":
        key = api_key_revoke(actor=viewer.actor, key_id=cle_id, now=timezone.now())
        messages.success(
            request,
            f"La clé {_cle(key, timezone.now()).prefixe} est révoquée : votre logiciel ne peut plus s'en servir.",
        )
        return redirect("portal:cle")
    current, previous = _cles(viewer)
    found = next((c for c in [current, *previous] if c is not None and c.key.pk == cle_id), None)
    if found is None:
        raise NotFound("Clé introuvable.")
    return _confirmation(request, "portal/habilitations/cle_revoquer.html", {"onglet": "cle", "cle": found})


urlpatterns = [
    path("habilitations/utilisateurs/", utilisateurs, name="utilisateurs"),
    path("habilitations/utilisateurs/inviter/", utilisateur_inviter, name="utilisateur_inviter"),
    path("habilitations/utilisateurs/<int:user_id>/", utilisateur, name="utilisateur"),
    path("habilitations/utilisateurs/<int:user_id>/activation/", utilisateur_activation, name="utilisateur_activation"),
    path("habilitations/invitations/<int:invitation_id>/renvoyer/", invitation_renvoyer, name="invitation_renvoyer"),
    path("habilitations/invitations/<int:invitation_id>/annuler/", invitation_annuler, name="invitation_annuler"),
    path("habilitations/etablissements/", etablissements, name="etablissements"),
    path("habilitations/etablissements/<int:etablissement_id>/", etablissement, name="etablissement"),
    path("habilitations/cle/", cle, name="cle"),
    path("habilitations/cle/generer/", cle_generer, name="cle_generer"),
    path("habilitations/cle/<int:cle_id>/revoquer/", cle_revoquer, name="cle_revoquer"),
]
