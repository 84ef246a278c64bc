"""Issue 14, close to the floor: the hot reads' query counts pinned (dashboard, a list page flat in its
size, the synthesis in at most four), the synthesis bounded whatever a dossier accumulates (the latest
``SYNTHESIS_LATEST`` of each growing relation, their totals, « voir tout » paged lists), and the actor
cache (no login query once warm, never stale after a change)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.actors import Actor, Channel
from accounts.models import Habilitation
from accounts.services.keys import api_key_revoke
from cases.selectors_synthese import SYNTHESIS_LATEST, dossier_synthesis
from common.errors import NotFound
from tests.api.conftest import API, key_client, make_courrier, session_client
from tests.factories import DossierFactory
from tests.worlds import crowd

pytestmark = pytest.mark.django_db
LIST = f"{API}/dossiers?dispositif=apprentissage&tri=nom"


@pytest.fixture
def actor_cache(settings):
    """The actor cache on, as in production with a shared cache (the tests' cache is in-process)."""
    settings.PORTAIL = {**settings.PORTAIL, "ACTOR_CACHE_SECONDS": 300}


def queries(client, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured), [q["sql"] for q in captured.captured_queries]


@pytest.fixture
def listed(tenant_a):
    """60 apprenticeship contracts of OF A, each with its own entreprise (the rows' decoration)."""
    DossierFactory.create_batch(60, of_etablissement=tenant_a.etab)
    return tenant_a


# --- Query counts through the API ------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["session", "key"])
def test_dashboard_is_one_query_once_the_actor_is_cached(listed, actor_cache, auth):
    client = session_client(listed.gestionnaire) if auth == "session" else key_client(listed.key)
    queries(client, f"{API}/tableau-de-bord")  # warm: the session, the user and their habilitations cached

    count, sql = queries(client, f"{API}/tableau-de-bord")

    assert count == 1, sql


@pytest.mark.parametrize("auth", ["session", "key"])
def test_list_page_queries_are_flat_from_10_to_50_rows(listed, actor_cache, auth):
    client = session_client(listed.gestionnaire) if auth == "session" else key_client(listed.key)
    queries(client, f"{LIST}&taille=1")

    ten, _ = queries(client, f"{LIST}&taille=10")
    fifty, sql = queries(client, f"{LIST}&taille=50")

    assert ten == fifty <= 2, sql  # the page with its total, the entreprises of its rows


def test_list_page_never_joins_the_etablissements_to_sort_its_rows(listed, actor_cache):
    client = key_client(listed.key)
    queries(client, f"{LIST}&taille=1")

    _, sql = queries(client, f"{LIST}&taille=50")

    page, entreprises = sql
    assert "accounts_etablissement" not in page and "COUNT(" in page
    assert "OVER" not in page  # a window count would read every matching row before the LIMIT
    assert "accounts_etablissement" in entreprises and "IN (" in entreprises


@pytest.mark.parametrize(("tri", "index"), [("nom", "dossier_liste_nom"), ("-date_creation", "dossier_liste_date")])
def test_a_list_of_one_etat_can_be_read_in_order_from_an_index(listed, actor_cache, tri, index):
    """The page of one état, sorted by name or by creation date, comes from an index in that order (no sort
    of all the établissement's matching rows): its cost does not grow with the établissement. The planner
    is told not to scan the table nor to sort, so that the plan shows whether the index can do both."""
    client = key_client(listed.key)
    url = f"{API}/dossiers?dispositif=apprentissage&etat=en_cours_de_traitement&tri={tri}&taille=50"
    queries(client, url)
    _, sql = queries(client, url)
    page = sql[0]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {page}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert f"Index Scan Backward using {index}" in plan or f"Index Scan using {index}" in plan, plan
            assert "Sort" not in plan.replace("Sort Key", ""), plan
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {page}")
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
            assert index in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_list_total_past_the_last_page(listed):
    client = key_client(listed.key)
    total = client.get(f"{LIST}&taille=100").json()["total"]

    past = client.get(f"{LIST}&taille=50&page=9").json()

    assert past["total"] == total > 50 and past["elements"] == []


def test_list_rows_carry_their_entreprise(listed):
    rows = key_client(listed.key).get(f"{LIST}&taille=100").json()["elements"]

    assert rows and all(r["etablissement"] and r["etablissement"]["siret"] for r in rows)


@pytest.mark.parametrize("auth", ["session", "key"])
def test_synthesis_is_at_most_four_queries_and_does_not_grow(tenant_a, actor_cache, auth):
    client = session_client(tenant_a.gestionnaire) if auth == "session" else key_client(tenant_a.key)
    url = f"{API}/dossiers/{tenant_a.dossier.pk}"
    queries(client, url)
    before, sql = queries(client, url)
    crowd(tenant_a.dossier, SYNTHESIS_LATEST + 5, pieces=True)

    after, _ = queries(client, url)

    assert before == after <= 4, sql


def test_synthesis_selector_is_one_query(tenant_a):
    actor = Actor.for_user(tenant_a.gestionnaire, channel=Channel.API)
    crowd(tenant_a.dossier, 3, pieces=True)
    dossier_synthesis(actor=actor, dossier_id=tenant_a.dossier.pk)  # on PostgreSQL, its PREPARE

    with CaptureQueriesContext(connection) as captured:
        s = dossier_synthesis(actor=actor, dossier_id=tenant_a.dossier.pk)
        # what the presenters read afterwards costs nothing more
        [(f.dossier_id, f.fichier.name) for f in s.factures]
        [(c.dossier.reference, c.nom) for c in s.courriers]
        [(log.actor_user and log.actor_user.is_opco_gestionnaire) for log in s.journal]

    assert len(captured) == 1, [q["sql"] for q in captured.captured_queries]


# --- The synthesis is bounded ----------------------------------------------------------------------


def test_synthesis_answers_the_latest_entries_and_the_totals_not_everything(tenant_a):
    dossier = tenant_a.dossier
    crowd(dossier, SYNTHESIS_LATEST + 5, pieces=True)
    client = session_client(tenant_a.gestionnaire)

    body = client.get(f"{API}/dossiers/{dossier.pk}").json()

    totaux = body["totaux"]
    assert totaux["factures"] == dossier.factures.count() > SYNTHESIS_LATEST
    assert totaux["courriers"] == dossier.courriers.filter(statut="emis").count() > SYNTHESIS_LATEST
    assert totaux["historique"] == dossier.journal.count() > SYNTHESIS_LATEST
    assert totaux["pieces_jointes"] == dossier.pieces.count() > SYNTHESIS_LATEST
    for name in ("factures", "courriers", "historique", "pieces_jointes"):
        assert len(body[name]) == SYNTHESIS_LATEST, name
    # the latest ones: the history keeps its chronological order and ends with the last event
    last = dossier.journal.order_by("-created_at", "-pk").first()
    dates = [datetime.fromisoformat(e["date"].replace("Z", "+00:00")) for e in body["historique"]]
    assert dates == sorted(dates) and dates[-1] == last.created_at
    latest = list(dossier.factures.order_by("-deposited_at", "-pk").values_list("pk", flat=True)[:SYNTHESIS_LATEST])
    assert [f["id"] for f in body["factures"]] == latest
    assert body["voir_tout"] == {
        "courriers": f"{API}/dossiers/{dossier.pk}/courriers",
        "factures": f"{API}/dossiers/{dossier.pk}/factures",
        "pieces_jointes": f"{API}/dossiers/{dossier.pk}/pieces",
        "historique": f"{API}/dossiers/{dossier.pk}/historique",
    }


def test_voir_tout_pages_through_every_entry(tenant_a):
    dossier = tenant_a.dossier
    crowd(dossier, SYNTHESIS_LATEST + 5, pieces=True)
    client = session_client(tenant_a.gestionnaire)

    for name, total in (
        ("factures", dossier.factures.count()),
        ("courriers", dossier.courriers.filter(statut="emis").count()),
        ("historique", dossier.journal.count()),
    ):
        first = client.get(f"{API}/dossiers/{dossier.pk}/{name}?taille=20").json()
        second = client.get(f"{API}/dossiers/{dossier.pk}/{name}?taille=20&page=2").json()
        assert first["total"] == second["total"] == total, name
        assert len(first["elements"]) == 20 and len(second["elements"]) == total - 20, name
    ids = [f["id"] for f in client.get(f"{API}/dossiers/{dossier.pk}/factures?taille=100").json()["elements"]]
    assert ids == list(dossier.factures.order_by("-deposited_at", "-pk").values_list("pk", flat=True))


def test_voir_tout_is_scoped_like_the_synthesis(tenant_a, tenant_b):
    client = session_client(tenant_b.gestionnaire)

    for name in ("factures", "courriers", "historique"):
        assert client.get(f"{API}/dossiers/{tenant_a.dossier.pk}/{name}").status_code == 404, name


def test_an_of_sees_only_issued_courriers_in_the_paged_list(tenant_a):
    pending = make_courrier(tenant_a.dossier)
    type(pending).objects.filter(pk=pending.pk).update(statut="demande")
    client = session_client(tenant_a.gestionnaire)

    ids = [c["id"] for c in client.get(f"{API}/dossiers/{tenant_a.dossier.pk}/courriers").json()["elements"]]

    assert pending.pk not in ids and ids


# --- The actor cache -------------------------------------------------------------------------------


def test_a_revoked_key_is_refused_at_once(tenant_a, actor_cache):
    client = key_client(tenant_a.key)
    assert client.get(f"{API}/tableau-de-bord").status_code == 200

    api_key_revoke(actor=Actor.for_user(tenant_a.admin), key_id=tenant_a.key_obj.pk, now=timezone.now())

    assert client.get(f"{API}/tableau-de-bord").status_code == 403


def test_a_removed_habilitation_hides_the_dossier_at_once(tenant_a, actor_cache):
    client = session_client(tenant_a.gestionnaire)
    url = f"{API}/dossiers/{tenant_a.dossier.pk}"
    assert client.get(url).status_code == 200

    Habilitation.objects.filter(user=tenant_a.gestionnaire).delete()

    assert client.get(url).status_code in (403, 404)


def test_changed_rights_apply_at_once(tenant_a, actor_cache):
    client = session_client(tenant_a.gestionnaire)
    assert client.get(f"{API}/dossiers/{tenant_a.dossier.pk}").status_code == 200
    Habilitation.objects.filter(user=tenant_a.gestionnaire).update(etablissement=tenant_a.entreprise)
    # QuerySet.update sends no signal: the services that use it invalidate; here, as a direct write would
    # be made by an operator, the per-user stamp is drawn again by hand.
    from accounts.actors import invalidate_user

    invalidate_user(tenant_a.gestionnaire.pk)

    assert client.get(f"{API}/dossiers/{tenant_a.dossier.pk}").status_code == 404


def test_a_deactivated_user_or_a_new_password_ends_the_session(tenant_a, actor_cache):
    user = tenant_a.gestionnaire
    client = session_client(user)
    assert client.get(f"{API}/tableau-de-bord").status_code == 200

    user.set_password("un-autre-mot-de-passe-long")
    user.save()
    assert client.get(f"{API}/tableau-de-bord").status_code == 401

    client = session_client(user)
    assert client.get(f"{API}/tableau-de-bord").status_code == 200
    user.is_active = False
    user.save()
    assert client.get(f"{API}/tableau-de-bord").status_code == 401


def test_a_deactivated_etablissement_refuses_its_key_at_once(tenant_a, actor_cache):
    client = key_client(tenant_a.key)
    assert client.get(f"{API}/tableau-de-bord").status_code == 200

    tenant_a.etab.actif = False
    tenant_a.etab.save()

    assert client.get(f"{API}/tableau-de-bord").status_code in (401, 403)


def test_without_the_cache_nothing_is_kept(tenant_a):
    from django.core.cache import cache

    client = key_client(tenant_a.key)
    client.get(f"{API}/tableau-de-bord")

    assert not [k for k in getattr(cache, "_cache", {}) if "actors:e:" in str(k)]


# --- The Redis cache (common.cache) ----------------------------------------------------------------


@pytest.fixture
def redis_url():
    import shutil
    import socket
    import subprocess
    import time

    assert shutil.which("redis-server"), "redis-server absent : bin/setup --dev l'installe (paquet redis-server)"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=10)


def test_redis_cache_keeps_its_client_and_counts_like_django(redis_url):
    from common import ratelimit
    from common.cache import RedisCache

    cache = RedisCache(redis_url, {})
    cache.set("n", 5)
    assert (cache.incr("n"), cache.incr("n", 10), cache.get("n")) == (6, 16, 16)
    with pytest.raises(ValueError):
        cache.incr("absent")
    assert cache.get("absent") is None  # incr never creates a key (its expiry would be lost)
    assert cache._cache.get_client("x") is cache._cache.get_client("y")

    from unittest import mock

    with mock.patch.object(ratelimit, "cache", cache):
        assert [ratelimit.hit("cle", limit=3, window=60) is None for _ in range(5)] == [True] * 3 + [False] * 2


# --- The synthesis's statement is prepared on PostgreSQL ---------------------------------------------


@pytest.mark.django_db(transaction=True)  # the connection is closed midway
def test_the_synthesis_statement_is_prepared_once_per_connection_on_postgresql(tenant_a, settings):
    """PostgreSQL plans the synthesis's large statement once per connection (PREPARE, then EXECUTE);
    SQLite, or PostgreSQL with PORTAIL_PREPARED_STATEMENTS=false (a pooler in transaction mode), runs
    it as it is. The answer is the same either way."""
    actor = Actor.for_user(tenant_a.gestionnaire, channel=Channel.API)
    crowd(tenant_a.dossier, 2, pieces=True)
    connection.close()  # a new connection: nothing prepared on it yet

    def run():
        with CaptureQueriesContext(connection) as captured:
            s = dossier_synthesis(actor=actor, dossier_id=tenant_a.dossier.pk)
        return s, [q["sql"] for q in captured.captured_queries]

    first, first_sql = run()
    second, second_sql = run()
    settings.PORTAIL = {**settings.PORTAIL, "PREPARED_STATEMENTS": False}
    plain, plain_sql = run()

    if connection.vendor == "postgresql":
        assert [q.split()[0] for q in first_sql] == ["PREPARE", "EXECUTE"], first_sql
        assert [q.split()[0] for q in second_sql] == ["EXECUTE"], second_sql
        assert second_sql[0].split("(")[0] == first_sql[1].split("(")[0]
    else:
        assert [q.split()[0] for q in first_sql + second_sql] == ["SELECT", "SELECT"], first_sql + second_sql
    assert [q.split()[0] for q in plain_sql] == ["SELECT"], plain_sql
    for s in (first, second, plain):
        assert s.dossier.pk == tenant_a.dossier.pk
        assert [f.pk for f in s.factures] == [
            f.pk for f in first.factures
        ] and s.factures_total == first.factures_total >= 2
        assert [c.pk for c in s.courriers] == [c.pk for c in first.courriers]
        assert [e.pk for e in s.journal] == [e.pk for e in first.journal]


def test_another_ofs_dossier_is_not_found_through_the_prepared_statement(tenant_a, tenant_b):
    actor = Actor.for_user(tenant_b.gestionnaire, channel=Channel.API)
    dossier_synthesis(actor=actor, dossier_id=tenant_b.dossier.pk)  # prepared for this scope's size

    with pytest.raises(NotFound):
        dossier_synthesis(actor=actor, dossier_id=tenant_a.dossier.pk)
