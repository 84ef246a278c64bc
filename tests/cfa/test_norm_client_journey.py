"""« Done when »: a CFA's software, knowing only the norm (tests/cfa/norm_client.py), deposits its contracts,
polls the state feed page by page until the OPCO's accord appears, reads the dossier with its échéancier,
deposits a convention and an invoice on two dossiers, and reads the invoice state until REGLE. Meanwhile the
OPCO works as it does every day: in the back office and through /api/v1/opco."""

import json
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases.models import Dossier, Facture, TransitionLog
from tests.cfa.conftest import PDF, another_nir, contrat
from tests.factories import DossierFactory

MAX_POLLS = 10


def _opco_api(opco, path: str, body: dict | None = None, *, status: int = 200) -> dict:
    """An OPCO back-office call: a transition answers 200, a creation (a règlement) 201."""
    response = opco.post(f"/api/v1/opco/{path}", json.dumps(body or {}), content_type="application/json")
    assert response.status_code == status, response.json()
    return response.json()


def _back_office(opco, model: str, pk: int, name: str, data: dict) -> None:
    response = opco.post(reverse(f"admin:cases_{model}_transition", args=[pk, name]), data)
    assert response.status_code == 302, response.context and response.context["form"].errors


def test_a_cfa_software_from_contract_to_payment(cfa, employeur, opco):
    client = cfa.client
    # The CFA already has 150 contracts with the OPCO: its new ones are on page 2 of the feed.
    DossierFactory.create_batch(150, of_etablissement=cfa.etab, entreprise=employeur, accorde=True, financement=False)
    signed = timezone.localdate() - timedelta(days=30)

    assert client.status()["status"] == "OK"

    # 1. Two contracts, deposited as the software does (dates with offset, integer codes); one sent twice.
    first = client.deposer_contrat(contrat(employeur, cfa, today=signed), version="v1")
    second_cerfa = contrat(employeur, cfa, today=signed, apprenti__nom="DURAND", apprenti__prenom="Hugo")
    second_cerfa["apprenti"]["nir"] = another_nir(second_cerfa["apprenti"]["nir"], 43)
    second = client.deposer_contrat(second_cerfa)
    assert client.deposer_contrat(second_cerfa) == second  # a retry: the same answer, no double
    assert Dossier.objects.filter(of_etablissement=cfa.etab).count() == 152

    # 2. Poll the state feed until the OPCO's accord appears; the OPCO moves one step between polls.
    opco_steps = [
        lambda: _opco_api(opco, f"dossiers/{first['numeroInterne']}/prendre-en-charge"),
        lambda: _back_office(opco, "dossier", int(second["numeroInterne"]), "prendre_en_charge", {}),
        lambda: _opco_api(
            opco,
            f"dossiers/{first['numeroInterne']}/accorder",
            {"montants_pris_en_charge": {"npec": "6795.83", "hebergement": "250"}, "numero_depot": "076202609037237"},
        ),
        lambda: _opco_api(
            opco,
            f"dossiers/{second['numeroInterne']}/accorder",
            {"montants_pris_en_charge": {"npec": "6795.83"}, "numero_depot": "076202609037238"},
        ),
    ]
    seen = []
    for _ in range(MAX_POLLS):
        feed = {e["numeroInterne"]: e for e in client.etats_dossiers()}
        assert len(feed) == 152
        states = (feed[first["numeroInterne"]]["etat"], feed[second["numeroInterne"]]["etat"])
        seen.append(states)
        if states == ("ENGAGE", "ENGAGE"):
            break
        opco_steps.pop(0)()
    assert seen == [
        ("TRANSMIS", "TRANSMIS"),
        ("EN_COURS_INSTRUCTION", "TRANSMIS"),
        ("EN_COURS_INSTRUCTION", "EN_COURS_INSTRUCTION"),
        ("ENGAGE", "EN_COURS_INSTRUCTION"),
        ("ENGAGE", "ENGAGE"),
    ]
    assert feed[first["numeroInterne"]]["numeroDeca"] == "076202609037237"

    # 3. Read the dossier with its échéancier.
    dossier = client.dossier(first["numeroInterne"])
    assert dossier["cerfa"]["etat"] == "ENGAGE" and dossier["cerfa"]["numeroDeca"] == "076202609037237"
    assert dossier["cerfa"]["contrat"]["noContrat"] == "076202609037237"
    assert dossier["engagement"] == 6795.83 + 250
    assert dossier["engagementsFraisAnnexe"] == [
        {"natureFrais": "Hebergement", "quantite": 1, "prixUnitaire": 250.0, "montantTotal": 250.0}
    ]
    echeances = dossier["echeances"]
    assert echeances and echeances[0]["codification"] == "E1" and echeances[0]["montantRegle"] == 0
    assert round(sum(e["montantTotal"] for e in echeances), 2) <= 6795.83
    e1 = echeances[0]
    assert e1["dateOuverture"][:10] <= timezone.localdate().isoformat()
    e1_second = client.dossier(second["numeroInterne"])["echeances"][0]

    # 4. The convention of the first contract.
    convention = {
        "numeroInterneDossier": first["numeroInterne"],
        "employeur": {"siret": employeur.siret},
        "organismeFormation": {"siret": cfa.etab.siret, "uaiCfa": cfa.etab.uai},
        "couts": {"coutTotalPedagogieCFA": 6795.83},
        "dateSignature": dossier["cerfa"]["contrat"]["dateConclusion"],
    }
    assert client.deposer_convention(convention, PDF)["numeroInterneDossier"] == first["numeroInterne"]

    # 5. One invoice on both dossiers (their first échéance, and the first one's hébergement); sent twice.
    montant = round(e1["montantTotal"] + e1_second["montantTotal"] + 100, 2)
    facture = {
        "numero": "FAC-2026-0118",
        "dateEmission": timezone.now().isoformat(),
        "montantTotal": montant,
        "siretEmetteur": cfa.etab.siret,
        "ibanEmetteur": "FR76 3000 6000 0112 3456 7890 189",
        "estCertificatRealisation": False,
        "lignes": [
            {
                "natureLigne": "PEDAGOGIE",
                "montant": e1["montantTotal"],
                "quantite": 1,
                "numeroEcheance": 1,
                "codificationEcheance": "E1",
                "numeroDeca": "076202609037237",
                "numeroDossier": first["numeroExterne"],
            },
            {
                "natureLigne": "PEDAGOGIE",
                "montant": e1_second["montantTotal"],
                "quantite": 1,
                "codificationEcheance": "E1",
                "numeroDeca": "076202609037238",
            },
            {"natureLigne": "HEBERGEMENT", "montant": 100, "quantite": 1, "numeroDossier": first["numeroExterne"]},
        ],
    }
    deposited = client.deposer_facture(facture, PDF)
    assert client.deposer_facture(facture, PDF) == deposited
    assert Facture.objects.filter(emetteur=cfa.etab).count() == 1
    assert client.dossier(first["numeroInterne"])["echeances"][0]["montantEnCoursInstruction"] == e1["montantTotal"]

    # 6. Poll the invoice state until REGLE; the OPCO instructs, validates and pays between polls.
    pk = Facture.objects.get(numero=int(deposited["numeroInterneFacture"])).pk
    opco_steps = [
        lambda: _back_office(opco, "facture", pk, "instruire", {}),
        lambda: _opco_api(opco, f"factures/{pk}/valider"),
        lambda: _opco_api(
            opco,
            "reglements",
            {"facture_ids": [pk], "date_paiement": timezone.localdate().isoformat(), "reference_virement": "VIR-0042"},
            status=201,
        ),
    ]
    seen = []
    for _ in range(MAX_POLLS):
        invoice = next(
            f for f in client.etats_factures() if f["numeroInterneFacture"] == deposited["numeroInterneFacture"]
        )
        seen.append(invoice["etatFacture"])
        if invoice["etatFacture"] == "REGLE":
            break
        opco_steps.pop(0)()
    assert seen == ["TRANSMIS", "EN_COURS_INSTRUCTION", "EN_COURS_INSTRUCTION", "REGLE"]
    assert invoice["referenceFactureCFA"] == "FAC-2026-0118" and invoice["montantFacture"] == montant
    assert invoice["referenceVirement"] == "VIR-0042"
    assert invoice["dateReglement"] == f"{timezone.localdate().isoformat()}T00:00:00{invoice['dateReglement'][-6:]}"
    assert invoice["organismeFormation"] == {"siret": cfa.etab.siret, "IBAN": "FR7630006000011234567890189"}
    assert {(d["numeroExterneDossier"], d["montant"]) for d in invoice["dossiers"]} == {
        (first["numeroExterne"], round(e1["montantTotal"] + 100, 2)),
        (second["numeroExterne"], e1_second["montantTotal"]),
    }
    paid = client.dossier(first["numeroInterne"])
    assert paid["echeances"][0]["montantRegle"] == e1["montantTotal"]
    assert paid["echeances"][0]["montantEnCoursInstruction"] == 0

    # Every change the software caused is in the journal with its name and version.
    logs = TransitionLog.objects.filter(channel="norme")
    assert logs.exists() and all(log.details["client"]["logiciel"] == client.logiciel for log in logs)
