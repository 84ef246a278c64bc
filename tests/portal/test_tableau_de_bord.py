"""Mon tableau de bord: the three cards of the chosen établissement, each counter a link to its
filtered list; the header's switcher, badge and menu; nothing of another OF."""

from __future__ import annotations

import pytest

from accounts.models import Habilitation
from tests.factories import DossierFactory, EtablissementFactory
from tests.portal.conftest import text_of

pytestmark = pytest.mark.django_db


def test_the_cards_count_the_chosen_etablissement_and_link_to_filtered_lists(admin_a, tenant_a, tenant_b):
    response = admin_a.get("/tableau-de-bord/")

    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "Mes dossiers en cours de traitement" in text
    assert "Mes dossiers en attente de pièces complémentaires" in text
    assert "Mes factures" in text
    assert f"/dossiers/apprentissage/?etat=en_attente_de_pieces&amp;etablissement={tenant_a.etab.pk}" in html
    assert f"etablissement={tenant_b.etab.pk}" not in html
    assert "+ Créer un nouveau contrat" in text
    assert html.count("<h1") == 1 and "<title>Mon tableau de bord — Portail OF</title>" in html


def test_the_header_switches_etablissement_and_remembers_it(admin_a, tenant_a):
    antenne = EtablissementFactory(raison_sociale="ANTENNE DU LITTORAL")
    Habilitation.objects.create(user=tenant_a.admin, etablissement=antenne, role="admin_of")
    DossierFactory(of_etablissement=antenne, en_attente=True)

    switched = admin_a.get(f"/tableau-de-bord/?etablissement={antenne.pk}")
    remembered = admin_a.get("/guide/")

    assert "ANTENNE DU LITTORAL — SIRET" in text_of(switched)
    assert f'<option value="{antenne.pk}" selected>' in remembered.content.decode()


def test_another_ofs_etablissement_in_the_switcher_is_a_404(admin_a, tenant_b):
    response = admin_a.get(f"/tableau-de-bord/?etablissement={tenant_b.etab.pk}")
    nonsense = admin_a.get("/tableau-de-bord/?etablissement=abc")

    assert response.status_code == 404 and nonsense.status_code == 404
    assert tenant_b.etab.raison_sociale not in text_of(response)


def test_the_badge_counts_unread_notifications_of_the_chosen_etablissement(gest_a, tenant_a):
    html = gest_a.get("/tableau-de-bord/").content.decode()

    assert 'aria-label="Notifications : 1 non lue"' in html


def test_a_gestionnaire_without_the_right_has_no_create_button(gest_a, tenant_a):
    Habilitation.objects.filter(user=tenant_a.gestionnaire).update(saisir_contrats=False)

    assert "Créer un nouveau contrat" not in text_of(gest_a.get("/tableau-de-bord/"))


def test_the_dashboard_stays_within_the_query_budget(admin_a, tenant_a, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        assert admin_a.get("/tableau-de-bord/").status_code == 200
