"""The authorization matrix, generated: every route that designates an object — each operation of the
``/api/v1`` and ``/api/cfa`` OpenAPI documents, each URL pattern of the portal — × every principal (each
role of each OF and établissement, each key, the OPCO, nobody) × objects of every owner (the six
établissements of the two OF, and an id that designates nothing). The expected status of each case comes
from the declarative table of :mod:`tests.proprietes.politique`; the test fails on any difference.

Each case runs in a savepoint rolled back at once: a write never changes another case's answer.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from tests.proprietes import politique
from tests.proprietes.monde import Monde, Principal
from tests.proprietes.politique import API, NORME, PORTAIL, Regle, attendu

pytestmark = pytest.mark.django_db

NORM_HEADERS = {"EDITEUR": "Éditeur de test", "LOGICIEL": "Matrice", "VERSION": "1.0"}
# Every run's size and time, for the note (printed at the end of the session by the package's conftest).
STATS: dict[str, dict] = {}

# --- The routes of the three documents -------------------------------------------------------------


def api_operations() -> set[str]:
    from api.main import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def norm_operations() -> set[str]:
    from api.cfa.main import api

    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def portal_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found[pattern.name] = pattern

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "portal":
            walk(pattern.url_patterns)
    return found


def _rule_routes(rules) -> set[str]:
    return {r.route for r in rules}


def test_every_api_operation_has_a_policy_or_is_declared_without_object():
    operations = api_operations()
    declared = _rule_routes(politique.API_RULES) | set(politique.API_SANS_OBJET)

    assert operations - declared == set(), "opérations de /api/v1 sans règle d'accès"
    assert declared - operations == set(), "règles d'accès d'opérations qui n'existent plus"
    assert not {op for op in politique.API_SANS_OBJET if "{" in op}, "une route à identifiant a forcément une règle"


def test_every_norm_operation_has_a_policy_or_is_declared_without_object():
    operations = norm_operations()
    declared = _rule_routes(politique.NORM_RULES) | set(politique.NORM_SANS_OBJET)

    assert operations - declared == set(), "opérations de /api/cfa sans règle d'accès"
    assert declared - operations == set(), "règles d'accès d'opérations qui n'existent plus"


def test_every_portal_route_has_a_policy_or_is_declared_without_object():
    patterns = portal_patterns()
    with_rule = {r.route.split("portal:", 1)[1] for r in politique.PORTAL_RULES}
    declared = with_rule | set(politique.PORTAL_SANS_OBJET)

    assert set(patterns) - declared == set(), "routes du portail sans règle d'accès"
    assert declared - set(patterns) == set(), "règles d'accès de routes qui n'existent plus"
    with_id = {
        name for name, p in patterns.items() if any(isinstance(c, IntConverter) for c in p.pattern.converters.values())
    }
    assert with_id & set(politique.PORTAL_SANS_OBJET) == set(), "une route à identifiant a forcément une règle"


# --- Sending a case ---------------------------------------------------------------------------------


@dataclass
class Cas:
    principal: str
    owner: str
    slot: str
    attendu: frozenset[int]
    obtenu: int | str


def client_of(p: Principal) -> Client:
    from accounts.models import User

    if p.genre in ("utilisateur", "opco", "desactive"):
        client = Client()
        client.force_login(User.objects.get(pk=p.user_id))
        return client
    if p.genre in ("cle", "sans_entetes"):
        return Client(headers={"X-API-KEY": p.cle_brute})
    return Client()


def _path(r: Regle, appel) -> str:
    route = r.route.split(" ", 1)[1]
    if r.interface == PORTAIL:
        name = route.removeprefix("portal:")
        pattern = portal_patterns()[name]
        kwargs = dict(appel.chemin)
        ids = [k for k in pattern.pattern.converters if k not in kwargs]
        if ids:
            (param,) = ids
            kwargs[param] = appel.ident
        path = reverse(f"portal:{name}", kwargs=kwargs)
    elif "{" in route:
        start, end = route.index("{"), route.index("}")
        path = route[:start] + str(appel.ident) + route[end + 1 :]
    else:
        path = route
    return path + (f"?{urlencode(appel.query, doseq=True)}" if appel.query else "")


def _caller_siret(monde: Monde, p: Principal) -> str:
    return monde.proprietaires[p.courant].etab.siret if p.courant else ""


def _fill(value, siret: str):
    if isinstance(value, str):
        return value.replace(politique.SIRET_APPELANT, siret)
    if isinstance(value, dict):
        return {k: _fill(v, siret) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, siret) for v in value]
    return value


def send(client: Client, r: Regle, appel, p: Principal, monde: Monde) -> tuple[int | str, set[str]]:
    """The status of one case (or the exception it raised) and the fields its error body names."""
    headers = dict(NORM_HEADERS) if r.interface == NORME and p.genre != "sans_entetes" else {}
    path = _path(r, appel)
    siret = _caller_siret(monde, p)
    with transaction.atomic():
        try:
            if appel.json is not None:
                response = client.generic(
                    r.methode,
                    path,
                    json.dumps(_fill(appel.json, siret)),
                    content_type="application/json",
                    headers=headers,
                )
            elif appel.form is not None:
                response = client.post(path, _fill(appel.form, siret), headers=headers)
            else:
                response = getattr(client, r.methode.lower())(path, headers=headers)
            if response.streaming:  # read, then closed by the client's wrapper (never close it twice)
                b"".join(response.streaming_content)
            champs = set()
            if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
                champs = {e.get("champ") for e in response.json().get("errors", [])}
            return response.status_code, champs
        except Exception as exc:  # noqa: BLE001 - a server error is a difference like any other
            return f"exception {type(exc).__name__}: {exc}"[:200], set()
        finally:
            transaction.set_rollback(True)


def principals_for(monde: Monde, interface: str) -> list[Principal]:
    everyone = list(monde.principaux.values())
    if interface == PORTAIL:
        return [p for p in everyone if p.genre != "cle"]
    if interface == NORME:
        keys = [p for p in everyone if p.genre in ("cle", "anonyme")]
        headless = Principal(
            nom="A.cle.siege sans en-têtes", genre="sans_entetes", cle_brute=monde.principaux["A.cle.siege"].cle_brute
        )
        return [*keys, monde.principaux["A.admin"], headless]
    return everyone


def run_rule(monde: Monde, r: Regle) -> list[Cas]:
    cases = []
    principals = principals_for(monde, r.interface)
    for p in principals:
        client = client_of(p)
        for owner in monde.owners():
            for slot in r.exemplaires:
                # A norm call without its EDITEUR/LOGICIEL/VERSION headers is refused before anything else.
                headless = r.interface == NORME and p.genre == "sans_entetes"
                expected = frozenset({400}) if headless else attendu(r, p, owner, monde)
                got, champs = send(client, r, r.appel(monde, owner, slot), p, monde)
                refused_on_field = r.champ and not headless and expected == {r.hors_perimetre} == {got}
                if refused_on_field and r.champ not in champs:
                    got = f"{got} sans erreur sur « {r.champ} » ({sorted(c or '' for c in champs)})"
                cases.append(Cas(p.nom, owner.cle, slot, expected, got))
    return cases


def _report(r: Regle, cases: list[Cas]) -> str:
    wrong = [c for c in cases if c.obtenu not in c.attendu]
    lines = [f"{r.route} ({r.objet}) : {len(wrong)} écart(s) sur {len(cases)} cas"]
    for c in wrong:
        lines.append(f"  {c.principal:<22} {c.owner:<10} {c.slot:<20} attendu {sorted(c.attendu)} obtenu {c.obtenu}")
    return "\n".join(lines)


def _id(r: Regle) -> str:
    return f"{r.route}[{'+'.join(r.exemplaires)}]"


@pytest.mark.parametrize("regle", politique.RULES, ids=_id)
def test_every_principal_gets_the_policys_answer_on_every_owners_object(regle, monde):
    started = time.perf_counter()
    cases = run_rule(monde, regle)
    STATS[_id(regle)] = {
        "interface": regle.interface,
        "cases": len(cases),
        "principals": len({c.principal for c in cases}),
        "owners": len({c.owner for c in cases}),
        "seconds": time.perf_counter() - started,
    }

    assert all(c.obtenu in c.attendu for c in cases), _report(regle, cases)
    # The matrix is not vacuous: on each route somebody succeeds and somebody is refused.
    assert any(c.obtenu in regle.ok for c in cases), f"{regle.route} : personne n'obtient {sorted(regle.ok)}"
    assert any(c.obtenu == 404 or c.obtenu == regle.hors_perimetre for c in cases)


__all__ = ["API", "NORME", "PORTAIL", "STATS"]
