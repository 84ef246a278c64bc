"""Issue 14, close to the floor, through the portal (same selectors as the API): query counts pinned for
the dashboard, a list page (flat from 10 to 50 rows) and the synthesis; the synthesis shows the latest
entries of what grows, with « Voir tout » paging through the rest in place."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.selectors_synthese import SYNTHESIS_LATEST
from tests.factories import DossierFactory
from tests.portal.conftest import signed_in, text_of
from tests.worlds import crowd

pytestmark = pytest.mark.django_db
APPRENTISSAGE = "/dossiers/apprentissage/"


@pytest.fixture
def actor_cache(settings):
    settings.PORTAIL = {**settings.PORTAIL, "ACTOR_CACHE_SECONDS": 300}


def count(client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


@pytest.mark.parametrize("cache_on", [False, True])
def test_dashboard_queries(tenant_a, settings, cache_on):
    if cache_on:
        settings.PORTAIL = {**settings.PORTAIL, "ACTOR_CACHE_SECONDS": 300}
    client = signed_in(tenant_a.gestionnaire)
    count(client, "/tableau-de-bord/")

    n, _ = count(client, "/tableau-de-bord/")

    # the dashboard's one query and the header's unread badge; the user and their habilitations once
    # the actor is cached (else two more)
    assert n <= (2 if cache_on else 4)


def test_list_page_queries_are_flat_from_10_to_50_rows(tenant_a, actor_cache):
    DossierFactory.create_batch(60, of_etablissement=tenant_a.etab)
    client = signed_in(tenant_a.gestionnaire)
    count(client, APPRENTISSAGE)

    ten, _ = count(client, f"{APPRENTISSAGE}?taille=10&tri=nom")
    fifty, response = count(client, f"{APPRENTISSAGE}?taille=50&tri=nom")

    assert ten == fifty <= 3  # the page with its total, its rows' entreprises, the header's unread badge


@pytest.mark.parametrize("cache_on", [False, True])
def test_synthesis_queries_stay_few_whatever_the_dossier_holds(tenant_a, settings, cache_on):
    if cache_on:
        settings.PORTAIL = {**settings.PORTAIL, "ACTOR_CACHE_SECONDS": 300}
    client = signed_in(tenant_a.gestionnaire)
    url = f"/dossiers/{tenant_a.dossier.pk}/"
    count(client, url)
    before, _ = count(client, url)
    crowd(tenant_a.dossier, SYNTHESIS_LATEST + 5)

    after, response = count(client, url)

    # the synthesis and the header's unread badge; the user and their habilitations unless cached
    assert before == after <= (2 if cache_on else 5)
    assert response.status_code == 200


def test_synthesis_shows_the_latest_and_links_to_every_entry(tenant_a):
    dossier = tenant_a.dossier
    crowd(dossier, SYNTHESIS_LATEST + 5)
    client = signed_in(tenant_a.gestionnaire)

    page = client.get(f"/dossiers/{dossier.pk}/").content.decode()

    assert page.count('class="quand"') == SYNTHESIS_LATEST
    for voir, total in (
        ("courriers", dossier.courriers.filter(statut="emis").count()),
        ("factures", dossier.factures.count()),
        ("historique", dossier.journal.count()),
    ):
        assert f'href="?voir={voir}#titre-{voir}"' in page, voir
        assert f"({total})" in page, voir
    assert "événement 24" in page and "événement 4" not in page.replace("événement 24", "")


@pytest.mark.parametrize("voir", ["courriers", "factures", "historique"])
def test_voir_tout_pages_through_in_place(tenant_a, voir):
    dossier = tenant_a.dossier
    crowd(dossier, SYNTHESIS_LATEST + 5)
    client = signed_in(tenant_a.gestionnaire)

    first = client.get(f"/dossiers/{dossier.pk}/?voir={voir}&taille=20")
    second = client.get(f"/dossiers/{dossier.pk}/?voir={voir}&taille=20&page=2")

    assert first.status_code == second.status_code == 200
    assert "Revenir aux plus récents" in text_of(first)
    assert "Page 2 sur 2" in text_of(second)
    if voir == "historique":
        assert "événement 0" in text_of(second) and "événement 0" not in text_of(first)


def test_voir_tout_of_another_of_is_404(tenant_a, tenant_b):
    client = signed_in(tenant_b.gestionnaire)

    assert client.get(f"/dossiers/{tenant_a.dossier.pk}/?voir=factures").status_code == 404
