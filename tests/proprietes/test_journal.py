"""The journal as a property: every transition of every lifecycle table, driven through its service, writes
exactly one journal entry on the object it moves — with its actor, its channel, its from-state and its
to-state — and every other object whose state the service moved (the previous version of an avenant, each
facture of a règlement) gets its own entry, while no object whose state did not move gets one.

The cases are generated from the tables of :mod:`rules.lifecycles` (every dispositif, the facture) and from the
courrier's states, one per (table, transition, source state). A transition without a driver here fails the
suite: a new transition cannot be forgotten.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from accounts.actors import Actor, Channel
from accounts.models import User
from cases import services
from cases.models import Courrier, Dossier, Facture, StatutCourrier, TransitionLog
from cases.services import Upload
from cases.services.courriers import MAX_ATTEMPTS, courrier_issue, courrier_requeue
from rules.cerfa import example_payload
from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    FACTURE_LIFECYCLE,
    INITIAL_DOSSIER_STATE,
    INITIAL_FACTURE_STATE,
    Dispositif,
    EtatDossier,
    EtatFacture,
)
from tests.factories import PDF_BYTES
from tests.proprietes.monde import Monde

pytestmark = pytest.mark.django_db

E, F = EtatDossier, EtatFacture
OWNER = "A.siege"

# The courrier's states are journaled like a lifecycle but have no table in rules/: they are stated here.
COURRIER = "courrier"
COURRIER_LIFECYCLE = {
    "emettre": ({StatutCourrier.DEMANDE}, StatutCourrier.EMIS),
    "abandonner": ({StatutCourrier.DEMANDE}, StatutCourrier.ECHEC),
    "remettre_en_file": ({StatutCourrier.ECHEC}, StatutCourrier.DEMANDE),
}
FACTURE = "facture"


def _tables() -> dict[str, dict[str, tuple[set[str], str]]]:
    tables = {
        str(dispositif): {t.name: (set(t.sources), str(t.target)) for t in transitions}
        for dispositif, transitions in DOSSIER_LIFECYCLES.items()
    }
    tables[FACTURE] = {t.name: (set(t.sources), str(t.target)) for t in FACTURE_LIFECYCLE}
    tables[COURRIER] = {name: ({str(s) for s in src}, str(tgt)) for name, (src, tgt) in COURRIER_LIFECYCLE.items()}
    return tables


TABLES = _tables()
CASES = [
    (table, name, source, target)
    for table, transitions in TABLES.items()
    for name, (sources, target) in transitions.items()
    for source in sorted(sources)
]


# --- The context of a case ------------------------------------------------------------------------


_names = itertools.count()


def _letters(n: int) -> str:
    """A name of letters only (the CERFA's pattern), distinct per call."""
    out = ""
    n += 26 * 27  # at least three letters
    while n:
        n, r = divmod(n, 26)
        out = chr(ord("A") + r) + out
    return out


@dataclass
class Ctx:
    monde: Monde
    of: Actor  # the OF's administrator on the portal
    cle: Actor  # the OF's key (API)
    opco: Actor
    clock: Callable

    @property
    def owner(self):
        return self.monde.proprietaires[OWNER]


@pytest.fixture
def ctx(monde: Monde) -> Ctx:
    owner = monde.proprietaires[OWNER]
    admin = User.objects.get(pk=monde.principaux["A.admin"].user_id)
    moments = itertools.count(1)
    start = timezone.now()
    return Ctx(
        monde=monde,
        of=Actor.for_user(admin, channel=Channel.PORTAIL),
        cle=Actor.for_api_key(owner.objets["cle"]),
        opco=Actor.for_user(monde.opco, channel=Channel.ADMIN),
        clock=lambda: start + timedelta(seconds=next(moments)),
    )


# --- Reaching a state through the services -------------------------------------------------------


def new_dossier(ctx: Ctx, dispositif: str) -> Dossier:
    owner = ctx.owner
    employeur = ctx.monde.entreprises[owner.of]
    today = timezone.localdate(ctx.clock())
    if dispositif == Dispositif.APPRENTISSAGE:
        payload = example_payload(employeur.siret, owner.etab.siret, today - timedelta(days=30), uai=owner.etab.uai)
        payload["apprenti"]["nom"] = f"JOURNAL{_letters(next(_names))}"
        return services.dossier_draft_save(actor=ctx.of, payload=payload, now=ctx.clock())
    debut = today - timedelta(days=20)
    return services.dossier_register(
        actor=ctx.opco,
        dispositif=dispositif,
        of_etablissement_id=owner.etab.pk,
        entreprise_id=employeur.pk,
        subroge=True,
        salarie={"nom": f"JOURNAL{_letters(next(_names))}", "prenom": "Camille"},
        formation={"intitule": "FORMATION DU JOURNAL", "date_debut": debut, "date_fin": debut + timedelta(days=300)},
        contrat={"date_debut": debut, "date_fin": debut + timedelta(days=364)}
        if dispositif != Dispositif.ACTION_FORMATION
        else {},
        financements={"cout_pedagogique": Decimal("7497.00")},
        now=ctx.clock(),
    )


# The path from a dispositif's initial state to each state (the transitions' names, driven below).
DOSSIER_PATHS = {
    E.BROUILLON: (),
    E.TRANSMIS: ("transmettre",),
    E.EN_COURS: ("transmettre", "prendre_en_charge"),
    E.EN_ATTENTE_PIECES: ("transmettre", "prendre_en_charge", "demander_pieces"),
    E.ACCORDE: ("transmettre", "prendre_en_charge", "accorder"),
    E.AVENANT_EN_COURS: ("transmettre", "prendre_en_charge", "accorder", "ouvrir_avenant"),
    E.RUPTURE: ("transmettre", "prendre_en_charge", "accorder", "declarer_rupture"),
}


def reach_dossier(ctx: Ctx, dispositif: str, etat: str) -> Dossier:
    dossier = new_dossier(ctx, dispositif)
    assert dossier.etat == INITIAL_DOSSIER_STATE[Dispositif(dispositif)]
    for name in DOSSIER_PATHS[E(etat)]:
        if name == "transmettre" and dispositif != Dispositif.APPRENTISSAGE:
            continue  # registered « transmis » by the OPCO
        if name == "declarer_rupture" and dispositif != Dispositif.APPRENTISSAGE:
            name = "enregistrer_rupture"
        DOSSIER_DRIVERS[name].act(ctx, dossier, ctx.of)
    dossier.refresh_from_db()
    assert dossier.etat == etat, f"chemin vers {etat} : {dossier.etat}"
    return dossier


def avenant_of(previous: Dossier) -> Dossier:
    return Dossier.objects.get(version_precedente=previous)


_refs = itertools.count(1)
_deca = itertools.count(500_000)


def deposer_facture(ctx: Ctx) -> Facture:
    return services.facture_deposit(
        actor=ctx.of,
        dossier_id=ctx.owner.objets["pro"].pk,
        reference=f"JOURNAL-{next(_refs)}",
        date_facture=timezone.localdate(ctx.clock()) - timedelta(days=1),
        montant_ht=Decimal("100.00"),
        montant_ttc=Decimal("120.00"),
        fichier=Upload("facture.pdf", PDF_BYTES),
        now=ctx.clock(),
    )


FACTURE_PATHS = {
    F.DEPOSEE: (),
    F.EN_COURS: ("instruire",),
    F.EN_ATTENTE_PIECES: ("instruire", "demander_pieces"),
    F.VALIDEE: ("instruire", "valider"),
}


def reach_facture(ctx: Ctx, etat: str) -> Facture:
    facture = deposer_facture(ctx)
    assert facture.etat == INITIAL_FACTURE_STATE
    for name in FACTURE_PATHS[F(etat)]:
        FACTURE_DRIVERS[name].act(ctx, facture, ctx.opco)
    facture.refresh_from_db()
    assert facture.etat == etat
    return facture


def _stub_render(courrier) -> bytes:
    return PDF_BYTES


def _broken_render(courrier) -> bytes:
    raise ValueError("gabarit de test volontairement cassé")


def reach_courrier(ctx: Ctx, statut: str) -> Courrier:
    if statut == StatutCourrier.ECHEC:
        return Courrier.objects.get(pk=ctx.owner.objets["courrier_echec"].pk)
    dossier = reach_dossier(ctx, Dispositif.APPRENTISSAGE, E.TRANSMIS)  # its accusé de réception is requested
    return Courrier.objects.filter(dossier=dossier, statut=StatutCourrier.DEMANDE).order_by("pk").first()


# --- The drivers: one per transition, through its service ------------------------------------------


@dataclass(frozen=True)
class Driver:
    """``act(ctx, obj, actor)`` fires the transition on ``obj`` through its service; ``actor`` is who the
    journal must name. ``prepare(ctx, obj)`` brings what the service needs first (not journal-checked);
    ``acteur``: "of" (driven by the OF's user, and again by its key), "opco", or "flow" (scheduled)."""

    act: Callable
    acteur: str = "opco"
    prepare: Callable | None = None


def _rupture(ctx, d, actor):
    services.dossier_declare_rupture(
        actor=actor if d.dispositif == Dispositif.APPRENTISSAGE else ctx.opco,
        dossier_id=d.pk,
        date_rupture=timezone.localdate(ctx.clock()) - timedelta(days=2),
        motif="3",
        initiateur="commun",
        formation_poursuivie=True,
        now=ctx.clock(),
    )


def _grant(ctx, d, actor):
    d = Dossier.objects.get(pk=d.pk)
    montants = {line.nature: line.montant_demande for line in d.financements.all()} or {
        "cout_pedagogique": Decimal("1000.00")
    }
    now = ctx.clock()
    deca = f"092{now:%Y%m}{next(_deca):06d}" if d.dispositif == Dispositif.APPRENTISSAGE else ""
    services.dossier_grant(
        actor=ctx.opco, dossier_id=d.pk, montants_pris_en_charge=montants, numero_depot=deca, now=now
    )


def _avenant(ctx, d, actor):
    services.dossier_avenant_create(
        actor=actor,
        dossier_id=d.pk,
        payload=None,
        motif="Changement de maître d'apprentissage.",
        type_avenant=36,
        date_effet=timezone.localdate(ctx.clock()),
        now=ctx.clock(),
    )


DOSSIER_DRIVERS: dict[str, Driver] = {
    "transmettre": Driver(
        lambda ctx, d, actor: services.dossier_transmit(actor=actor, dossier_id=d.pk, now=ctx.clock()), "of"
    ),
    "prendre_en_charge": Driver(
        lambda ctx, d, actor: services.dossier_take_charge(actor=ctx.opco, dossier_id=d.pk, now=ctx.clock())
    ),
    "demander_pieces": Driver(
        lambda ctx, d, actor: services.dossier_request_pieces(
            actor=ctx.opco, dossier_id=d.pk, pieces=["CERFA_SIGNE"], now=ctx.clock()
        )
    ),
    "reprendre_instruction": Driver(
        lambda ctx, d, actor: services.dossier_resume(actor=ctx.opco, dossier_id=d.pk, now=ctx.clock())
    ),
    "accorder": Driver(_grant),
    "refuser": Driver(
        lambda ctx, d, actor: services.dossier_refuse(
            actor=ctx.opco,
            dossier_id=d.pk,
            motif="MAITRE_NON_ELIGIBLE",
            explication="Refus du journal.",
            now=ctx.clock(),
        )
    ),
    "annuler": Driver(
        lambda ctx, d, actor: services.dossier_cancel(
            actor=ctx.opco, dossier_id=d.pk, motif="Annulation du journal.", now=ctx.clock()
        )
    ),
    "cloturer": Driver(lambda ctx, d, actor: services.dossier_close(actor=ctx.opco, dossier_id=d.pk, now=ctx.clock())),
    "ouvrir_avenant": Driver(_avenant, "of"),
    "declarer_rupture": Driver(_rupture, "of"),
    "enregistrer_rupture": Driver(_rupture),
    # The previous version follows its avenant: the OPCO decides the avenant, the previous version moves too.
    "remplacer_par_avenant": Driver(
        lambda ctx, d, actor: _grant(ctx, avenant_of(d), actor),
        prepare=lambda ctx, d: services.dossier_take_charge(
            actor=ctx.opco, dossier_id=avenant_of(d).pk, now=ctx.clock()
        ),
    ),
    "abandonner_avenant": Driver(
        lambda ctx, d, actor: services.dossier_refuse(
            actor=ctx.opco,
            dossier_id=avenant_of(d).pk,
            motif="MAITRE_NON_ELIGIBLE",
            explication="Avenant refusé.",
            now=ctx.clock(),
        )
    ),
}


def _payer(ctx, f, actor):
    """A règlement of two factures: the one under test and the world's validated one of the same émetteur."""
    other = ctx.owner.objets["facture_validee"]
    services.reglement_create(
        actor=ctx.opco,
        facture_ids=[f.pk, other.pk],
        date_paiement=timezone.localdate(ctx.clock()),
        reference_virement=f"VIR/JOURNAL/{f.pk}",
        now=ctx.clock(),
    )


FACTURE_DRIVERS: dict[str, Driver] = {
    "instruire": Driver(
        lambda ctx, f, actor: services.facture_instruct(actor=ctx.opco, facture_id=f.pk, now=ctx.clock())
    ),
    "demander_pieces": Driver(
        lambda ctx, f, actor: services.facture_request_pieces(
            actor=ctx.opco, facture_id=f.pk, pieces=["CERTIFICAT_REALISATION"], now=ctx.clock()
        )
    ),
    "reprendre_instruction": Driver(
        lambda ctx, f, actor: services.facture_resume(actor=ctx.opco, facture_id=f.pk, now=ctx.clock())
    ),
    "valider": Driver(
        lambda ctx, f, actor: services.facture_validate(actor=ctx.opco, facture_id=f.pk, now=ctx.clock())
    ),
    "rejeter": Driver(
        lambda ctx, f, actor: services.facture_reject(
            actor=ctx.opco,
            facture_id=f.pk,
            motif="MONTANT_SUPERIEUR_ACCORD",
            explication="Rejet du journal.",
            now=ctx.clock(),
        )
    ),
    "payer": Driver(_payer),
}


def _fail_until_last(ctx, c):
    for _ in range(MAX_ATTEMPTS - 1):
        courrier_issue(courrier_id=c.pk, now=ctx.clock(), render=_broken_render)


COURRIER_DRIVERS: dict[str, Driver] = {
    "emettre": Driver(
        lambda ctx, c, actor: courrier_issue(courrier_id=c.pk, now=ctx.clock(), render=_stub_render), "flow"
    ),
    "abandonner": Driver(
        lambda ctx, c, actor: courrier_issue(courrier_id=c.pk, now=ctx.clock(), render=_broken_render),
        "flow",
        prepare=_fail_until_last,
    ),
    "remettre_en_file": Driver(
        lambda ctx, c, actor: courrier_requeue(actor=ctx.opco, courrier_id=c.pk, now=ctx.clock(), reason="Réparé.")
    ),
}


def drivers_of(table: str) -> dict[str, Driver]:
    return COURRIER_DRIVERS if table == COURRIER else FACTURE_DRIVERS if table == FACTURE else DOSSIER_DRIVERS


# --- The property ----------------------------------------------------------------------------------


def states() -> dict[tuple[str, int], str]:
    snapshot = {("dossier", pk): etat for pk, etat in Dossier.objects.values_list("pk", "etat")}
    snapshot |= {("facture", pk): etat for pk, etat in Facture.objects.values_list("pk", "etat")}
    snapshot |= {("courrier", pk): statut for pk, statut in Courrier.objects.values_list("pk", "statut")}
    return snapshot


def state_entries(after_pk: int) -> dict[tuple[str, int], list[TransitionLog]]:
    """The new entries that record a change of state (a transition of a table), by object."""
    names = {name for table in TABLES.values() for name in table}
    found: dict[tuple[str, int], list[TransitionLog]] = {}
    for log in TransitionLog.objects.filter(pk__gt=after_pk, transition__in=names).order_by("pk"):
        kind, pk = (
            ("dossier", log.dossier_id)
            if log.dossier_id
            else ("facture", log.facture_id)
            if log.facture_id
            else ("courrier", log.courrier_id)
        )
        found.setdefault((kind, pk), []).append(log)
    return found


def creation_entries(after_pk: int, created: set[tuple[str, int]]) -> dict[tuple[str, int], list[TransitionLog]]:
    found: dict[tuple[str, int], list[TransitionLog]] = {key: [] for key in created}
    for log in TransitionLog.objects.filter(pk__gt=after_pk, source=""):
        key = ("dossier", log.dossier_id) if log.dossier_id else ("facture", log.facture_id)
        if key in found and log.target == (Dossier if key[0] == "dossier" else Facture).objects.get(pk=key[1]).etat:
            found[key].append(log)
    return found


def _who(entry: TransitionLog) -> tuple:
    return entry.actor_user_id, entry.actor_api_key_id, entry.actor_label, entry.channel


def _expected_who(actor: Actor) -> tuple:
    return actor.user_id, actor.api_key_id, actor.label, actor.channel.value


def check_journal(ctx: Ctx, kind: str, obj, name: str, source: str, target: str, actor: Actor, drive: Callable) -> None:
    before = states()
    last = TransitionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    drive()

    after = states()
    moved = {key: (before[key], after[key]) for key in before if before[key] != after.get(key)}
    created = {key for key in after if key not in before and key[0] != "courrier"}
    entries = state_entries(last)

    # The object under test moved from ``source`` to ``target``, with exactly one entry saying so.
    key = (kind, obj.pk)
    assert moved.get(key) == (source, target), f"{name} : l'objet n'est pas passé de {source} à {target}"
    mine = entries.get(key, [])
    assert len(mine) == 1, f"{name} : {len(mine)} entrée(s) du journal au lieu d'une : {[e.transition for e in mine]}"
    entry = mine[0]
    assert (entry.transition, entry.source, entry.target) == (name, source, target)
    assert _who(entry) == _expected_who(actor), f"{name} : acteur ou canal du journal erroné"
    assert entry.created_at is not None

    # Every object the service moved has exactly one entry, from its old state to its new one; no other does.
    for other, (was, now_) in moved.items():
        logged = entries.get(other, [])
        assert [(e.source, e.target) for e in logged] == [(was, now_)], (
            f"{name} : {other} est passé de {was} à {now_} avec le journal "
            f"{[(e.transition, e.source, e.target) for e in logged]}"
        )
        assert all(e.channel for e in logged) and all(e.actor_label for e in logged)
    assert set(entries) <= set(moved), (
        f"{name} : des entrées d'état sur des objets qui n'ont pas bougé : {set(entries) - set(moved)}"
    )
    # Every object the service created has its creation entry (from nothing to its first state).
    for new, logged in creation_entries(last, created).items():
        assert len(logged) == 1, f"{name} : l'objet créé {new} a {len(logged)} entrée(s) de création"


def reach(ctx: Ctx, table: str, source: str):
    if table == COURRIER:
        return "courrier", reach_courrier(ctx, source)
    if table == FACTURE:
        return "facture", reach_facture(ctx, source)
    return "dossier", reach_dossier(ctx, table, source)


def actors_for(ctx: Ctx, driver: Driver) -> list[Actor]:
    if driver.acteur == "of":
        return [ctx.of, ctx.cle]
    if driver.acteur == "flow":
        from cases.services.courriers import FLOW_ACTOR

        return [FLOW_ACTOR]
    return [ctx.opco]


def test_every_transition_of_every_table_has_a_driver():
    for table, transitions in TABLES.items():
        drivers = drivers_of(table)
        assert set(transitions) <= set(drivers), f"{table} : transitions sans pilote {set(transitions) - set(drivers)}"
    dossier_names = {t.name for ts in DOSSIER_LIFECYCLES.values() for t in ts}
    assert set(DOSSIER_DRIVERS) == dossier_names, "pilotes de transitions qui n'existent plus"
    assert set(FACTURE_DRIVERS) == {t.name for t in FACTURE_LIFECYCLE}
    assert set(COURRIER_DRIVERS) == set(COURRIER_LIFECYCLE)


def test_the_courrier_table_names_every_state():
    stated = {s for sources, target in COURRIER_LIFECYCLE.values() for s in (*sources, target)}
    assert stated == set(StatutCourrier.values), "un statut de courrier sans transition déclarée ici"


def test_every_path_reaches_its_state():
    """Every source state of every table can be reached by a path above (else a case could not run)."""
    for table, transitions in TABLES.items():
        paths = COURRIER_LIFECYCLE if table == COURRIER else FACTURE_PATHS if table == FACTURE else DOSSIER_PATHS
        if table == COURRIER:
            continue
        for sources, _target in transitions.values():
            assert sources <= set(paths), f"{table} : pas de chemin vers {sources - set(paths)}"


@pytest.mark.parametrize(("table", "name", "source", "target"), CASES, ids=[f"{t}:{n}:{s}" for t, n, s, _ in CASES])
def test_a_transition_writes_exactly_one_entry_on_each_object_it_moves(ctx, table, name, source, target):
    driver = drivers_of(table).get(name)
    assert driver is not None, f"la transition {table}:{name} n'a pas de pilote dans ce test"
    for actor in actors_for(ctx, driver):
        kind, obj = reach(ctx, table, source)
        if driver.prepare is not None:
            driver.prepare(ctx, obj)
        check_journal(ctx, kind, obj, name, source, target, actor, partial(driver.act, ctx, obj, actor))


def test_an_avenant_cancelled_returns_the_previous_version_to_accorde_with_one_entry_each(ctx):
    previous = reach_dossier(ctx, Dispositif.APPRENTISSAGE, E.AVENANT_EN_COURS)
    avenant = avenant_of(previous)

    def cancel():
        services.dossier_cancel(actor=ctx.opco, dossier_id=avenant.pk, motif="Avenant retiré.", now=ctx.clock())

    check_journal(ctx, "dossier", previous, "abandonner_avenant", E.AVENANT_EN_COURS, E.ACCORDE, ctx.opco, cancel)
    assert TransitionLog.objects.filter(dossier=avenant, transition="annuler").count() == 1


def test_an_avenant_has_its_deposit_entry_and_the_previous_version_its_own(ctx):
    previous = reach_dossier(ctx, Dispositif.APPRENTISSAGE, E.ACCORDE)
    last = TransitionLog.objects.order_by("-pk").values_list("pk", flat=True).first()

    _avenant(ctx, previous, ctx.of)

    avenant = avenant_of(previous)
    new = TransitionLog.objects.filter(pk__gt=last).order_by("pk")
    on_previous = [(e.transition, e.source, e.target) for e in new if e.dossier_id == previous.pk]
    on_avenant = [(e.transition, e.source, e.target) for e in new if e.dossier_id == avenant.pk]
    assert on_previous == [("ouvrir_avenant", E.ACCORDE, E.AVENANT_EN_COURS)]
    assert on_avenant == [("deposer_avenant", "", E.TRANSMIS)]


def test_a_reglement_writes_one_payer_entry_per_facture(ctx):
    factures = [reach_facture(ctx, F.VALIDEE) for _ in range(3)]
    last = TransitionLog.objects.order_by("-pk").values_list("pk", flat=True).first()

    services.reglement_create(
        actor=ctx.opco,
        facture_ids=[f.pk for f in factures],
        date_paiement=timezone.localdate(ctx.clock()),
        reference_virement="VIR/TROIS",
        now=ctx.clock(),
    )

    payer = TransitionLog.objects.filter(pk__gt=last, transition="payer")
    assert sorted(e.facture_id for e in payer) == sorted(f.pk for f in factures)
    assert {(e.source, e.target, e.actor_user_id, e.channel) for e in payer} == {
        (F.VALIDEE, F.PAYEE, ctx.opco.user_id, Channel.ADMIN.value)
    }
