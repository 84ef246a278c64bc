"""The dossier's synthesis (the guide's « Synthèse du dossier »), read in one statement whatever the
dossier holds, the paged lists behind its « voir tout », and « Examiner » a notification (the synthesis
of what its courrier is about). Scopes and the other reads come from :mod:`cases.selectors`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date
from decimal import Decimal

from django.db import connection
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin

from accounts.actors import Actor
from accounts.models import Etablissement, User
from cases.models import (
    Courrier,
    Dossier,
    Echeance,
    Facture,
    FactureLigne,
    LigneFinancement,
    PieceJointe,
    StatutCourrier,
    TransitionLog,
)
from cases.selectors import (
    FactureDetail,
    Labelled,
    ReglementDetail,
    _courriers_shown,
    dossier_actions_labelled,
    dossier_get,
    facture_detail,
    notification_get,
    reglement_detail,
)
from cases.selectors_financement import EcheancierVue, echeancier_vue
from common.errors import NotFound
from common.paging import Page, PageRequest, paginate
from common.sql import execute_prepared

# The synthesis shows the latest entries of each growing relation, with their total and a paged list
# (« voir tout ») for the rest: its cost never depends on how much a dossier has accumulated.
SYNTHESIS_LATEST = 20


@dataclass(frozen=True)
class DossierSynthesis:
    dossier: Dossier
    financements: list[LigneFinancement]
    total_demande: Decimal
    total_pris_en_charge: Decimal | None
    courriers: list[Courrier]
    factures: list[Facture]
    pieces: list[PieceJointe]
    journal: list[TransitionLog]
    actions: list[Labelled] = field(default_factory=list)
    echeancier: EcheancierVue | None = None
    # How many there are in all (the lists above hold the latest SYNTHESIS_LATEST at most).
    courriers_total: int = 0
    factures_total: int = 0
    pieces_total: int = 0
    journal_total: int = 0


# --- The synthesis in one query -----------------------------------------------------------------
#
# One hand-written statement: the dossier row with its OF and entreprise, and beside it each related
# list as one JSON array (a correlated subquery per list, bounded by LIMIT) and each total. Its text
# depends only on the database and the actor's kind of scope, so it is built once per process; the
# values are turned back into model instances with the fields' own types.


def _json_functions(vendor: str) -> tuple[str, str, str]:
    """(array of a row, aggregate of rows, empty array) in this database's dialect."""
    if vendor == "postgresql":
        return "json_build_array", "json_agg", "'[]'::json"
    return "json_array", "json_group_array", "json_array()"


def _column(field, alias: str) -> str:
    return f"{alias}.{connection.ops.quote_name(field.column)}"


def _json_column(field, alias: str, vendor: str) -> str:
    column = _column(field, alias)
    kind = field.get_internal_type()
    if kind == "DecimalField":
        return f"CAST({column} AS TEXT)"  # exact, never a float
    if kind == "JSONField" and vendor != "postgresql":
        return f"json({column})"
    return column


def _json_rows(
    model,
    *,
    vendor: str,
    where: str,
    order: str,
    limit: int | None = None,
    extra: Sequence[str] = (),
    joins: str = "",
    exclude: Sequence[str] = (),
) -> tuple[str, list]:
    """A scalar subquery answering ``model``'s rows (every concrete field but ``exclude``, then ``extra``)
    as a JSON array of arrays, each led by its rank in ``order``. ``where`` may use ``t``."""
    fields = [f for f in model._meta.concrete_fields if f.attname not in exclude]
    row, agg, empty = _json_functions(vendor)
    columns = [_json_column(f, "t", vendor) for f in fields] + list(extra)
    inner = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns))
    outer = ", ".join(["x.o", *(f"x.c{i}" for i in range(len(columns)))])
    bound = f" LIMIT {int(limit)}" if limit else ""
    sql = (
        f"(SELECT COALESCE({agg}({row}({outer})), {empty}) FROM (SELECT ROW_NUMBER() OVER (ORDER BY {order}) AS o, "
        f"{inner} FROM {model._meta.db_table} t {joins} WHERE {where} ORDER BY {order}{bound}) x)"
    )
    return sql, fields


def _converter(field):
    """A value read from the database or its JSON, as the model field holds it."""
    kind = field.get_internal_type()
    if kind == "DecimalField":
        quantum = Decimal(1).scaleb(-field.decimal_places)
        return lambda v: None if v is None else Decimal(str(v)).quantize(quantum)
    if kind == "DateTimeField":

        def moment(v):
            if v is None:
                return None
            v = field.to_python(v)
            return timezone.make_aware(v, UTC) if timezone.is_naive(v) else v

        return moment
    if kind == "DateField":
        return lambda v: None if v is None else field.to_python(v)
    if kind == "BooleanField":
        return lambda v: None if v is None else bool(v)
    if kind == "JSONField":
        return lambda v: json.loads(v) if isinstance(v, str) else v
    return None


@dataclass(frozen=True)
class _Part:
    model: type
    fields: list
    converters: list
    attnames: list

    @classmethod
    def of(cls, model, fields) -> _Part:
        return cls(model, fields, [_converter(f) for f in fields], [f.attname for f in fields])

    def build(self, values):
        """The instance of ``values``, as ``Model.from_db`` would make it, without running ``Model.__init__``
        (its per-field descriptors and signals cost more, for the synthesis's ~40 instances, than the query
        itself): the values go straight into the instance's ``__dict__``, where every field's descriptor
        reads them (deferred fields, such as the dossier's ``donnees``, still load on first access)."""
        obj = self.model.__new__(self.model)
        obj.__dict__.update(
            zip(
                self.attnames,
                [v if c is None else c(v) for c, v in zip(self.converters, values, strict=True)],
                strict=True,
            )
        )
        state = ModelState()
        state.adding, state.db = False, connection.alias
        obj._state = state
        if isinstance(obj, ConcurrentTransitionMixin):
            obj._update_initial_state()  # what its __init__ records for the concurrent transitions' check
        return obj


_LISTS = ("financements", "echeances", "pieces", "courriers", "factures", "journal")
_LIST_MODELS = (LigneFinancement, Echeance, PieceJointe, Courrier, Facture, TransitionLog)
_COUNTS = ("pieces", "courriers", "factures", "journal")


def _facture_ids_sql(dossier: str) -> str:
    """The factures of a dossier: its own and those with a line on it. A UNION over two indexes, never
    ``dossier_id = … OR id IN (…)``, which PostgreSQL can only answer by reading every facture."""
    return (
        f"SELECT f.id FROM {Facture._meta.db_table} f WHERE f.dossier_id = {dossier} "
        f"UNION ALL SELECT l.facture_id FROM {FactureLigne._meta.db_table} l WHERE l.dossier_id = {dossier}"
    )


@functools.cache
def _synthesis_statement(vendor: str, opco: bool, scope_size: int) -> tuple[str, dict]:
    n = SYNTHESIS_LATEST
    shown = "" if opco else f" AND t.statut = '{StatutCourrier.EMIS.value}'"
    facture_of = f"t.id IN ({_facture_ids_sql('d.id')})"
    kw = {"vendor": vendor, "limit": n}
    lists = [
        _json_rows(LigneFinancement, vendor=vendor, where="t.dossier_id = d.id", order="t.id"),
        _json_rows(Echeance, vendor=vendor, where="t.dossier_id = d.id", order="t.numero, t.id"),
        _json_rows(PieceJointe, where="t.dossier_id = d.id", order="t.uploaded_at DESC, t.id DESC", **kw),
        _json_rows(
            Courrier,
            where=f"t.dossier_id = d.id{shown}",
            order="t.emis_at DESC, t.created_at DESC, t.id DESC",
            exclude=("contexte",),
            **kw,
        ),
        _json_rows(Facture, where=facture_of, order="t.deposited_at DESC, t.id DESC", **kw),
        _json_rows(
            TransitionLog,
            where="t.dossier_id = d.id",
            order="t.created_at DESC, t.id DESC",
            extra=["u.is_opco_gestionnaire"],
            joins=f"LEFT JOIN {User._meta.db_table} u ON u.id = t.actor_user_id",
            **kw,
        ),
    ]
    counts = [
        f"(SELECT COUNT(*) FROM {PieceJointe._meta.db_table} t WHERE t.dossier_id = d.id)",
        f"(SELECT COUNT(*) FROM {Courrier._meta.db_table} t WHERE t.dossier_id = d.id{shown})",
        f"(SELECT COUNT(*) FROM {Facture._meta.db_table} t WHERE {facture_of})",
        f"(SELECT COUNT(*) FROM {TransitionLog._meta.db_table} t WHERE t.dossier_id = d.id)",
    ]
    dossier_fields = [f for f in Dossier._meta.concrete_fields if f.attname != "donnees"]
    etab_fields = list(Etablissement._meta.concrete_fields)
    columns = [
        *(_column(f, "d") for f in dossier_fields),
        *(_column(f, "o") for f in etab_fields),
        *(_column(f, "e") for f in etab_fields),
        f"(SELECT a.id FROM {Dossier._meta.db_table} a WHERE a.version_precedente_id = d.id)",
        *(sql for sql, _ in lists),
        *counts,
    ]
    scope = "" if opco else f" AND d.of_etablissement_id IN ({', '.join(['%s'] * scope_size)})"
    etab = Etablissement._meta.db_table
    sql = (
        f"SELECT {', '.join(columns)} FROM {Dossier._meta.db_table} d "
        f"INNER JOIN {etab} o ON o.id = d.of_etablissement_id LEFT JOIN {etab} e ON e.id = d.entreprise_id "
        f"WHERE d.id = %s{scope}"
    )
    parts = {
        "dossier": _Part.of(Dossier, dossier_fields),
        "etablissement": _Part.of(Etablissement, etab_fields),
        **{name: _Part.of(model, fields) for name, model, (_, fields) in zip(_LISTS, _LIST_MODELS, lists, strict=True)},
    }
    return sql, parts


def _list_of(part: _Part, payload, extra: int = 0) -> list:
    rows = json.loads(payload) if isinstance(payload, str) else (payload or [])
    rows.sort(key=lambda r: r[0])
    width = len(part.fields)
    out = []
    for row in rows:
        obj = part.build(row[1 : 1 + width])
        if extra:
            obj._extra = row[1 + width :]
        out.append(obj)
    return out


def dossier_synthesis(*, actor: Actor, dossier_id: int, today: date | None = None) -> DossierSynthesis:
    """Every block of the guide's synthesis page in one query whatever the dossier holds: the financing
    lines and the échéancier in full, and of the courriers, factures (those with a line on the dossier: a
    facture may cover several dossiers), pièces jointes and journal the latest ``SYNTHESIS_LATEST`` with
    their totals (the rest through the paged lists). The échéancier is shown as of ``today`` (the
    Europe/Paris date by default)."""
    scope = [] if actor.is_opco else sorted(actor.etablissement_ids)
    if not actor.is_opco and not scope:
        raise NotFound("Dossier introuvable.")
    sql, parts = _synthesis_statement(connection.vendor, actor.is_opco, len(scope))
    with connection.cursor() as cursor:
        execute_prepared(cursor, sql, [dossier_id, *scope])  # planned once per connection on PostgreSQL
        row = cursor.fetchone()
    if row is None:
        raise NotFound("Dossier introuvable.")
    etab_width = len(parts["etablissement"].fields)
    width = len(parts["dossier"].fields)
    dossier = parts["dossier"].build(row[:width])
    of = parts["etablissement"].build(row[width : width + etab_width])
    entreprise_row = row[width + etab_width : width + 2 * etab_width]
    Dossier.of_etablissement.field.set_cached_value(dossier, of)
    entreprise = parts["etablissement"].build(entreprise_row) if entreprise_row[0] is not None else None
    Dossier.entreprise.field.set_cached_value(dossier, entreprise)
    rest = row[width + 2 * etab_width :]
    dossier.avenant_pk = rest[0]
    payloads = dict(zip(_LISTS, rest[1 : 1 + len(_LISTS)], strict=True))
    totals = dict(zip(_COUNTS, rest[1 + len(_LISTS) :], strict=True))
    loaded = {name: _list_of(parts[name], payloads[name], extra=1 if name == "journal" else 0) for name in _LISTS}
    for related in ("financements", "echeances", "pieces", "courriers"):
        for obj in loaded[related]:
            obj.dossier = dossier  # no query when a presenter reaches back
    journal = list(reversed(loaded["journal"]))  # chronological, as before
    for log in journal:
        if log.actor_user_id is not None:
            log.actor_user = User(pk=log.actor_user_id, is_opco_gestionnaire=bool(log._extra[0]))
    financements = loaded["financements"]
    demande = sum((line.montant_demande for line in financements), Decimal("0"))
    pris = [line.montant_pris_en_charge for line in financements if line.montant_pris_en_charge is not None]
    return DossierSynthesis(
        dossier=dossier,
        financements=financements,
        total_demande=demande,
        total_pris_en_charge=sum(pris, Decimal("0")) if pris else None,
        courriers=loaded["courriers"],
        factures=loaded["factures"],
        pieces=loaded["pieces"],
        journal=journal,
        actions=dossier_actions_labelled(actor, dossier),
        echeancier=echeancier_vue(dossier, loaded["echeances"], today or timezone.localdate()),
        courriers_total=int(totals["courriers"]),
        factures_total=int(totals["factures"]),
        pieces_total=int(totals["pieces"]),
        journal_total=int(totals["journal"]),
    )


# --- The paged lists behind « voir tout » ---------------------------------------------------------


def dossier_factures_page(*, actor: Actor, dossier_id: int, page: PageRequest) -> tuple[Dossier, Page[Facture]]:
    """The dossier, and the factures with a line on it, latest first."""
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    qs = Facture.objects.filter(pk__in=RawSQL(_facture_ids_sql("%s"), [dossier.pk, dossier.pk]))
    return dossier, paginate(qs.order_by("-deposited_at", "-pk"), page)


def dossier_courriers_page(*, actor: Actor, dossier_id: int, page: PageRequest) -> tuple[Dossier, Page[Courrier]]:
    """The dossier, and those of its courriers the actor may see (an OF: those issued), latest first."""
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    qs = dossier.courriers.filter(_courriers_shown(actor)).defer("contexte")
    return dossier, paginate(qs.order_by("-emis_at", "-created_at", "-pk"), page)


def dossier_journal_page(*, actor: Actor, dossier_id: int, page: PageRequest) -> tuple[Dossier, Page[TransitionLog]]:
    """The dossier, and its history, latest first."""
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    qs = dossier.journal.select_related("actor_user").order_by("-created_at", "-pk")
    return dossier, paginate(qs, page)


@dataclass(frozen=True)
class Examen:
    """« Examiner » a notification: the synthesis of what its courrier is about."""

    type: str
    dossier: DossierSynthesis | None = None
    facture: FactureDetail | None = None
    reglement: ReglementDetail | None = None


def notification_examine(*, actor: Actor, notification_id: int) -> Examen:
    courrier = notification_get(actor=actor, notification_id=notification_id).courrier
    if courrier.dossier_id:
        return Examen("dossier", dossier=dossier_synthesis(actor=actor, dossier_id=courrier.dossier_id))
    if courrier.facture_id:
        return Examen("facture", facture=facture_detail(actor=actor, facture_id=courrier.facture_id))
    return Examen("paiement", reglement=reglement_detail(actor=actor, reglement_id=courrier.reglement_id))
