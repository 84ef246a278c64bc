"""The financing of an apprenticeship contract in the portal: the échéancier on the synthesis, the
facture charged to an open échéance (pre-filled with its rest, refused above it), « Mes échéances »
and the dashboard's tiles, the lines of a facture, and the saisie (periods and hiring salary computed
for the user, the « Demandé » of the transmission)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.actors import Actor, Channel
from cases import services
from cases.models import Facture, ReferenceNpec
from rules.cerfa import example_payload
from tests.factories import PDF_BYTES, UserFactory
from tests.portal.conftest import signed_in, text_of
from tests.portal.test_saisie import HTMX, NOUVEAU, VERIFIER, as_post, modifier, value_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def npec(db):
    """9 000 €/an for the example's certification, under its IDCC (0016) and under the test employer's
    referential IDCC (1090, which the portal's form takes from the referential)."""
    for idcc in ("0016", "1090"):
        ReferenceNpec.objects.create(
            rncp="RNCP38216", idcc=idcc, montant_annuel=Decimal("9000.00"), date_debut=date(2024, 9, 1)
        )


def accorde(tenant, npec) -> object:
    """An apprenticeship contract signed a month ago, transmitted and accordé through the services."""
    of = Actor.for_user(tenant.admin, channel=Channel.PORTAIL)
    opco = Actor.for_user(UserFactory(opco=True), channel=Channel.ADMIN)
    now = timezone.now()
    payload = example_payload(
        tenant.entreprise.siret, tenant.etab.siret, timezone.localdate() - timedelta(days=30), uai=tenant.etab.uai
    )
    draft = services.dossier_draft_save(actor=of, payload=payload, now=now)
    services.dossier_transmit(actor=of, dossier_id=draft.pk, now=now)
    services.dossier_take_charge(actor=opco, dossier_id=draft.pk, now=now)
    services.dossier_grant(
        actor=opco, dossier_id=draft.pk, montants_pris_en_charge={"npec": Decimal("18000.00")}, now=now
    )
    draft.refresh_from_db()
    return draft


def test_the_synthesis_shows_the_echeancier_and_the_engagement(admin_a, tenant_a, npec):
    dossier = accorde(tenant_a, npec)

    response = admin_a.get(f"/dossiers/{dossier.pk}/")
    text = text_of(response)

    assert response.status_code == 200
    assert "L'échéancier" in text and "NPEC annuel 9 000,00 € (référentiel des NPEC)" in text
    assert "Engagement 18 000,00 €" in text and "À facturer 3 600,00 €" in text
    assert "E1 Avance de 40 % — 1re année" in text and "E8 Solde de 10 % — 2e année" in text
    assert text.count("À venir") >= 7 and "À facturer" in text
    assert f'href="/dossiers/{dossier.pk}/facture/?echeance=1"' in response.content.decode()


def test_the_facture_picks_an_open_echeance_pre_filled_with_its_rest(admin_a, tenant_a, npec):
    dossier = accorde(tenant_a, npec)

    page = admin_a.get(f"/dossiers/{dossier.pk}/facture/")
    html = page.content.decode()

    assert page.status_code == 200
    assert 'name="echeance" value="1" data-reste="3 600,00" checked' in html
    assert value_of_input(html, "id_montant_ht") == "3 600,00" and value_of_input(html, "id_montant_ttc") == "3 600,00"
    assert 'value="2"' not in html  # E2 is not open yet

    above = admin_a.post(f"/dossiers/{dossier.pk}/facture/", facture_data(echeance="1", montant="3 600,01"))
    assert above.status_code == 422
    assert "Le montant dépasse le reste à facturer de l'échéance (3 600,00 €)." in text_of(above)
    missing = admin_a.post(f"/dossiers/{dossier.pk}/facture/", facture_data(echeance="", montant="100"))
    assert missing.status_code == 422
    assert "Choisissez l'échéance facturée de l'échéancier du dossier." in text_of(missing)
    assert not Facture.objects.filter(dossier=dossier).exists()

    done = admin_a.post(f"/dossiers/{dossier.pk}/facture/", facture_data(echeance="1", montant="3 600,00"))
    facture = Facture.objects.get(dossier=dossier)
    assert done.status_code == 302 and done["Location"] == f"/factures/{facture.pk}/"
    assert facture.lignes.get().echeance.numero == 1
    detail = text_of(admin_a.get(f"/factures/{facture.pk}/"))
    assert (
        f"N° de dossier Nature Échéance Montant HT {dossier.reference} Pédagogie (coût de la formation) E1 3 600,00 €"
        in detail
    )
    assert re.search(rf"{facture.numero} .* E1 ", text_of(admin_a.get("/factures/")))
    again = text_of(admin_a.get(f"/dossiers/{dossier.pk}/facture/"))
    assert "Aucune échéance de ce contrat n'est à facturer aujourd'hui. La prochaine, E2 (2 700,00 €)" in again


def test_mes_echeances_and_the_dashboard(admin_a, admin_b, tenant_a, tenant_b, npec):
    dossier = accorde(tenant_a, npec)

    board = text_of(admin_a.get("/tableau-de-bord/"))
    assert "Mes échéances de contrats d'apprentissage 1 Échéances à facturer 3 600,00 €" in board
    assert "7 Échéances à venir 14 400,00 €" in board
    a_facturer = admin_a.get(f"/echeances/?vue=a_facturer&etablissement={tenant_a.etab.pk}")
    assert a_facturer.status_code == 200
    assert f"{dossier.reference} MARTIN Léa" in text_of(a_facturer) and "E1 Avance de 40 %" in text_of(a_facturer)
    a_venir = text_of(admin_a.get("/echeances/?vue=a_venir&tri=-reste"))
    assert "1-7 sur 7" in a_venir
    assert "Aucune échéance à facturer aujourd'hui." in text_of(admin_b.get("/echeances/"))
    assert "0 Échéances à facturer 0,00 €" in text_of(admin_b.get("/tableau-de-bord/"))
    assert admin_a.get("/echeances/?taille=abc").status_code == 422


def test_the_saisie_computes_the_periods_and_the_hiring_salary_and_shows_the_amount_requested(admin_a, tenant_a, npec):
    payload = example_payload(
        tenant_a.entreprise.siret, tenant_a.etab.siret, timezone.localdate(), uai=tenant_a.etab.uai
    )
    del payload["contrat"]["remunerationsAnnuelles"], payload["contrat"]["salaireEmbauche"]

    live = admin_a.post(VERIFIER, as_post(payload), **HTMX)
    html = live.content.decode()
    assert '<div id="periodes" class="periodes" hx-swap-oob="true">' in html
    assert value_of(live, "contrat.remunerationsAnnuelles[0].ordre") == "1.1"
    assert 'id="champ-c-contrat-salaireEmbauche" hx-swap-oob="true"' in html
    assert "NPEC annuel de 9 000,00 € (référentiel des NPEC)" in text_of(live)
    assert "NPEC total 18 000,00 €" in text_of(live)

    saved = admin_a.post(NOUVEAU, as_post(payload, _action="brouillon"))
    assert saved.status_code == 302
    draft = tenant_a.etab.dossiers_of.order_by("-pk").first()
    assert [p["ordre"] for p in draft.donnees["contrat"]["remunerationsAnnuelles"]] == ["1.1", "2.1"]
    assert (
        draft.donnees["contrat"]["salaireEmbauche"]
        == draft.donnees["contrat"]["remunerationsAnnuelles"][0]["salaireBrut"]
    )

    typed = dict(payload, contrat={**payload["contrat"], "salaireEmbauche": 2000})
    kept = admin_a.post(VERIFIER, as_post(typed), **HTMX)
    assert 'id="champ-c-contrat-salaireEmbauche" hx-swap-oob="true"' not in kept.content.decode()
    page = admin_a.get(modifier(draft.pk))
    assert value_of(page, "contrat.remunerationsAnnuelles[1].ordre") == "2.1"


def test_the_saisie_refuses_frais_annexes_beyond_their_limits(admin_a, tenant_a, npec):
    payload = example_payload(
        tenant_a.entreprise.siret, tenant_a.etab.siret, timezone.localdate(), uai=tenant_a.etab.uai
    )
    payload["couts"] = {"montantPremierEquipement": 650, "nombreRepasTotaux": 100}

    response = admin_a.post(NOUVEAU, as_post(payload, _action="verifier"))

    text = text_of(response)
    assert "Les frais de premier équipement sont pris en charge dans la limite de 500,00 € par contrat." in text
    assert "Restauration 300,00 €" in text


def value_of_input(html: str, element_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{element_id}"[^>]*>', html)
    assert match, element_id
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def facture_data(*, echeance: str, montant: str) -> dict:
    return {
        "echeance": echeance,
        "reference": "FAC-E1",
        "date_facture": timezone.localdate().strftime("%d/%m/%Y"),
        "montant_ht": montant,
        "montant_ttc": montant,
        "fichier": SimpleUploadedFile("facture.pdf", PDF_BYTES, content_type="application/pdf"),
    }


def test_another_tenants_facture_form_is_not_found(admin_b, tenant_a, tenant_b, npec):
    dossier = accorde(tenant_a, npec)
    assert admin_b.get(f"/dossiers/{dossier.pk}/facture/").status_code == 404
    assert signed_in(tenant_b.gestionnaire).get(f"/dossiers/{dossier.pk}/").status_code == 404


def test_the_journey_invoice_the_first_echeance_then_it_is_paid_and_the_next_one_is_to_come(admin_a, tenant_a, npec):
    dossier = accorde(tenant_a, npec)
    deposited = admin_a.post(f"/dossiers/{dossier.pk}/facture/", facture_data(echeance="1", montant="3 600,00"))
    assert deposited.status_code == 302
    facture = Facture.objects.get(dossier=dossier)
    assert "E1 Avance de 40 % — 1re année" in text_of(admin_a.get(f"/dossiers/{dossier.pk}/"))
    assert re.search(
        r"E1 Avance de 40 % — 1re année .*? En instruction OPCO", text_of(admin_a.get(f"/dossiers/{dossier.pk}/"))
    )

    opco = Actor.for_user(UserFactory(opco=True), channel=Channel.ADMIN)
    now = timezone.now()
    services.facture_instruct(actor=opco, facture_id=facture.pk, now=now)
    services.facture_validate(actor=opco, facture_id=facture.pk, now=now)
    services.reglement_create(
        actor=opco, facture_ids=[facture.pk], date_paiement=timezone.localdate(), reference_virement="VIR-1", now=now
    )

    text = text_of(admin_a.get(f"/dossiers/{dossier.pk}/"))
    e1 = re.search(r"E1 Avance de 40 % — 1re année (.*?) E2 ", text).group(1)
    e2 = re.search(r"E2 Acompte de 30 % — 1re année (.*?) E3 ", text).group(1)
    assert e1.endswith("3 600,00 € 3 600,00 € 0,00 € 0,00 € Payée")
    assert e2.endswith("À venir")
    assert "Réglé 3 600,00 €" in text and "À facturer 0,00 €" in text
