"""The financing of an apprenticeship contract through the API: the verification (back office's SMIC,
periods computed, the « Demandé »), unknown fields refused, and the journey transmit → accord → the
échéancier → invoice the first échéance → validated and paid → Payée, the next one À venir."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Echeance, ReferenceNpec, ReferenceSmic
from rules.cerfa import example_payload
from tests.api.conftest import errors_of
from tests.factories import PDF_BYTES

API = "/api/v1"
pytestmark = pytest.mark.django_db


def payload_for(tenant, signed: date | None = None) -> dict:
    signed = signed or timezone.localdate() - timedelta(days=30)
    return example_payload(tenant.entreprise.siret, tenant.etab.siret, signed, uai=tenant.etab.uai)


def verify(client, payload):
    response = client.post(
        f"{API}/dossiers/apprentissage/verification", {"cerfa": payload}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


# --- Verification ------------------------------------------------------------------------------


def test_verification_reads_the_back_office_smic_table(gest_a, tenant_a):
    """After a SMIC raise entered in the back office, a contract paid on the old SMIC fails the
    verification — as it fails the transmission (the API used to check against the built-in table)."""
    payload = payload_for(tenant_a)
    debut = date.fromisoformat(payload["contrat"]["dateDebutContrat"])
    assert verify(gest_a, payload)["valide"] is True

    ReferenceSmic.objects.create(
        date_effet=debut - timedelta(days=60),
        horaire=Decimal("13.00"),
        mensuel=Decimal("1971.71"),
        horaire_mayotte=Decimal("10.00"),
        mensuel_mayotte=Decimal("1516.70"),
    )
    check = verify(gest_a, payload)

    assert check["valide"] is False
    assert {e["champ"] for e in check["erreurs"] if e["code"] == "taux_minimal"} >= {"contrat.salaireEmbauche"}
    assert check["remuneration"][0]["base"] == "1971.71"

    created = gest_a.post(
        f"{API}/dossiers/apprentissage/brouillons", {"cerfa": payload}, content_type="application/json"
    )
    refused = gest_a.post(f"{API}/dossiers/{created.json()['id']}/transmettre")
    assert refused.status_code == 422
    assert "contrat.salaireEmbauche" in {e["champ"] for e in errors_of(refused)}


def test_verification_returns_the_periods_the_hiring_salary_and_the_amount_requested(gest_a, tenant_a):
    ReferenceNpec.objects.create(
        rncp="RNCP38216", idcc="0016", montant_annuel=Decimal("8200.00"), date_debut=date(2024, 9, 1)
    )
    payload = payload_for(tenant_a)
    del payload["contrat"]["remunerationsAnnuelles"], payload["contrat"]["salaireEmbauche"]

    check = verify(gest_a, payload)

    first = check["remuneration"][0]
    assert (first["ordre"], first["annee"], first["taux_minimal"], first["type_salaire"]) == ("1.1", 1, 43, "SMIC")
    assert first["salaire_brut"] == first["salaire_brut_minimal"] == check["salaire_embauche"]
    assert [p["ordre"] for p in check["remuneration"]] == ["1.1", "2.1"]
    assert check["financement"]["npec_annuel"] == "8200.00"
    assert check["financement"]["lignes"] == [
        {"nature": "npec", "libelle": "NPEC total", "montant_demande": "16400.00", "montant_pris_en_charge": None}
    ]
    assert {e["champ"] for e in check["erreurs"]} >= {"contrat.remunerationsAnnuelles", "contrat.salaireEmbauche"}
    assert all(set(e) == {"code", "description", "champ"} for e in check["erreurs"])


def test_unknown_fields_are_refused_with_their_path(gest_a, tenant_a):
    payload = payload_for(tenant_a)
    payload["apprenti"]["surnom"] = "Lulu"
    payload["contrat"]["remunerationsAnnuelles"][0]["prime"] = 50
    payload["bonus"] = {"x": 1}

    check = verify(gest_a, payload)
    unknown = {e["champ"] for e in check["erreurs"] if e["code"] == "inconnu"}
    assert unknown == {"apprenti.surnom", "contrat.remunerationsAnnuelles[0].prime", "bonus"}

    draft = gest_a.post(f"{API}/dossiers/apprentissage/brouillons", {"cerfa": payload}, content_type="application/json")
    assert draft.status_code == 422
    assert {e["champ"] for e in errors_of(draft)} == unknown


def test_the_norm_s_own_fields_are_accepted(gest_a, tenant_a):
    payload = payload_for(tenant_a)
    payload.update({"versionCERFA": "10103*14", "numeroDeca": ""})
    payload["employeur"].update({"nom": "DUPONT", "prenom": "Jean"})
    payload["organismeFormation"]["visaCfa"] = True

    assert verify(gest_a, payload)["valide"] is True


# --- The journey -------------------------------------------------------------------------------------


def test_transmit_accord_echeancier_invoice_validate_pay(gest_a, opco_client, tenant_a):
    ReferenceNpec.objects.create(
        rncp="RNCP38216", idcc="0016", montant_annuel=Decimal("9000.00"), date_debut=date(2024, 9, 1)
    )
    payload = payload_for(tenant_a)
    created = gest_a.post(
        f"{API}/dossiers/apprentissage/brouillons", {"cerfa": payload}, content_type="application/json"
    )
    dossier_id = created.json()["id"]
    assert gest_a.post(f"{API}/dossiers/{dossier_id}/transmettre").status_code == 200

    synthesis = gest_a.get(f"{API}/dossiers/{dossier_id}").json()
    assert synthesis["accord_financement"]["total_demande"] == "18000.00" and synthesis["echeancier"] is None

    assert opco_client.post(f"{API}/opco/dossiers/{dossier_id}/prendre-en-charge").status_code == 200
    accord = opco_client.post(
        f"{API}/opco/dossiers/{dossier_id}/accorder",
        {"montants_pris_en_charge": {"npec": "18000.00"}, "numero_depot": "092202611000123"},
        content_type="application/json",
    )
    assert accord.status_code == 200, accord.content

    echeancier = gest_a.get(f"{API}/dossiers/{dossier_id}").json()["echeancier"]
    assert echeancier["engagement"] == "18000.00" and echeancier["npec_origine"] == "référentiel des NPEC"
    e1, e2 = echeancier["echeances"][:2]
    assert (e1["codification"], e1["montant_total"], e1["statut"]) == ("E1", "3600.00", "a_facturer")
    assert e2["statut"] == "a_venir"
    board = gest_a.get(f"{API}/tableau-de-bord").json()
    assert board["echeances"][0] == {
        "code": "a_facturer",
        "libelle": "Échéances à facturer",
        "nombre": 1,
        "montant": "3600.00",
        "lien": f"{API}/echeances?vue=a_facturer&etablissement={tenant_a.etab.pk}",
    }
    listed = gest_a.get(f"{API}/echeances?vue=a_facturer").json()
    assert [(row["dossier"]["id"], row["codification"], row["reste_a_facturer"]) for row in listed["elements"]] == [
        (dossier_id, "E1", "3600.00")
    ]

    too_much = gest_a.post(
        f"{API}/dossiers/{dossier_id}/factures",
        {
            "reference": "F-0",
            "date_facture": timezone.localdate().isoformat(),
            "montant_ht": "3600.01",
            "montant_ttc": "3600.01",
            "echeance": "1",
            "fichier": pdf(),
        },
    )
    assert too_much.status_code == 422
    assert errors_of(too_much)[0]["champ"] == "montant_ht"

    deposited = gest_a.post(
        f"{API}/dossiers/{dossier_id}/factures",
        {
            "reference": "F-1",
            "date_facture": timezone.localdate().isoformat(),
            "montant_ht": "3600.00",
            "montant_ttc": "3600.00",
            "echeance": "1",
            "fichier": pdf(),
        },
    )
    assert deposited.status_code == 201, deposited.content
    facture_id = deposited.json()["id"]
    detail = gest_a.get(f"{API}/factures/{facture_id}").json()
    assert detail["lignes"] == [
        {
            "dossier": {"id": dossier_id, "numero": synthesis["numero"]},
            "nature": "pedagogie",
            "nature_libelle": "Pédagogie (coût de la formation)",
            "echeance": "E1",
            "montant": "3600.00",
            "quantite": 1,
        }
    ]
    assert gest_a.get(f"{API}/factures").json()["elements"][0]["echeances"] == ["E1"]
    assert gest_a.get(f"{API}/dossiers/{dossier_id}").json()["echeancier"]["echeances"][0]["statut"] == "en_instruction"

    assert opco_client.post(f"{API}/opco/factures/{facture_id}/instruire").status_code == 200
    assert opco_client.post(f"{API}/opco/factures/{facture_id}/valider").status_code == 200
    paid = opco_client.post(
        f"{API}/opco/reglements",
        {
            "facture_ids": [facture_id],
            "date_paiement": timezone.localdate().isoformat(),
            "reference_virement": "VIR-42",
        },
        content_type="application/json",
    )
    assert paid.status_code == 201, paid.content

    after = gest_a.get(f"{API}/dossiers/{dossier_id}").json()["echeancier"]
    assert [(e["codification"], e["statut_libelle"]) for e in after["echeances"][:2]] == [
        ("E1", "Payée"),
        ("E2", "À venir"),
    ]
    assert after["montant_regle"] == "3600.00" and after["a_facturer"] == "0.00"
    assert gest_a.get(f"{API}/tableau-de-bord").json()["echeances"][0]["nombre"] == 0


def test_another_tenant_sees_no_echeance(gest_a, user_b, tenant_a):
    today = timezone.localdate()
    for numero, opening in ((1, today), (2, today + timedelta(days=90))):
        Echeance.objects.create(
            dossier=tenant_a.dossier,
            numero=numero,
            annee=1,
            nature="avance",
            taux=40,
            date_ouverture=opening,
            date_debut=opening,
            date_fin=opening + timedelta(days=89),
            montant_total=Decimal("1000.00"),
            updated_at=timezone.now(),
        )

    assert gest_a.get(f"{API}/echeances?vue=a_facturer").json()["total"] == 1
    assert gest_a.get(f"{API}/echeances?vue=a_venir").json()["total"] == 1
    assert user_b.get(f"{API}/echeances?vue=a_facturer").json()["total"] == 0
    assert user_b.get(f"{API}/echeances?vue=a_venir").json()["total"] == 0
    assert user_b.get(f"{API}/tableau-de-bord").json()["echeances"][0]["nombre"] == 0
    assert user_b.get(f"{API}/echeances?vue=autre").status_code == 422


def pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("facture.pdf", PDF_BYTES, content_type="application/pdf")
