"""Reads of the inter-OPCO « API CFA » norm, always scoped to the actor (a key sees only its SIRET).

The norm covers apprenticeship only: dossiers of the other dispositifs, and drafts, are not shown.
Identifiers: ``numeroInterne`` is our dossier's id, ``numeroExterne`` its reference (``3866466.1``),
``numeroDeca`` its N° de dépôt; ``numeroInterneFacture`` is our facture's number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Prefetch, QuerySet

from accounts.actors import Actor
from accounts.models import ApiKey
from cases.models import Dossier, Echeance, Facture, FactureLigne, LigneFinancement, LigneReglement, TransitionLog
from cases.selectors import dossiers_visible_to, factures_visible_to
from common.errors import InvalidInput, NotFound
from common.paging import Page, PageRequest, paginate
from echanges.models import DepotFacture
from rules import norme
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture
from rules.verdicts import Problem

MAX_LISTE = 100


# --- Identifiers ------------------------------------------------------------------------------


def parse_numero_interne(value, *, field: str = "numeroInterne") -> int:
    text = str(value).strip() if value is not None else ""
    if not text.isdecimal() or len(text) > 18:
        raise InvalidInput([Problem(field, "Numéro interne invalide : un identifiant numérique est attendu.")])
    return int(text)


def _dossiers(actor: Actor) -> QuerySet[Dossier]:
    """The dossiers the norm shows to ``actor``: its apprenticeship contracts, drafts excluded."""
    return (
        dossiers_visible_to(actor)
        .filter(dispositif=Dispositif.APPRENTISSAGE)
        .exclude(etat__in=norme.HIDDEN_DOSSIER_STATES)
    )


def dossier_norme_get(*, actor: Actor, numero_interne) -> Dossier:
    pk = parse_numero_interne(numero_interne)
    try:
        return _dossiers(actor).select_related("of_etablissement", "entreprise").get(pk=pk)
    except Dossier.DoesNotExist:
        raise NotFound("Dossier introuvable : aucun contrat de votre SIRET ne porte ce numéro interne.") from None


def dossier_by_reference(*, actor: Actor, numero_externe: str, numero_deca: str = "") -> Dossier | None:
    """The actor's contract named on an invoice line: by its reference (``3866466.1``; without version, the
    version in force) or, failing that, by its N° DECA (the version in force)."""
    qs = _dossiers(actor).exclude(etat=EtatDossier.REMPLACE)
    parsed = norme.parse_numero_externe(numero_externe) if numero_externe else None
    if parsed is not None:
        numero, version = parsed
        if version is not None:
            return _dossiers(actor).filter(numero=numero, version=version).first()
        return qs.filter(numero=numero).order_by("-version").first()
    if numero_externe:
        return None
    if numero_deca:
        return qs.filter(numero_depot=numero_deca).order_by("-version").first()
    return None


def last_echeance_number(*, dossier_id: int) -> int | None:
    return Echeance.objects.filter(dossier_id=dossier_id).aggregate(last=Max("numero"))["last"]


# --- The dossier as the norm reads it -----------------------------------------------------------


@dataclass(frozen=True)
class DossierNorme:
    dossier: Dossier
    commentaire_etat: str
    financements: list[LigneFinancement]
    echeances: list[Echeance] = field(default_factory=list)
    avenant: Dossier | None = None  # the version that replaced this one, if any
    frais_regles: frozenset[str] = frozenset()  # natures of invoice lines paid on this dossier
    iban: str = ""  # the CFA's IBAN of its last invoice deposited through the norm


def _state_comments(dossiers: Sequence[Dossier]) -> dict[int, str]:
    """The OPCO's words on each dossier's current state — the motif of the decision that led to it —,
    else the mapping's default comment; one query for all."""
    comments = {d.pk: norme.etat_dossier(d.etat)[1] for d in dossiers}
    if not dossiers:
        return comments
    targets = {d.pk: d.etat for d in dossiers}
    logs = (
        TransitionLog.objects.filter(dossier_id__in=list(targets))
        .order_by("dossier_id", "-created_at", "-pk")
        .values("dossier_id", "target", "reason", "details")
    )
    decided: set[int] = set()
    for log in logs:
        pk = log["dossier_id"]
        if pk in decided or log["target"] != targets[pk]:
            continue
        decided.add(pk)
        words = (log["details"] or {}).get("motif_libelle") or ""
        text = " — ".join(part for part in (words, (log["reason"] or "").strip()) if part)
        if text:
            comments[pk] = text
    return comments


def _details(dossiers: list[Dossier]) -> list[DossierNorme]:
    """The read models of ``dossiers`` in a fixed number of queries, whatever their count."""
    comments = _state_comments(dossiers)
    replaced = [d.pk for d in dossiers if d.etat == EtatDossier.REMPLACE]
    avenants = {a.version_precedente_id: a for a in Dossier.objects.filter(version_precedente_id__in=replaced)}
    paid: dict[int, set[str]] = {}
    for dossier_id, nature in (
        FactureLigne.objects.filter(dossier_id__in=[d.pk for d in dossiers], facture__etat=EtatFacture.PAYEE)
        .values_list("dossier_id", "nature")
        .distinct()
    ):
        paid.setdefault(dossier_id, set()).add(nature)
    ibans = {
        row["facture__emetteur_id"]: row["iban"]
        for row in DepotFacture.objects.filter(facture__emetteur_id__in={d.of_etablissement_id for d in dossiers})
        .exclude(iban="")
        .order_by("created_at", "pk")
        .values("facture__emetteur_id", "iban")
    }
    return [
        DossierNorme(
            dossier=d,
            commentaire_etat=comments[d.pk],
            financements=list(d.financements.all()),
            echeances=list(d.echeances.all()),
            avenant=avenants.get(d.pk),
            frais_regles=frozenset(paid.get(d.pk, ())),
            iban=ibans.get(d.of_etablissement_id, ""),
        )
        for d in dossiers
    ]


def dossier_norme_detail(*, actor: Actor, numero_interne) -> DossierNorme:
    """A contract as the norm reads it (``GET /dossiers?numeroInterne=``)."""
    pk = parse_numero_interne(numero_interne)
    dossiers = list(_detailed(actor).filter(pk=pk))
    if not dossiers:
        raise NotFound("Dossier introuvable : aucun contrat de votre SIRET ne porte ce numéro interne.")
    return _details(dossiers)[0]


def dossiers_norme_details(*, actor: Actor, numeros: Sequence[str]) -> list[DossierNorme]:
    """The contracts among ``numeros`` that exist and are the actor's, in the order asked
    (``GET /v1/dossiers/liste``); the others are left out, as if they did not exist."""
    ids: list[int] = []
    for index, value in enumerate(numeros):
        ids.append(parse_numero_interne(value, field=f"numerosInternes[{index}]"))
    if not ids:
        raise InvalidInput([Problem("numerosInternes", "Indiquez au moins un numéro interne.", "obligatoire")])
    if len(ids) > MAX_LISTE:
        raise InvalidInput([Problem("numerosInternes", f"{MAX_LISTE} numéros internes au plus par appel.")])
    found = {d.pk: d for d in _detailed(actor).filter(pk__in=ids)}
    ordered = [found[pk] for pk in dict.fromkeys(ids) if pk in found]
    return _details(ordered)


def _detailed(actor: Actor) -> QuerySet[Dossier]:
    return (
        _dossiers(actor)
        .select_related("of_etablissement", "entreprise")
        .prefetch_related(
            Prefetch("financements", queryset=LigneFinancement.objects.order_by("pk")),
            Prefetch("echeances", queryset=Echeance.objects.order_by("numero")),
        )
    )


# --- State feeds ---------------------------------------------------------------------------------


def _changed_between(model_field: str, depuis: datetime | None, jusqu_a: datetime | None):
    logs = TransitionLog.objects.filter(**{model_field: OuterRef("pk")})
    if depuis is not None:
        logs = logs.filter(created_at__gte=depuis)
    if jusqu_a is not None:
        logs = logs.filter(created_at__lt=jusqu_a)
    return Exists(logs)


def _window(date_debut: str | None, date_fin: str | None) -> tuple[datetime | None, datetime | None]:
    """The query's window of change: ``dateDebut`` ≤ change < ``dateFin`` (a plain date covers its whole day)."""
    problems = []
    depuis = norme.moment_from_norme(date_debut) if date_debut else None
    jusqu_a = norme.moment_from_norme(date_fin, end=True) if date_fin else None
    if date_debut and depuis is None:
        problems.append(Problem("dateDebut", norme.DATE_MESSAGE))
    if date_fin and jusqu_a is None:
        problems.append(Problem("dateFin", norme.DATE_MESSAGE))
    if depuis is not None and jusqu_a is not None and jusqu_a <= depuis:
        problems.append(Problem("dateFin", "La date de fin doit suivre la date de début."))
    if problems:
        raise InvalidInput(problems)
    return depuis, jusqu_a


def _page(numero_page: int) -> PageRequest:
    if numero_page < 1:
        raise InvalidInput([Problem("numeroPage", "La numérotation des pages commence à 1.")])
    return PageRequest(page=numero_page, taille=norme.PAGE_SIZE)


def dossier_etats(
    *, actor: Actor, numero_page: int, date_debut: str | None = None, date_fin: str | None = None
) -> Page[dict]:
    """One page (``norme.PAGE_SIZE`` rows, oldest dossier first) of the states of the actor's contracts;
    with ``dateDebut``/``dateFin``, only the dossiers with a journal entry in that window (a change of
    state, of the échéancier, of an échéance's invoiced or paid amounts)."""
    depuis, jusqu_a = _window(date_debut, date_fin)
    request = _page(numero_page)
    qs = _dossiers(actor)
    if depuis is not None or jusqu_a is not None:
        qs = qs.filter(_changed_between("dossier", depuis, jusqu_a))
    rows = qs.order_by("pk").values("pk", "numero", "version", "numero_depot", "etat")
    return paginate(rows, request)


@dataclass(frozen=True)
class FactureNorme:
    facture: Facture
    reglement: LigneReglement | None
    dossiers: list[tuple[Dossier, Decimal]]  # each dossier of the invoice's lines, with its amount (HT)
    iban: str = ""


def facture_etats(
    *, actor: Actor, numero_page: int, date_debut: str | None = None, date_fin: str | None = None
) -> Page[FactureNorme]:
    """One page of the actor's invoices with their state, payment and dossiers, oldest first; with
    ``dateDebut``/``dateFin``, only those with a journal entry in that window."""
    depuis, jusqu_a = _window(date_debut, date_fin)
    request = _page(numero_page)
    qs = factures_visible_to(actor)
    if depuis is not None or jusqu_a is not None:
        qs = qs.filter(_changed_between("facture", depuis, jusqu_a))
    qs = qs.select_related("emetteur", "ligne_reglement__reglement", "depot_norme").prefetch_related(
        Prefetch("lignes", queryset=FactureLigne.objects.select_related("dossier").order_by("pk"))
    )
    result = paginate(qs.order_by("pk"), request)
    items = []
    for f in result.items:
        amounts: dict[int, list] = {}
        for ligne in f.lignes.all():
            entry = amounts.setdefault(ligne.dossier_id, [ligne.dossier, Decimal("0")])
            entry[1] += ligne.montant
        depot = getattr(f, "depot_norme", None)
        items.append(
            FactureNorme(
                facture=f,
                reglement=getattr(f, "ligne_reglement", None),
                dossiers=[(dossier, amount) for dossier, amount in amounts.values()],
                iban=depot.iban if depot is not None else "",
            )
        )
    return Page(items=items, total=result.total, page=result.page, taille=result.taille)


# --- The key -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleInfo:
    valide: bool
    date_fin_validite: datetime | None
    commentaire: str


def cle_info(*, siren: str, raw_key: str, now) -> CleInfo:
    """Whether ``raw_key`` is a valid key of the SIREN (or SIRET) ``siren``, and until when.

    Reads only: checking a key is not using it."""
    digits = (siren or "").strip()
    if not digits.isdecimal() or len(digits) not in (9, 14):
        raise InvalidInput([Problem("siren", "Le SIREN (9 chiffres) ou le SIRET (14 chiffres) est obligatoire.")])
    raw = (raw_key or "").strip()
    if not raw:
        raise InvalidInput([Problem("XAPIKEY", "La clé à vérifier est obligatoire.", "obligatoire")])
    key = (
        ApiKey.objects.select_related("etablissement").filter(key_hash=ApiKey.hash_of(raw)).first()
        if len(raw) <= 200
        else None
    )
    if (
        key is None
        or key.etablissement.siret[:9] != digits[:9]
        or (len(digits) == 14 and key.etablissement.siret != digits)
    ):
        return CleInfo(False, None, "Clé inconnue pour ce SIREN.")
    if key.revoked_at is not None:
        return CleInfo(False, key.expires_at, f"Clé révoquée le {key.revoked_at.astimezone(norme.PARIS):%d/%m/%Y}.")
    if key.expires_at <= now:
        return CleInfo(
            False, key.expires_at, f"Clé expirée depuis le {key.expires_at.astimezone(norme.PARIS):%d/%m/%Y}."
        )
    if not key.etablissement.actif:
        return CleInfo(False, key.expires_at, "L'établissement de cette clé n'est plus actif.")
    return CleInfo(True, key.expires_at, f"Clé valide pour le SIRET {key.etablissement.siret}.")


@dataclass(frozen=True)
class Statut:
    siret: str
    date_fin_validite: datetime


def statut(*, actor: Actor) -> Statut:
    """What ``/v1/status`` tells the calling software: its key's SIRET and end of validity."""
    key = ApiKey.objects.select_related("etablissement").filter(pk=actor.api_key_id).first()
    if key is None:
        raise NotFound("Clé introuvable.")
    return Statut(siret=key.etablissement.siret, date_fin_validite=key.expires_at)
