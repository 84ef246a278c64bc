"""Reads, always scoped to the actor: another tenant's object does not exist.

Lists take the établissement chosen by the user (the guide's « Organisme de formation » picker,
:func:`etablissement_context`), filters, one sort key and a page; they answer a :class:`Page`
in two queries (count + rows), whatever the page size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TypeVar

from django.db import connection
from django.db.models import Count, F, Func, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.actors import Actor
from accounts.models import Etablissement
from cases.models import (
    Courrier,
    Dossier,
    Echeance,
    Facture,
    FactureLigne,
    LigneReglement,
    Notification,
    PieceJointe,
    Reglement,
    StatutCourrier,
    TransitionLog,
)
from cases.permissions import actions_on_dossier, actions_on_facture, has_droit
from cases.references import smic_table
from cases.selectors_financement import (
    EcheanceLigne,
    VueEcheances,
    echeance_ligne,
    echeances_in_view,
)
from common.errors import Forbidden, InvalidInput, NotFound
from common.paging import Page, PageRequest, paginate
from rules.actions import Action, Droit, action_label, facture_action_label
from rules.cerfa import CerfaVerdict, form_structure, validate_cerfa
from rules.lifecycles import DOSSIER_LIFECYCLES, FACTURE_LIFECYCLE, Dispositif, EtatDossier, EtatFacture
from rules.verdicts import Problem

T = TypeVar("T")
CENT = Decimal("0.01")

# --- Scopes ---------------------------------------------------------------------------------


def dossiers_visible_to(actor: Actor) -> QuerySet[Dossier]:
    qs = Dossier.objects.all()
    return qs if actor.is_opco else qs.of_scope(actor.etablissement_ids)


def factures_visible_to(actor: Actor) -> QuerySet[Facture]:
    qs = Facture.objects.all()
    return qs if actor.is_opco else qs.of_scope(actor.etablissement_ids)


def reglements_visible_to(actor: Actor) -> QuerySet[Reglement]:
    qs = Reglement.objects.all()
    return qs if actor.is_opco else qs.of_scope(actor.etablissement_ids)


def courriers_visible_to(actor: Actor) -> QuerySet[Courrier]:
    qs = Courrier.objects.all()
    if actor.is_opco:
        return qs
    ids = actor.etablissement_ids
    return (
        qs.filter(dossier__of_etablissement_id__in=ids)
        | qs.filter(facture__emetteur_id__in=ids)
        | qs.filter(reglement__beneficiaire_id__in=ids)
    )


def notifications_of(actor: Actor) -> QuerySet[Notification]:
    if actor.user_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(user_id=actor.user_id, deleted_at__isnull=True)
    # A notification follows the user's current habilitations, not those they had when it was sent:
    # the OF whose users are notified of a courrier is ``Courrier.of_etablissement`` (a letter to the
    # entreprise is notified to the OF as well: the guide lists a dossier once per destinataire).
    return qs if actor.is_opco else qs.filter(courrier__of_etablissement_id__in=actor.etablissement_ids)


def dossier_get(*, actor: Actor, dossier_id: int) -> Dossier:
    try:
        return dossiers_visible_to(actor).select_related("of_etablissement", "entreprise").get(pk=dossier_id)
    except Dossier.DoesNotExist:
        raise NotFound("Dossier introuvable.") from None


def facture_get(*, actor: Actor, facture_id: int) -> Facture:
    try:
        return factures_visible_to(actor).select_related("dossier", "emetteur").get(pk=facture_id)
    except Facture.DoesNotExist:
        raise NotFound("Facture introuvable.") from None


def reglement_get(*, actor: Actor, reglement_id: int) -> Reglement:
    try:
        return reglements_visible_to(actor).select_related("beneficiaire").get(pk=reglement_id)
    except Reglement.DoesNotExist:
        raise NotFound("Règlement introuvable.") from None


def dossier_journal(*, actor: Actor, dossier_id: int) -> QuerySet[TransitionLog]:
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    return dossier.journal.order_by("created_at", "pk")


def dossier_pieces(*, actor: Actor, dossier_id: int) -> QuerySet[PieceJointe]:
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    return dossier.pieces.order_by("-uploaded_at")


# --- Pages, sorts, the établissement context --------------------------------------------------


def _order(qs: QuerySet, tri: str | None, sorts: dict[str, tuple[str, ...]], default: str) -> QuerySet:
    """``tri`` is a column name, ``-`` in front for descending; the primary key breaks ties."""
    tri = (tri or default).strip()
    descending = tri.startswith("-")
    key = tri.lstrip("-+")
    if key not in sorts:
        known = ", ".join(sorted(sorts))
        raise InvalidInput([Problem("tri", f"Tri inconnu : « {key} ». Colonnes triables : {known}.", "inconnu")])
    columns = [*sorts[key], "pk"]
    return qs.order_by(*[(f"-{c}" if descending else c) for c in columns])


def etablissement_context(*, actor: Actor, etablissement_id: int | None) -> int | None:
    """The établissement whose lists and counters the actor looks at.

    An OF user: the one asked for, which must be one of their habilitations (else 404), or by
    default their principal one. An API key: its SIRET. The OPCO: the one asked for, or every one
    (``None``).
    """
    if actor.is_opco:
        if etablissement_id is not None and not Etablissement.objects.filter(pk=etablissement_id).exists():
            raise NotFound("Établissement introuvable.")
        return etablissement_id
    if etablissement_id is not None:
        if etablissement_id not in actor.grants:
            raise NotFound("Établissement introuvable.")
        return etablissement_id
    if not actor.grants:
        raise NotFound("Aucun établissement n'est rattaché à votre compte.")
    principal = [pk for pk, grant in actor.grants.items() if grant.principal]
    return principal[0] if principal else min(actor.grants)


def etablissement_get(*, actor: Actor, etablissement_id: int) -> Etablissement:
    if not actor.can_see(etablissement_id):
        raise NotFound("Établissement introuvable.")
    try:
        return Etablissement.objects.get(pk=etablissement_id)
    except Etablissement.DoesNotExist:
        raise NotFound("Établissement introuvable.") from None


def _require_droit(actor: Actor, etablissement_id: int | None, droit: Droit, message: str) -> None:
    if etablissement_id is not None and not has_droit(actor, etablissement_id, droit):
        raise Forbidden(message)


def _in_context(qs: QuerySet, field: str, actor: Actor, etab: int | None) -> QuerySet:
    """Rows of the chosen établissement (already checked to lie in the actor's scope by
    :func:`etablissement_context`), or of the actor's whole scope when none is chosen (the OPCO)."""
    if etab is not None:
        return qs.filter(**{field: etab})
    return qs if actor.is_opco else qs.filter(**{f"{field}__in": actor.etablissement_ids})


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def _parse_numero(value: str, field: str) -> tuple[int, int | None]:
    """``3866466`` or ``3866466.1`` (n° of dossier and version)."""
    text = value.strip()
    numero, _, version = text.partition(".")
    if not numero.isdigit() or (version and not version.isdigit()):
        raise InvalidInput([Problem(field, "Numéro de dossier invalide (attendu : 3866466 ou 3866466.1).")])
    return int(numero), int(version) if version else None


# --- Tableau de bord ------------------------------------------------------------------------

# The guide's cards: « en cours de traitement », « en attente de pièces complémentaires », « Mes factures ».
DOSSIER_ETATS_EN_COURS = (EtatDossier.TRANSMIS, EtatDossier.EN_COURS, EtatDossier.AVENANT_EN_COURS)
DOSSIER_ETATS_EN_ATTENTE = (EtatDossier.EN_ATTENTE_PIECES,)
FACTURE_ETATS_EN_ATTENTE = (EtatFacture.EN_ATTENTE_PIECES,)
FACTURE_ETATS_EN_COURS = (EtatFacture.DEPOSEE, EtatFacture.EN_COURS, EtatFacture.VALIDEE)


@dataclass(frozen=True)
class Dashboard:
    etablissement: Etablissement | None
    etablissement_id: int | None
    dossiers_en_cours: dict[str, int]
    dossiers_en_attente: dict[str, int]
    factures_en_attente: int
    factures_en_cours: int
    notifications_non_lues: int
    # The échéances of the établissement's apprenticeship contracts, today (Europe/Paris).
    echeances_a_facturer: int = 0
    montant_a_facturer: Decimal = Decimal("0.00")
    echeances_a_venir: int = 0
    montant_a_venir: Decimal = Decimal("0.00")


def _echeances_counts(qs: QuerySet[Echeance], today: date) -> dict[str, tuple[int, Decimal]]:
    counts = {}
    for vue in (VueEcheances.A_FACTURER, VueEcheances.A_VENIR):
        row = echeances_in_view(qs, vue, today).aggregate(n=Count("pk"), m=Sum("reste"))
        counts[vue] = (row["n"] or 0, Decimal(row["m"] or 0).quantize(CENT))
    return counts


def dashboard(*, actor: Actor, etablissement_id: int | None, today: date | None = None) -> Dashboard:
    """The three cards, the échéances to invoice now and later, and the unread notifications: one query
    for one établissement. ``today``: the Europe/Paris date (by default, now's)."""
    today = today or timezone.localdate()
    etab = etablissement_context(actor=actor, etablissement_id=etablissement_id)
    if etab is not None:
        return _dashboard_of(actor, etab, today)
    # The OPCO over every établissement: COUNT(*) over the (établissement, dispositif, état) and
    # (émetteur, état) indexes.
    dossiers = _in_context(Dossier.objects.all(), "of_etablissement_id", actor, etab).filter(
        etat__in=[*DOSSIER_ETATS_EN_COURS, *DOSSIER_ETATS_EN_ATTENTE]
    )
    en_cours = {d.value: 0 for d in Dispositif}
    en_attente = {d.value: 0 for d in Dispositif}
    for dispositif, etat, n in dossiers.order_by().values_list("dispositif", "etat").annotate(n=Count("*")):
        (en_attente if etat in DOSSIER_ETATS_EN_ATTENTE else en_cours)[dispositif] += n
    factures = _in_context(Facture.objects.all(), "emetteur_id", actor, etab).filter(
        etat__in=[*FACTURE_ETATS_EN_ATTENTE, *FACTURE_ETATS_EN_COURS]
    )
    by_state = dict(factures.order_by().values_list("etat").annotate(n=Count("*")))
    notifications = notifications_of(actor).filter(read_at__isnull=True)
    echeances = _echeances_counts(Echeance.objects.all(), today)
    return Dashboard(
        etablissement=None,
        etablissement_id=None,
        dossiers_en_cours=en_cours,
        dossiers_en_attente=en_attente,
        factures_en_attente=sum(by_state.get(e, 0) for e in FACTURE_ETATS_EN_ATTENTE),
        factures_en_cours=sum(by_state.get(e, 0) for e in FACTURE_ETATS_EN_COURS),
        notifications_non_lues=notifications.count(),
        echeances_a_facturer=echeances[VueEcheances.A_FACTURER][0],
        montant_a_facturer=echeances[VueEcheances.A_FACTURER][1],
        echeances_a_venir=echeances[VueEcheances.A_VENIR][0],
        montant_a_venir=echeances[VueEcheances.A_VENIR][1],
    )


def _dashboard_of(actor: Actor, etab: int, today: date) -> Dashboard:
    """One établissement's cards in one query: grouped COUNT(*)s over the (établissement, dispositif,
    état) and (émetteur, état) indexes, the échéances of its dossiers to invoice now (opened, something
    left) and later (not yet opened), the unread notifications and the établissement itself.

    Plain SQL (portable to SQLite and PostgreSQL): the ORM would spend more time compiling the
    equivalent subqueries than the database spends answering them.
    """
    dossier, facture, echeance = Dossier._meta.db_table, Facture._meta.db_table, Echeance._meta.db_table
    notification, courrier = Notification._meta.db_table, Courrier._meta.db_table
    etablissement = Etablissement._meta.db_table
    etats_dossier = [*DOSSIER_ETATS_EN_COURS, *DOSSIER_ETATS_EN_ATTENTE]
    etats_facture = [*FACTURE_ETATS_EN_ATTENTE, *FACTURE_ETATS_EN_COURS]
    marks = lambda values: ", ".join(["%s"] * len(values))  # noqa: E731
    sql = (
        f"SELECT 'd', dispositif, etat, COUNT(*) FROM {dossier} "
        f"WHERE of_etablissement_id = %s AND etat IN ({marks(etats_dossier)}) GROUP BY dispositif, etat "
        f"UNION ALL SELECT 'f', '', etat, COUNT(*) FROM {facture} "
        f"WHERE emetteur_id = %s AND etat IN ({marks(etats_facture)}) GROUP BY etat "
        f"UNION ALL SELECT 'n', '', '', COUNT(*) FROM {notification} n INNER JOIN {courrier} c ON c.id = n.courrier_id "
        "WHERE n.user_id = %s AND n.deleted_at IS NULL AND n.read_at IS NULL AND c.of_etablissement_id = %s "
        f"UNION ALL SELECT 'e', raison_sociale, siret, id FROM {etablissement} WHERE id = %s "
        # Échéances: 'a' opened with something left to invoice, 'v' not yet opened (count, then cents).
        "UNION ALL SELECT CASE WHEN x.date_ouverture <= %s THEN 'a' ELSE 'v' END, '', '', COUNT(*) "
        f"FROM {echeance} x INNER JOIN {dossier} d ON d.id = x.dossier_id WHERE d.of_etablissement_id = %s "
        "AND x.montant_total - x.montant_regle - x.montant_en_instruction > 0 "
        "GROUP BY 1 "
        "UNION ALL SELECT CASE WHEN x.date_ouverture <= %s THEN 'A' ELSE 'V' END, '', '', "
        "CAST(ROUND(SUM(x.montant_total - x.montant_regle - x.montant_en_instruction) * 100) AS BIGINT) "
        f"FROM {echeance} x INNER JOIN {dossier} d ON d.id = x.dossier_id WHERE d.of_etablissement_id = %s "
        "AND x.montant_total - x.montant_regle - x.montant_en_instruction > 0 "
        "GROUP BY 1"
    )
    params = [etab, *etats_dossier, etab, *etats_facture, actor.user_id, etab, etab]
    params += [today, etab, today, etab]
    en_cours = {d.value: 0 for d in Dispositif}
    en_attente = {d.value: 0 for d in Dispositif}
    by_state: dict[str, int] = {}
    unread, found = 0, None
    echeances = {"a": 0, "v": 0, "A": 0, "V": 0}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, dispositif, etat, n in cursor.fetchall():
            if kind == "d" and dispositif in en_cours:
                (en_attente if etat in DOSSIER_ETATS_EN_ATTENTE else en_cours)[dispositif] += n
            elif kind == "f":
                by_state[etat] = n
            elif kind == "n":
                unread = n
            elif kind == "e":
                found = Etablissement(pk=n, raison_sociale=dispositif, siret=etat)
            elif kind in echeances:
                echeances[kind] = int(n or 0)
    if found is None:
        raise NotFound("Établissement introuvable.")
    return Dashboard(
        etablissement=found,
        etablissement_id=etab,
        dossiers_en_cours=en_cours,
        dossiers_en_attente=en_attente,
        factures_en_attente=sum(by_state.get(e, 0) for e in FACTURE_ETATS_EN_ATTENTE),
        factures_en_cours=sum(by_state.get(e, 0) for e in FACTURE_ETATS_EN_COURS),
        notifications_non_lues=unread,
        echeances_a_facturer=echeances["a"],
        montant_a_facturer=(Decimal(echeances["A"]) / 100).quantize(CENT),
        echeances_a_venir=echeances["v"],
        montant_a_venir=(Decimal(echeances["V"]) / 100).quantize(CENT),
    )


# --- Dossiers -------------------------------------------------------------------------------

DOSSIER_SORTS: dict[str, tuple[str, ...]] = {
    "nom": ("salarie_nom", "salarie_prenom"),
    "prenom": ("salarie_prenom",),
    "etablissement": ("entreprise__raison_sociale",),
    "numero": ("numero", "version"),
    "numero_deca": ("numero_depot",),
    "formation": ("formation_intitule",),
    "date_debut_contrat": ("contrat_date_debut",),
    "date_fin_contrat": ("contrat_date_fin",),
    "etat": ("etat",),
    "subroge": ("subroge",),
    "date_creation": ("created_at",),
    "date_modification": ("updated_at",),
}


class VueDossiers:
    TRANSMIS = "transmis"
    BROUILLON = "brouillon"


@dataclass(frozen=True)
class DossierFilters:
    vue: str | None = None
    etat: Sequence[str] = ()
    nom: str | None = None
    prenom: str | None = None
    etablissement: str | None = None
    numero: str | None = None
    numero_deca: str | None = None
    formation: str | None = None
    subroge: bool | None = None
    date_debut_contrat_min: date | None = None
    date_debut_contrat_max: date | None = None
    date_fin_contrat_min: date | None = None
    date_fin_contrat_max: date | None = None


def _filter_dossiers(qs: QuerySet[Dossier], f: DossierFilters) -> QuerySet[Dossier]:
    if f.vue == VueDossiers.BROUILLON:
        qs = qs.filter(etat=EtatDossier.BROUILLON)
    elif f.vue == VueDossiers.TRANSMIS:
        qs = qs.exclude(etat=EtatDossier.BROUILLON)
    elif f.vue is not None:
        raise InvalidInput([Problem("vue", "Vue inconnue (transmis ou brouillon).", "inconnu")])
    if f.etat:
        unknown = [e for e in f.etat if e not in EtatDossier.__members__.values()]
        if unknown:
            raise InvalidInput([Problem("etat", f"État inconnu : {', '.join(unknown)}.", "inconnu")])
        qs = qs.filter(etat__in=list(f.etat))
    if f.nom:
        qs = qs.filter(salarie_nom__icontains=f.nom.strip())
    if f.prenom:
        qs = qs.filter(salarie_prenom__icontains=f.prenom.strip())
    if f.etablissement:
        text = f.etablissement.strip()
        cond = Q(entreprise__raison_sociale__icontains=text)
        if text.isdigit():
            cond |= Q(entreprise__siret__startswith=text)
        qs = qs.filter(cond)
    if f.numero:
        numero, version = _parse_numero(f.numero, "numero")
        qs = qs.filter(numero=numero) if version is None else qs.filter(numero=numero, version=version)
    if f.numero_deca:
        qs = qs.filter(numero_depot__icontains=f.numero_deca.strip())
    if f.formation:
        qs = qs.filter(formation_intitule__icontains=f.formation.strip())
    if f.subroge is not None:
        qs = qs.filter(subroge=f.subroge)
    if f.date_debut_contrat_min:
        qs = qs.filter(contrat_date_debut__gte=f.date_debut_contrat_min)
    if f.date_debut_contrat_max:
        qs = qs.filter(contrat_date_debut__lte=f.date_debut_contrat_max)
    if f.date_fin_contrat_min:
        qs = qs.filter(contrat_date_fin__gte=f.date_fin_contrat_min)
    if f.date_fin_contrat_max:
        qs = qs.filter(contrat_date_fin__lte=f.date_fin_contrat_max)
    return qs


# The columns of a list row, read as plain values (no model instance, no CERFA payload); the
# entreprise's SIRET and raison sociale are added to the page's rows afterwards.
DOSSIER_ROW_FIELDS = (
    "id",
    "numero",
    "version",
    "dispositif",
    "etat",
    "subroge",
    "salarie_nom",
    "salarie_prenom",
    "entreprise_id",
    "numero_depot",
    "formation_intitule",
    "contrat_date_debut",
    "contrat_date_fin",
    "created_at",
    "updated_at",
)


def dossier_list(
    *,
    actor: Actor,
    etablissement_id: int | None,
    dispositif: str,
    filters: DossierFilters,
    tri: str | None,
    page: PageRequest,
) -> Page[dict]:
    """One dispositif's dossiers of the chosen établissement, filtered on any column, sorted, paged.

    The page is taken first, on the dossiers alone (the entreprise is joined only to filter or sort on
    it), with its total, then only its rows are decorated with their entreprise: two queries whatever
    the page size (a third for a page past the end), none of which reads the other établissements."""
    if dispositif not in Dispositif.__members__.values():
        raise NotFound("Dispositif inconnu.")
    etab = etablissement_context(actor=actor, etablissement_id=etablissement_id)
    qs = _in_context(Dossier.objects.all(), "of_etablissement_id", actor, etab).filter(dispositif=dispositif)
    qs = _filter_dossiers(qs, filters).values(*DOSSIER_ROW_FIELDS)
    default = "-date_modification" if filters.vue == VueDossiers.BROUILLON else "-date_creation"
    ordered = _order(qs, tri, DOSSIER_SORTS, default)
    start, end = page.bounds()
    # The total rides along with the page as an uncorrelated scalar subquery: one statement, in which
    # PostgreSQL counts from the (établissement, dispositif, état) index alone and still takes the page
    # from an ordered index when the sort has one (a COUNT(*) OVER () would read every matching row before
    # the LIMIT: the cost would grow with the établissement). Only a page past the end counts apart.
    total_of = Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])
    rows = list(ordered.annotate(total_lignes=total_of)[start:end])
    if rows:
        total = rows[0]["total_lignes"]
    else:
        total = 0 if page.page == 1 else ordered.order_by().count()
    for row in rows:
        del row["total_lignes"]
    _with_entreprises(rows)
    return Page(items=rows, total=total, page=page.page, taille=page.taille)


def _with_entreprises(rows: list[dict]) -> None:
    """``entreprise__siret`` and ``entreprise__raison_sociale`` on each row: one query for the page."""
    ids = sorted({row["entreprise_id"] for row in rows if row["entreprise_id"] is not None})
    found: dict[int, tuple[str, str]] = {}
    if ids:
        table = Etablissement._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, siret, raison_sociale FROM {table} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids
            )
            found = {pk: (siret, rs) for pk, siret, rs in cursor.fetchall()}
    for row in rows:
        siret, rs = found.get(row["entreprise_id"], (None, None))
        row["entreprise__siret"] = siret
        row["entreprise__raison_sociale"] = rs


@dataclass(frozen=True)
class Labelled:
    code: str
    libelle: str


def _action_order(dispositif: str) -> dict[str, int]:
    order = [a.value for a in Action] + [t.name for t in DOSSIER_LIFECYCLES[Dispositif(dispositif)]]
    return {code: i for i, code in enumerate(dict.fromkeys(order))}


def dossier_actions_labelled(actor: Actor, dossier: Dossier) -> list[Labelled]:
    order = _action_order(dossier.dispositif)
    codes = sorted(actions_on_dossier(actor, dossier), key=lambda c: (order.get(c, 999), c))
    return [Labelled(code, action_label(dossier.dispositif, code)) for code in codes]


def facture_actions_labelled(actor: Actor, facture: Facture) -> list[Labelled]:
    order = {code: i for i, code in enumerate(["afficher", "ajouter_piece", *(t.name for t in FACTURE_LIFECYCLE)])}
    codes = sorted(actions_on_facture(actor, facture), key=lambda c: (order.get(c, 999), c))
    return [Labelled(code, facture_action_label(code)) for code in codes]


def _courriers_shown(actor: Actor) -> Q:
    # The OF sees the letters once issued; the OPCO sees its outbox too.
    return Q() if actor.is_opco else Q(statut=StatutCourrier.EMIS)


@dataclass(frozen=True)
class Facturation:
    """« Déposer votre facture » on a dossier: the échéances it may be charged to today, and the next one."""

    dossier: Dossier
    echeancier: bool
    facturables: list[EcheanceLigne]
    prochaine: EcheanceLigne | None


def dossier_facturation(*, actor: Actor, dossier_id: int, today: date) -> Facturation:
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    lines = [echeance_ligne(e, today) for e in dossier.echeances.order_by("numero")]
    later = [line for line in lines if line.date_ouverture > today and line.reste > 0]
    return Facturation(
        dossier=dossier,
        echeancier=bool(lines),
        facturables=[line for line in lines if line.facturable],
        prochaine=later[0] if later else None,
    )


ECHEANCE_SORTS: dict[str, tuple[str, ...]] = {
    "date_ouverture": ("date_ouverture", "dossier__numero", "numero"),
    "nom": ("dossier__salarie_nom", "dossier__salarie_prenom"),
    "numero": ("dossier__numero", "numero"),
    "reste": ("reste",),
}


def echeance_list(
    *, actor: Actor, etablissement_id: int | None, vue: str, tri: str | None, page: PageRequest, today: date
) -> Page[EcheanceLigne]:
    """The échéances of the établissement's dossiers « à facturer » (opened, something left) or « à venir »."""
    if vue not in (VueEcheances.A_FACTURER, VueEcheances.A_VENIR):
        raise InvalidInput([Problem("vue", "Vue inconnue (a_facturer ou a_venir).", "inconnu")])
    etab = etablissement_context(actor=actor, etablissement_id=etablissement_id)
    qs = _in_context(Echeance.objects.all(), "dossier__of_etablissement_id", actor, etab)
    qs = echeances_in_view(qs.select_related("dossier", "dossier__entreprise"), vue, today)
    result = paginate(_order(qs, tri, ECHEANCE_SORTS, "date_ouverture"), page)
    return Page([echeance_ligne(e, today) for e in result.items], result.total, result.page, result.taille)


def entreprises_search(*, actor: Actor, siret: str, limit: int = 20) -> list[Etablissement]:
    """The employer picker of the CERFA form: at least the 9 digits of the SIREN."""
    text = (siret or "").replace(" ", "")
    if not text.isdigit() or not 9 <= len(text) <= 14:
        raise InvalidInput([Problem("siret", "Saisissez au moins les 9 premiers chiffres du SIRET.")])
    if not actor.is_opco and not actor.grants:
        raise NotFound("Aucun établissement n'est rattaché à votre compte.")
    return list(
        Etablissement.objects.filter(est_entreprise=True, actif=True, siret__startswith=text).order_by("siret")[:limit]
    )


# --- Pièces jointes and courriers -------------------------------------------------------------


def piece_get(*, actor: Actor, piece_id: int) -> PieceJointe:
    qs = PieceJointe.objects.select_related("dossier", "facture")
    if not actor.is_opco:
        ids = actor.etablissement_ids
        qs = qs.filter(Q(dossier__of_etablissement_id__in=ids) | Q(facture__emetteur_id__in=ids))
    try:
        return qs.get(pk=piece_id)
    except PieceJointe.DoesNotExist:
        raise NotFound("Pièce jointe introuvable.") from None


def courrier_get(*, actor: Actor, courrier_id: int) -> Courrier:
    """A courrier in the actor's scope; the avis de paiement of a règlement needs the right to consult
    règlements, like the règlement itself (403 otherwise)."""
    qs = courriers_visible_to(actor).filter(_courriers_shown(actor))
    try:
        courrier = qs.select_related("dossier", "facture", "reglement").get(pk=courrier_id)
    except Courrier.DoesNotExist:
        raise NotFound("Courrier introuvable.") from None
    if courrier.reglement_id is not None:
        _require_droit(
            actor,
            courrier.reglement.beneficiaire_id,
            Droit.CONSULTER_REGLEMENTS,
            "Vous n'avez pas le droit de consulter les règlements.",
        )
    return courrier


def facture_pieces(*, actor: Actor, facture_id: int) -> list[PieceJointe]:
    facture = facture_get(actor=actor, facture_id=facture_id)
    return list(facture.pieces.order_by("-uploaded_at", "-pk"))


def dossier_pieces_list(*, actor: Actor, dossier_id: int) -> list[PieceJointe]:
    return list(dossier_pieces(actor=actor, dossier_id=dossier_id))


# --- Notifications --------------------------------------------------------------------------

NOTIFICATION_SORTS: dict[str, tuple[str, ...]] = {
    "date": ("created_at",),
    "numero": ("courrier__dossier__numero", "courrier__dossier__version"),
    "siret": ("courrier__destinataire_etablissement__siret",),
    "raison_sociale": ("courrier__destinataire_etablissement__raison_sociale",),
    "prenom": ("courrier__dossier__salarie_prenom",),
    "nom": ("courrier__dossier__salarie_nom",),
    "lue": ("read_at",),
    "message": ("courrier__type", "courrier__destinataire"),  # the courrier named under the message
}


@dataclass(frozen=True)
class NotificationFilters:
    numero: str | None = None
    siret: str | None = None
    raison_sociale: str | None = None
    prenom: str | None = None
    nom: str | None = None
    lue: bool | None = None
    date_min: date | None = None
    date_max: date | None = None


def _notifications_in(actor: Actor, etablissement_id: int | None) -> QuerySet[Notification]:
    etab = etablissement_context(actor=actor, etablissement_id=etablissement_id)
    qs = notifications_of(actor)
    return qs if etab is None else qs.filter(courrier__of_etablissement_id=etab)


def notification_list(
    *, actor: Actor, etablissement_id: int | None, filters: NotificationFilters, tri: str | None, page: PageRequest
) -> Page[Notification]:
    qs = _notifications_in(actor, etablissement_id)
    f = filters
    if f.numero:
        numero, version = _parse_numero(f.numero, "numero")
        qs = qs.filter(courrier__dossier__numero=numero)
        if version is not None:
            qs = qs.filter(courrier__dossier__version=version)
    if f.siret:
        qs = qs.filter(courrier__destinataire_etablissement__siret__startswith=f.siret.strip())
    if f.raison_sociale:
        qs = qs.filter(courrier__destinataire_etablissement__raison_sociale__icontains=f.raison_sociale.strip())
    if f.prenom:
        qs = qs.filter(courrier__dossier__salarie_prenom__icontains=f.prenom.strip())
    if f.nom:
        qs = qs.filter(courrier__dossier__salarie_nom__icontains=f.nom.strip())
    if f.lue is not None:
        qs = qs.filter(read_at__isnull=not f.lue)
    if f.date_min:
        qs = qs.filter(created_at__gte=_day_start(f.date_min))
    if f.date_max:
        qs = qs.filter(created_at__lte=_day_end(f.date_max))
    qs = qs.select_related(
        "courrier",
        "courrier__dossier",
        "courrier__facture",
        "courrier__reglement",
        "courrier__destinataire_etablissement",
    )
    return paginate(_order(qs, tri, NOTIFICATION_SORTS, "-date"), page)


def notification_get(*, actor: Actor, notification_id: int) -> Notification:
    qs = notifications_of(actor).select_related(
        "courrier",
        "courrier__dossier",
        "courrier__facture",
        "courrier__reglement",
        "courrier__destinataire_etablissement",
    )
    try:
        return qs.get(pk=notification_id)
    except Notification.DoesNotExist:
        raise NotFound("Notification introuvable.") from None


def notifications_unread_count(*, actor: Actor, etablissement_id: int | None) -> int:
    """The header's badge: the actor's unread notifications about the chosen établissement."""
    return _notifications_in(actor, etablissement_id).filter(read_at__isnull=True).count()


def notifications_scope(*, actor: Actor, etablissement_id: int | None) -> QuerySet[Notification]:
    """The notifications « tout marquer comme lu » / « tout supprimer » act on."""
    return _notifications_in(actor, etablissement_id)


# --- Factures -------------------------------------------------------------------------------

FACTURE_SORTS: dict[str, tuple[str, ...]] = {
    "numero": ("numero",),
    "emetteur": ("emetteur__raison_sociale",),
    "reference": ("reference",),
    "etat": ("etat",),
    "date_facture": ("date_facture",),
    "date_reception": ("deposited_at",),
    "montant_ht": ("montant_ht",),
    "montant_ttc": ("montant_ttc",),
    "dossier": ("dossier__numero", "dossier__version"),
}


class VueFactures:
    TOUTES = "toutes"
    PAYEES = "payees"


@dataclass(frozen=True)
class FactureFilters:
    vue: str | None = None
    etat: Sequence[str] = ()
    numero: int | None = None
    emetteur: str | None = None
    reference: str | None = None
    dossier: str | None = None
    date_facture_min: date | None = None
    date_facture_max: date | None = None
    date_reception_min: date | None = None
    date_reception_max: date | None = None
    montant_ttc_min: Decimal | None = None
    montant_ttc_max: Decimal | None = None


def _factures_filtered(actor: Actor, etablissement_id: int | None, f: FactureFilters) -> QuerySet[Facture]:
    etab = etablissement_context(actor=actor, etablissement_id=etablissement_id)
    qs = _in_context(Facture.objects.all(), "emetteur_id", actor, etab)
    if f.vue == VueFactures.PAYEES:
        qs = qs.filter(etat=EtatFacture.PAYEE)
    elif f.vue not in (None, VueFactures.TOUTES):
        raise InvalidInput([Problem("vue", "Vue inconnue (toutes ou payees).", "inconnu")])
    if f.etat:
        unknown = [e for e in f.etat if e not in EtatFacture.__members__.values()]
        if unknown:
            raise InvalidInput([Problem("etat", f"État inconnu : {', '.join(unknown)}.", "inconnu")])
        qs = qs.filter(etat__in=list(f.etat))
    if f.numero is not None:
        qs = qs.filter(numero=f.numero)
    if f.emetteur:
        qs = qs.filter(emetteur__raison_sociale__icontains=f.emetteur.strip())
    if f.reference:
        qs = qs.filter(reference__icontains=f.reference.strip())
    if f.dossier:
        numero, version = _parse_numero(f.dossier, "dossier")
        qs = qs.filter(dossier__numero=numero)
        if version is not None:
            qs = qs.filter(dossier__version=version)
    if f.date_facture_min:
        qs = qs.filter(date_facture__gte=f.date_facture_min)
    if f.date_facture_max:
        qs = qs.filter(date_facture__lte=f.date_facture_max)
    if f.date_reception_min:
        qs = qs.filter(deposited_at__gte=_day_start(f.date_reception_min))
    if f.date_reception_max:
        qs = qs.filter(deposited_at__lte=_day_end(f.date_reception_max))
    if f.montant_ttc_min is not None:
        qs = qs.filter(montant_ttc__gte=f.montant_ttc_min)
    if f.montant_ttc_max is not None:
        qs = qs.filter(montant_ttc__lte=f.montant_ttc_max)
    return qs


FACTURE_ROW_FIELDS = (
    "id",
    "numero",
    "emetteur_id",
    "emetteur__siret",
    "emetteur__raison_sociale",
    "reference",
    "etat",
    "date_facture",
    "deposited_at",
    "montant_ht",
    "montant_ttc",
    "dossier_id",
    "dossier__numero",
    "dossier__version",
)


def facture_list(
    *, actor: Actor, etablissement_id: int | None, filters: FactureFilters, tri: str | None, page: PageRequest
) -> Page[dict]:
    """The rows, each with ``echeances``: the codes of the échéances its lines are charged to (one query
    for the page)."""
    qs = _factures_filtered(actor, etablissement_id, filters).values(*FACTURE_ROW_FIELDS)
    result = paginate(_order(qs, tri, FACTURE_SORTS, "-date_reception"), page)
    codes: dict[int, list[str]] = {row["id"]: [] for row in result.items}
    if codes:
        lines = (
            FactureLigne.objects.filter(facture_id__in=list(codes), echeance__isnull=False)
            .order_by("facture_id", "pk")
            .values_list("facture_id", "echeance__numero")
        )
        for facture_id, numero in lines:
            if f"E{numero}" not in codes[facture_id]:
                codes[facture_id].append(f"E{numero}")
    for row in result.items:
        row["echeances"] = codes[row["id"]]
    return result


FACTURE_EXPORT_COLUMNS = (
    "Numéro",
    "Raison sociale de l'émetteur",
    "SIRET de l'émetteur",
    "Référence",
    "État",
    "N° de dossier",
    "Date de facture",
    "Date de réception",
    "Montant HT",
    "Montant TTC",
)


def facture_export_rows(
    *, actor: Actor, etablissement_id: int | None, filters: FactureFilters, tri: str | None
) -> tuple[tuple[str, ...], Iterator[tuple]]:
    """The rows of the factures export, streamed from the database in chunks (flat memory)."""
    qs = _order(_factures_filtered(actor, etablissement_id, filters), tri, FACTURE_SORTS, "-date_reception")
    labels = {e.value: e.label for e in EtatFacture}
    rows = qs.values_list(
        "numero",
        "emetteur__raison_sociale",
        "emetteur__siret",
        "reference",
        "etat",
        "dossier__numero",
        "dossier__version",
        "date_facture",
        "deposited_at",
        "montant_ht",
        "montant_ttc",
    )

    def generate() -> Iterator[tuple]:
        for numero, rs, siret, ref, etat, d_num, d_ver, d_fac, d_rec, ht, ttc in rows.iterator(chunk_size=2000):
            yield (
                numero,
                rs,
                siret,
                ref,
                labels.get(etat, etat),
                f"{d_num}.{d_ver}" if d_num else "",
                d_fac,
                timezone.localtime(d_rec).date(),
                ht,
                ttc,
            )

    return FACTURE_EXPORT_COLUMNS, generate()


@dataclass(frozen=True)
class FactureDetail:
    facture: Facture
    pieces: list[PieceJointe]
    reglement: Reglement | None
    actions: list[Labelled]
    lignes: list[FactureLigne] = field(default_factory=list)


def facture_detail(*, actor: Actor, facture_id: int) -> FactureDetail:
    qs = (
        factures_visible_to(actor)
        .select_related("emetteur", "dossier", "ligne_reglement__reglement")
        .prefetch_related(
            Prefetch("pieces", queryset=PieceJointe.objects.order_by("-uploaded_at", "-pk")),
            Prefetch("lignes", queryset=FactureLigne.objects.select_related("dossier", "echeance").order_by("pk")),
        )
    )
    try:
        facture = qs.get(pk=facture_id)
    except Facture.DoesNotExist:
        raise NotFound("Facture introuvable.") from None
    ligne = getattr(facture, "ligne_reglement", None)
    return FactureDetail(
        facture=facture,
        pieces=list(facture.pieces.all()),
        reglement=ligne.reglement if ligne else None,
        actions=facture_actions_labelled(actor, facture),
        lignes=list(facture.lignes.all()),
    )


# --- Paiements OPCO (règlements) ----------------------------------------------------------------

PAIEMENT_SORTS: dict[str, tuple[str, ...]] = {
    "reference": ("reglement__reference_virement",),
    "numero": ("reglement__numero",),
    "beneficiaire": ("reglement__beneficiaire__raison_sociale",),
    "date_paiement": ("reglement__date_paiement",),
    "montant_total": ("reglement__montant_total_ttc",),
    "dossier": ("dossier__numero", "dossier__version"),
    "montant_dossier": ("montant_dossier",),
}
_PAIEMENT_FIELDS = (
    "reglement_id",
    "reglement__numero",
    "reglement__reference_virement",
    "reglement__date_paiement",
    "reglement__montant_total_ttc",
    "reglement__beneficiaire_id",
    "reglement__beneficiaire__raison_sociale",
    "reglement__beneficiaire__siret",
    "dossier_id",
    "dossier__numero",
    "dossier__version",
)


@dataclass(frozen=True)
class PaiementFilters:
    reference: str | None = None
    numero: str | None = None
    dossier: str | None = None
    date_paiement_min: date | None = None
    date_paiement_max: date | None = None
    montant_min: Decimal | None = None
    montant_max: Decimal | None = None


@dataclass(frozen=True)
class PaiementRow:
    """One line of the guide's list: a règlement and one dossier it pays, with the amount for it."""

    reglement_id: int
    numero: str
    reference: str
    date_paiement: date
    montant_total_ttc: Decimal
    beneficiaire_id: int
    beneficiaire_raison_sociale: str
    beneficiaire_siret: str
    dossier_id: int
    dossier_numero: str
    montant_dossier_ttc: Decimal


def _paiements_filtered(actor: Actor, etablissement_id: int | None, f: PaiementFilters) -> QuerySet:
    etab = etablissement_context(actor=actor, etablissement_id=etablissement_id)
    _require_droit(actor, etab, Droit.CONSULTER_REGLEMENTS, "Vous n'avez pas le droit de consulter les règlements.")
    qs = _in_context(LigneReglement.objects.all(), "reglement__beneficiaire_id", actor, etab)
    if f.reference:
        qs = qs.filter(reglement__reference_virement__icontains=f.reference.strip())
    if f.numero:
        qs = qs.filter(reglement__numero=f.numero.strip())
    if f.dossier:
        numero, version = _parse_numero(f.dossier, "dossier")
        qs = qs.filter(dossier__numero=numero)
        if version is not None:
            qs = qs.filter(dossier__version=version)
    if f.date_paiement_min:
        qs = qs.filter(reglement__date_paiement__gte=f.date_paiement_min)
    if f.date_paiement_max:
        qs = qs.filter(reglement__date_paiement__lte=f.date_paiement_max)
    if f.montant_min is not None:
        qs = qs.filter(reglement__montant_total_ttc__gte=f.montant_min)
    if f.montant_max is not None:
        qs = qs.filter(reglement__montant_total_ttc__lte=f.montant_max)
    return qs.values(*_PAIEMENT_FIELDS).annotate(montant_dossier=Sum("montant_ttc"))


def _paiement_row(values: dict) -> PaiementRow:
    return PaiementRow(
        reglement_id=values["reglement_id"],
        numero=values["reglement__numero"],
        reference=values["reglement__reference_virement"],
        date_paiement=values["reglement__date_paiement"],
        montant_total_ttc=values["reglement__montant_total_ttc"],
        beneficiaire_id=values["reglement__beneficiaire_id"],
        beneficiaire_raison_sociale=values["reglement__beneficiaire__raison_sociale"],
        beneficiaire_siret=values["reglement__beneficiaire__siret"],
        dossier_id=values["dossier_id"],
        dossier_numero=f"{values['dossier__numero']}.{values['dossier__version']}",
        montant_dossier_ttc=Decimal(values["montant_dossier"] or 0).quantize(CENT),
    )


def _order_paiements(qs: QuerySet, tri: str | None) -> QuerySet:
    ordered = _order(qs, tri, PAIEMENT_SORTS, "-date_paiement")
    # ``pk`` is not part of the grouping: break ties on the grouping keys instead.
    columns = [c for c in ordered.query.order_by if c.lstrip("-") != "pk"]
    return qs.order_by(*columns, "-reglement_id", "dossier_id")


def paiement_list(
    *, actor: Actor, etablissement_id: int | None, filters: PaiementFilters, tri: str | None, page: PageRequest
) -> Page[PaiementRow]:
    qs = _order_paiements(_paiements_filtered(actor, etablissement_id, filters), tri)
    result = paginate(qs, page)
    return Page([_paiement_row(v) for v in result.items], result.total, result.page, result.taille)


PAIEMENT_EXPORT_COLUMNS = (
    "Référence",
    "N° de règlement",
    "Raison sociale du bénéficiaire",
    "SIRET du bénéficiaire",
    "Date de paiement",
    "Montant total TTC",
    "N° de dossier",
    "Montant TTC / dossier",
)


def paiement_export_rows(
    *, actor: Actor, etablissement_id: int | None, filters: PaiementFilters, tri: str | None
) -> tuple[tuple[str, ...], Iterator[tuple]]:
    qs = _order_paiements(_paiements_filtered(actor, etablissement_id, filters), tri)

    def generate() -> Iterator[tuple]:
        for values in qs.iterator(chunk_size=2000):
            row = _paiement_row(values)
            yield (
                row.reference,
                row.numero,
                row.beneficiaire_raison_sociale,
                row.beneficiaire_siret,
                row.date_paiement,
                row.montant_total_ttc,
                row.dossier_numero,
                row.montant_dossier_ttc,
            )

    return PAIEMENT_EXPORT_COLUMNS, generate()


@dataclass(frozen=True)
class ReglementDetail:
    reglement: Reglement
    lignes: list[LigneReglement]
    avis: Courrier | None


def reglement_detail(*, actor: Actor, reglement_id: int) -> ReglementDetail:
    """The règlement with the factures it settles and its avis de paiement (three queries)."""
    qs = reglements_visible_to(actor).select_related("beneficiaire")
    try:
        reglement = qs.get(pk=reglement_id)
    except Reglement.DoesNotExist:
        raise NotFound("Règlement introuvable.") from None
    _require_droit(
        actor,
        reglement.beneficiaire_id,
        Droit.CONSULTER_REGLEMENTS,
        "Vous n'avez pas le droit de consulter les règlements.",
    )
    lignes = list(
        reglement.lignes.select_related("facture", "dossier").order_by("facture__date_facture", "facture__numero")
    )
    avis = (
        Courrier.objects.filter(reglement=reglement, type="avis_paiement", statut=StatutCourrier.EMIS)
        .exclude(fichier="")
        .order_by("-emis_at")
        .first()
    )
    return ReglementDetail(reglement=reglement, lignes=lignes, avis=avis)


# --- The apprenticeship form: verification ------------------------------------------------------


def cerfa_form_structure() -> dict:
    """The form's blocks, fields, code lists, help and pay grid, with the back office's SMIC table."""
    return form_structure(smic_table=smic_table())


def cerfa_verification(*, payload: dict, today: date) -> CerfaVerdict:
    """Every rule of the CERFA on ``payload`` (problems and completeness per block, rémunération
    periods), with the dated SMIC table of the back office — the one the transmission uses
    (:func:`cases.references.smic_table`), so that what verifies also transmits. ``today`` is the
    Europe/Paris date."""
    return validate_cerfa(payload if isinstance(payload, dict) else {}, today=today, smic_table=smic_table())
