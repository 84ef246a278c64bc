"""Mes dossiers: the lists of the four dispositifs (transmis and brouillons for apprenticeship), the
synthesis of a dossier (blocks, accord de financement, courriers, factures, pièces, history as a
timeline, the action buttons given by the allowed-actions function), and the OF's actions on it:
add pièces jointes, deposit a facture, declare a rupture.

Every read goes through :mod:`cases.selectors`, every write through :mod:`cases.services` — the
same calls as ``api/routers/dossiers.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.actors import Actor
from cases.journal import journal_entries
from cases.models import Dossier, NatureFinancement
from cases.permissions import actions_on_dossier, ensure_dossier_action, has_droit
from cases.selectors import (
    DossierFilters,
    Facturation,
    VueDossiers,
    dossier_facturation,
    dossier_get,
    dossier_list,
    dossier_pieces_list,
)
from cases.selectors_synthese import (
    DossierSynthesis,
    dossier_courriers_page,
    dossier_factures_page,
    dossier_journal_page,
    dossier_synthesis,
)
from cases.services import dossier_add_pieces, dossier_declare_rupture, facture_deposit
from cases.services._common import read_uploads
from cases.services.dossiers import INITIATEURS_RUPTURE
from common.errors import Conflict, InvalidInput, NotFound
from portal.context import portal_view
from portal.forms import DateFiltre, DateParsed, PortalForm, RequiredByService, apply_problems
from portal.lists import empty_page, filter_labels, kept_params, list_aliases, page_request
from portal.templatetags.portail import date_fr, euros
from rules.actions import Action, Droit
from rules.lifecycles import (
    DISPOSITIF_LABELS,
    Dispositif,
    EtatDossier,
)
from rules.motifs import MOTIFS_RUPTURE

ONGLETS_DISPOSITIFS = [(d.value, d.label) for d in Dispositif]
LISTE_TITRES = {
    Dispositif.APPRENTISSAGE: "Contrats d'apprentissage",
    Dispositif.PROFESSIONNALISATION: "Contrats de professionnalisation",
    Dispositif.PRO_A: "Pro-A",
    Dispositif.ACTION_FORMATION: "Actions de formation",
}
# --- Lists ------------------------------------------------------------------------------------


def _dispositif(code: str) -> Dispositif:
    try:
        return Dispositif(code)
    except ValueError:
        raise NotFound("Dispositif inconnu.") from None


ETATS_FILTRABLES = [(e.value, e.label) for e in EtatDossier if e is not EtatDossier.BROUILLON]


class DossierFiltresForm(PortalForm):
    """The filters of a list, one per column; parsed into the selector's :class:`DossierFilters`."""

    nom = forms.CharField(label="Nom", required=False, max_length=80)
    prenom = forms.CharField(label="Prénom", required=False, max_length=80)
    # ``?etablissement=`` is the header's établissement switcher: the employer's filter has its own name.
    etablissement_nom = forms.CharField(
        label="Établissement", required=False, max_length=200, help_text="Raison sociale ou début du SIRET"
    )
    numero = forms.CharField(label="N° de dossier", required=False, max_length=20, help_text="Exemple : 3866466.1")
    numero_deca = forms.CharField(label="Numéro DECA", required=False, max_length=20)
    formation = forms.CharField(label="Intitulé de la formation", required=False, max_length=255)
    date_debut_contrat_min = DateFiltre(label="Début du contrat : à partir du")
    date_debut_contrat_max = DateFiltre(label="Début du contrat : jusqu'au")
    date_fin_contrat_min = DateFiltre(label="Fin du contrat : à partir du")
    date_fin_contrat_max = DateFiltre(label="Fin du contrat : jusqu'au")
    subroge = forms.ChoiceField(label="Subrogé", required=False, choices=[("", "Tous"), ("oui", "Oui"), ("non", "Non")])
    etat = forms.MultipleChoiceField(
        label="État", required=False, choices=ETATS_FILTRABLES, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, dispositif: Dispositif, vue: str | None, **kwargs):
        super().__init__(*args, **kwargs)
        if vue == VueDossiers.BROUILLON:
            for name in ("numero", "numero_deca", "etat"):
                del self.fields[name]
        elif dispositif is not Dispositif.APPRENTISSAGE:
            del self.fields["numero_deca"]

    def filters(self, vue: str | None) -> DossierFilters:
        data = self.cleaned_data
        subroge = {"oui": True, "non": False}.get(data.get("subroge") or "")
        return DossierFilters(
            vue=vue,
            etat=tuple(data.get("etat") or ()),
            nom=data.get("nom") or None,
            prenom=data.get("prenom") or None,
            etablissement=data.get("etablissement_nom") or None,
            numero=data.get("numero") or None,
            numero_deca=data.get("numero_deca") or None,
            formation=data.get("formation") or None,
            subroge=subroge,
            date_debut_contrat_min=data.get("date_debut_contrat_min"),
            date_debut_contrat_max=data.get("date_debut_contrat_max"),
            date_fin_contrat_min=data.get("date_fin_contrat_min"),
            date_fin_contrat_max=data.get("date_fin_contrat_max"),
        )

    @property
    def actifs(self) -> bool:
        return any(v for name in self.fields for v in self.data.getlist(name))

    def libelles_actifs(self) -> list[tuple[str, str]]:
        """The active filters in words (the guide shows the état the dashboard's tile chose)."""
        return filter_labels(self)


@dataclass(frozen=True)
class Ligne:
    """A row of a list: the selector's values, and whether « Modifier » is among its actions."""

    id: int
    nom: str
    prenom: str
    etablissement: str
    numero: str
    numero_deca: str
    formation: str
    date_debut: date | None
    date_fin: date | None
    etat: str
    modifiable: bool


def _ligne(row: dict, actor: Actor, etablissement_id: int) -> Ligne:
    # The row's allowed actions, from the same function as the synthesis (no query: the list's values;
    # every row belongs to the établissement the list is bounded to).
    actions = actions_on_dossier(
        actor,
        Dossier(
            dispositif=row["dispositif"],
            etat=row["etat"],
            subroge=row["subroge"],
            of_etablissement_id=etablissement_id,
        ),
    )
    return Ligne(
        id=row["id"],
        nom=row["salarie_nom"],
        prenom=row["salarie_prenom"],
        etablissement=row["entreprise__raison_sociale"] or "",
        numero=f"{row['numero']}.{row['version']}" if row["numero"] else "",
        numero_deca=row["numero_depot"],
        formation=row["formation_intitule"],
        date_debut=row["contrat_date_debut"],
        date_fin=row["contrat_date_fin"],
        etat=row["etat"],
        modifiable=Action.MODIFIER_BROUILLON in actions,
    )


@portal_view
@require_GET
def liste(request: HttpRequest, dispositif: str) -> HttpResponse:
    disp = _dispositif(dispositif)
    viewer = request.viewer
    apprentissage = disp is Dispositif.APPRENTISSAGE
    vue_demandee = request.GET.get("vue") or VueDossiers.TRANSMIS
    vue = vue_demandee if apprentissage else None
    form = DossierFiltresForm(request.GET, dispositif=disp, vue=vue)
    page, status = None, 200
    if form.is_valid():
        try:
            page = dossier_list(
                actor=viewer.actor,
                etablissement_id=viewer.etablissement_id,
                dispositif=disp.value,
                filters=form.filters(vue),
                tri=request.GET.get("tri") or None,
                page=page_request(request.GET),
            )
        except InvalidInput as exc:
            apply_problems(form, exc.problems, aliases=list_aliases({"etablissement": "etablissement_nom"}))
    if page is None:
        page, status = empty_page(request.GET), 422
    lignes = [_ligne(row, viewer.actor, viewer.etablissement_id) for row in page.items]
    context = {
        "nav": "dossiers",
        "onglets_dispositifs": ONGLETS_DISPOSITIFS,
        "dispositif": disp.value,
        "titre": LISTE_TITRES[disp],
        "apprentissage": apprentissage,
        "vue": vue,
        "brouillons": vue == VueDossiers.BROUILLON,
        "form": form,
        "page": page,
        "lignes": lignes,
        "kept": kept_params(request.GET, ("tri", "taille", "vue")),
        "filtres_actifs": form.libelles_actifs(),
        "colonnes": 6 if vue == VueDossiers.BROUILLON else (8 if apprentissage else 7),
        "peut_creer": apprentissage and has_droit(viewer.actor, viewer.etablissement_id, Droit.SAISIR_CONTRATS),
    }
    return render(request, "portal/dossiers/liste.html", context, status=status)


# --- Synthèse ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bouton:
    libelle: str
    url: str
    principal: bool = False
    dialogue: bool = False


@dataclass(frozen=True)
class Evenement:
    quand: object
    libelle: str
    de: str
    vers: str
    acteur: str
    canal: str
    motif: str
    details: list[tuple[str, str]]


def _boutons(s: DossierSynthesis) -> list[Bouton]:
    """The buttons of the codes the allowed-actions function gave (OPCO transitions are never shown)."""
    d = s.dossier
    urls = {
        Action.AJOUTER_PIECE: (reverse("portal:dossier_pieces", args=[d.pk]), False, False),
        Action.CREER_AVENANT: (reverse("portal:avenant", args=[d.pk]), False, False),
        Action.DEPOSER_FACTURE: (reverse("portal:dossier_facture", args=[d.pk]), False, False),
        Action.DECLARER_RUPTURE: (reverse("portal:dossier_rupture", args=[d.pk]), False, False),
        Action.MODIFIER_BROUILLON: (reverse("portal:saisie_modifier", args=[d.pk]), True, False),
        Action.SUPPRIMER_BROUILLON: (reverse("portal:saisie_supprimer", args=[d.pk]), False, True),
        Action.TRANSMETTRE: (reverse("portal:saisie_modifier", args=[d.pk]), False, False),
    }
    if d.dispositif == Dispositif.APPRENTISSAGE:
        urls[Action.AFFICHER] = (reverse("portal:fichier_cerfa", args=[d.pk]), False, False)
    boutons = []
    for action in s.actions:
        if action.code in urls:
            url, principal, dialogue = urls[action.code]
            boutons.append(Bouton(action.libelle, url, principal, dialogue))
    return boutons


def _details(details: dict) -> list[tuple[str, str]]:
    """The journal's details, in words."""
    lines: list[tuple[str, str]] = []
    if details.get("motif_libelle"):
        lines.append(("Motif", details["motif_libelle"]))
    if details.get("date_rupture"):
        lines.append(("Date de rupture", date_fr(details["date_rupture"])))
    if details.get("initiateur_libelle"):
        lines.append(("À l'initiative de", details["initiateur_libelle"]))
    if details.get("formation_poursuivie") is not None:
        lines.append(("Poursuit sa formation au CFA", "Oui" if details["formation_poursuivie"] else "Non"))
    if details.get("pieces"):
        lines.append(("Pièces attendues", ", ".join(p.get("libelle", p.get("code", "")) for p in details["pieces"])))
    if details.get("type_avenant"):
        lines.append(("Type d'avenant", str(details["type_avenant"])))
    if details.get("date_effet"):
        lines.append(("Date d'effet", date_fr(details["date_effet"])))
    if details.get("montants_pris_en_charge"):
        labels = dict(NatureFinancement.choices)
        amounts = details["montants_pris_en_charge"]
        lines.append(
            ("Montants pris en charge", " ; ".join(f"{labels.get(k, k)} : {euros(v)}" for k, v in amounts.items()))
        )
    return lines


def _evenements(s: DossierSynthesis, viewer_is_opco: bool, journal=None) -> list[Evenement]:
    """The latest events first: the synthesis' (chronological) or a page of the history (latest first)."""
    logs = list(reversed(journal)) if journal is not None else s.journal
    entries = journal_entries(logs, dispositif=s.dossier.dispositif, viewer_is_opco=viewer_is_opco)
    events = [
        Evenement(
            quand=e.date,
            libelle=e.libelle,
            de=e.de_libelle,
            vers=e.vers_libelle,
            acteur=e.acteur,
            canal=e.canal_libelle,
            motif=e.motif,
            details=_details(e.details),
        )
        for e in entries
    ]
    return list(reversed(events))  # the latest first


def retour_liste(dossier) -> str:
    url = reverse("portal:dossiers", args=[dossier.dispositif])
    return url + "?vue=brouillon" if dossier.etat == EtatDossier.BROUILLON else url


def dossier_context(dossier, **extra) -> dict:
    return {
        "nav": "dossiers",
        "onglets_dispositifs": ONGLETS_DISPOSITIFS,
        "dispositif": dossier.dispositif,
        "dispositif_libelle": DISPOSITIF_LABELS.get(dossier.dispositif, dossier.dispositif),
        "dossier": dossier,
        "retour": retour_liste(dossier),
        **extra,
    }


VOIR_TOUT = {
    "courriers": dossier_courriers_page,
    "factures": dossier_factures_page,
    "historique": dossier_journal_page,
}


@portal_view
@require_GET
def synthese(request: HttpRequest, dossier_id: int) -> HttpResponse:
    """The synthesis shows the latest 20 courriers, factures and events; « Voir tout » (``?voir=courriers``,
    ``factures`` or ``historique``) pages through one of them in full, in place."""
    actor = request.viewer.actor
    s = dossier_synthesis(actor=actor, dossier_id=dossier_id)
    d = s.dossier
    voir = request.GET.get("voir")
    paged = None
    if voir in VOIR_TOUT:
        _, paged = VOIR_TOUT[voir](actor=actor, dossier_id=d.pk, page=page_request(request.GET))
    else:
        voir = None
    courriers = paged.items if voir == "courriers" else s.courriers
    factures = paged.items if voir == "factures" else s.factures
    context = dossier_context(
        d,
        s=s,
        voir=voir,
        page_voir=paged,
        courriers=courriers,
        apprentissage=d.dispositif == Dispositif.APPRENTISSAGE,
        boutons=_boutons(s),
        evenements=_evenements(s, actor.is_opco, paged.items if voir == "historique" else None),
        motif_rupture=MOTIFS_RUPTURE.get(d.motif_rupture, d.motif_rupture),
        avenant_id=getattr(d, "avenant_pk", None),
        factures=[(f, (f.fichier.name or "").rsplit("/", 1)[-1]) for f in factures],
        peut_facturer=any(a.code == Action.DEPOSER_FACTURE for a in s.actions),
    )
    return render(request, "portal/dossiers/synthese.html", context)


# --- Ajouter des pièces jointes ----------------------------------------------------------------


class PiecesForm(PortalForm):
    """Only what the user sent; the files are read from ``request.FILES`` with the API's checks."""

    fichiers = forms.Field(label="Documents à envoyer", required=False)


def _uploads(request: HttpRequest, name: str):
    return read_uploads(request.FILES.getlist(name), field=name)


@portal_view
@require_http_methods(["GET", "POST"])
def pieces(request: HttpRequest, dossier_id: int) -> HttpResponse:
    actor = request.viewer.actor
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    ensure_dossier_action(actor, dossier, Action.AJOUTER_PIECE)
    form = PiecesForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        try:
            created = dossier_add_pieces(
                actor=actor, dossier_id=dossier.pk, uploads=_uploads(request, "fichiers"), now=timezone.now()
            )
        except InvalidInput as exc:
            form.is_valid()
            apply_problems(form, exc.problems)
            status = 422
        else:
            n = len(created)
            messages.success(
                request,
                f"{n} fichier{'s' if n > 1 else ''} envoyé{'s' if n > 1 else ''} sur le dossier {dossier.reference}.",
            )
            return redirect("portal:dossier_pieces", dossier_id=dossier.pk)
    liste_pieces = dossier_pieces_list(actor=actor, dossier_id=dossier.pk)
    context = dossier_context(dossier, form=form, pieces=liste_pieces)
    return render(request, "portal/dossiers/pieces.html", context, status=status)


# --- Déposer votre facture --------------------------------------------------------------------


class MontantField(RequiredByService, forms.Field):
    """An amount as typed in French (« 6 795,83 ») or not (« 6795.83 »); the service judges its value."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"})

    def __init__(self, **kwargs):
        super().__init__(required=True, **kwargs)

    def to_python(self, value):
        text = str(value or "").strip()
        for space in (" ", "\u00a0", "\u202f", "€"):
            text = text.replace(space, "")
        if not text:
            return None
        try:
            amount = Decimal(text.replace(",", "."))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise forms.ValidationError("Saisissez un montant en euros, par exemple 6 795,83.")
        return amount


class TexteService(RequiredByService, forms.CharField):
    pass


class EcheanceField(RequiredByService, forms.TypedChoiceField):
    """The échéance of the échéancier the facture is charged to (the service says when one is missing)."""

    def __init__(self, **kwargs):
        super().__init__(required=True, coerce=int, empty_value=None, widget=Radios, **kwargs)


def _montant_fr(amount) -> str:
    """An amount as a French user types it: « 3 600,00 »."""
    return euros(amount).replace(" €", "")


class FactureForm(PortalForm):
    reference = TexteService(label="Référence de la facture", help_text="Entrez un numéro comptable", max_length=50)
    date_facture = DateParsed(label="Date de la facture", required=True, help_text="jj/mm/aaaa")
    montant_ht = MontantField(label="Montant HT", help_text="En euros, par exemple 6 795,83")
    montant_ttc = MontantField(label="Montant TTC", help_text="En euros, par exemple 8 155,00")
    commentaire = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # The files are read from request.FILES; these fields carry their messages.
    fichier = forms.Field(label="Joindre votre facture au format pdf", required=False)
    justificatifs = forms.Field(label="Joindre vos pièces justificatives", required=False)

    def __init__(self, *args, facturation: Facturation, **kwargs):
        super().__init__(*args, **kwargs)
        if facturation.echeancier:
            self.fields = {
                "echeance": EcheanceField(
                    label="Échéance facturée",
                    choices=[
                        (
                            line.numero,
                            f"{line.codification} — {line.libelle} : reste à facturer {euros(line.reste)} "
                            f"(facturable depuis le {date_fr(line.date_ouverture)})",
                        )
                        for line in facturation.facturables
                    ],
                    help_text="Le montant HT est repris du reste à facturer de l'échéance choisie ; il ne peut pas le "
                    "dépasser.",
                ),
                **self.fields,
            }

    @property
    def echeance_choisie(self) -> int | None:
        value = self.data.get("echeance") if self.is_bound else self.initial.get("echeance")
        try:
            return int(value)
        except (TypeError, ValueError):
            return None


def _facture_initial(request: HttpRequest, facturation: Facturation) -> dict:
    """The échéance asked for (``?echeance=``), or the first one to invoice; its rest fills the amounts."""
    if not facturation.facturables:
        return {}
    wanted = request.GET.get("echeance", "")
    chosen = next((line for line in facturation.facturables if str(line.numero) == wanted), facturation.facturables[0])
    rest = _montant_fr(chosen.reste)
    return {"echeance": chosen.numero, "montant_ht": rest, "montant_ttc": rest}


@portal_view
@require_http_methods(["GET", "POST"])
def facture(request: HttpRequest, dossier_id: int) -> HttpResponse:
    actor = request.viewer.actor
    facturation = dossier_facturation(actor=actor, dossier_id=dossier_id, today=timezone.localdate())
    dossier = facturation.dossier
    ensure_dossier_action(actor, dossier, Action.DEPOSER_FACTURE)
    if request.method == "POST":
        form = FactureForm(request.POST, facturation=facturation)
    else:
        form = FactureForm(initial=_facture_initial(request, facturation), facturation=facturation)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                fichiers = _uploads(request, "fichier")
                justificatifs = _uploads(request, "justificatifs")
                created = facture_deposit(
                    actor=actor,
                    dossier_id=dossier.pk,
                    reference=data["reference"],
                    date_facture=data["date_facture"],
                    montant_ht=data["montant_ht"],
                    montant_ttc=data["montant_ttc"],
                    commentaire=data["commentaire"],
                    fichier=fichiers[0] if fichiers else None,
                    justificatifs=justificatifs,
                    echeance_numero=data.get("echeance"),
                    now=timezone.now(),
                )
            except InvalidInput as exc:
                apply_problems(form, exc.problems)
            except Conflict as exc:
                # A reference already deposited (or a dossier that changed meanwhile): told on the form,
                # with what the user typed, rather than on an error page.
                form.add_error(None, exc.message)
                status = 409
            else:
                messages.success(
                    request, f"Votre facture « {created.reference} » a été déposée : elle porte le n° {created.numero}."
                )
                return redirect("portal:facture", facture_id=created.pk)
    context = dossier_context(dossier, form=form, facturation=facturation)
    return render(request, "portal/dossiers/facture.html", context, status=status)


# --- Déclarer une rupture de contrat ----------------------------------------------------------


class Radios(forms.RadioSelect):
    """Radio buttons whose group is reachable from the error summary (first option's id)."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class ChoixService(RequiredByService, forms.CharField):
    """A choice among the service's codes; an unknown one is told by the service."""

    def __init__(self, *, choices, widget, **kwargs):
        super().__init__(required=True, widget=widget(choices=choices), **kwargs)


class RuptureForm(PortalForm):
    date_rupture = DateParsed(label="Date de rupture", required=True, help_text="jj/mm/aaaa")
    motif = ChoixService(
        label="Motif de la rupture",
        choices=[("", "Choisissez un motif")] + list(MOTIFS_RUPTURE.items()),
        widget=forms.Select,
    )
    initiateur = ChoixService(
        label="La rupture est à l'initiative de",
        choices=list(INITIATEURS_RUPTURE.items()),
        widget=Radios,
    )
    formation_poursuivie = ChoixService(
        label="L'apprenti(e) poursuit-il (elle) sa formation au CFA ?",
        choices=[("oui", "Oui"), ("non", "Non")],
        widget=Radios,
    )
    commentaire = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 3}))


@portal_view
@require_http_methods(["GET", "POST"])
def rupture(request: HttpRequest, dossier_id: int) -> HttpResponse:
    actor = request.viewer.actor
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    ensure_dossier_action(actor, dossier, Action.DECLARER_RUPTURE)
    form = RuptureForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                dossier_declare_rupture(
                    actor=actor,
                    dossier_id=dossier.pk,
                    date_rupture=data["date_rupture"],
                    motif=data["motif"],
                    initiateur=data["initiateur"],
                    formation_poursuivie={"oui": True, "non": False}.get(data["formation_poursuivie"]),
                    commentaire=data["commentaire"],
                    now=timezone.now(),
                )
            except InvalidInput as exc:
                apply_problems(form, exc.problems)
            else:
                messages.success(request, f"La rupture du contrat {dossier.reference} a été déclarée.")
                return redirect("portal:dossier", dossier_id=dossier.pk)
    context = dossier_context(dossier, form=form)
    return render(request, "portal/dossiers/rupture.html", context, status=status)


urlpatterns = [
    path("dossiers/<int:dossier_id>/", synthese, name="dossier"),
    path("dossiers/<str:dispositif>/", liste, name="dossiers"),
    path("dossiers/<int:dossier_id>/pieces/", pieces, name="dossier_pieces"),
    path("dossiers/<int:dossier_id>/facture/", facture, name="dossier_facture"),
    path("dossiers/<int:dossier_id>/rupture/", rupture, name="dossier_rupture"),
]
