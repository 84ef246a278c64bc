"""Invoices through the norm: one invoice with lines on several dossiers, the same invoice twice gives one,
each bad line named in the norm's terms, nothing stored on a refusal, and the invoice state feed."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cases.models import Facture, FactureLigne, TransitionLog
from echanges.models import DepotFacture, IdempotencyRecord
from tests.cfa.conftest import BASE_URL, PDF, another_nir, contrat
from tests.cfa.norm_client import NormError


def _opco_api(opco, path: str, body: dict | None = None, *, status: int = 200) -> dict:
    """An OPCO back-office call: a transition answers 200, a creation (a règlement) 201."""
    response = opco.post(f"/api/v1/opco/{path}", json.dumps(body or {}), content_type="application/json")
    assert response.status_code == status, response.json()
    return response.json()


def _engaged(cfa, employeur, opco, *, order: int = 42, deca: str = "076202609037237") -> dict:
    cerfa = contrat(employeur, cfa, today=timezone.localdate() - timedelta(days=30))
    cerfa["apprenti"]["nir"] = another_nir(cerfa["apprenti"]["nir"], order)
    out = cfa.client.deposer_contrat(cerfa)
    _opco_api(opco, f"dossiers/{out['numeroInterne']}/prendre-en-charge")
    _opco_api(
        opco,
        f"dossiers/{out['numeroInterne']}/accorder",
        {"montants_pris_en_charge": {"npec": "6795.83", "premier_equipement": "500"}, "numero_depot": deca},
    )
    return {**out, "e1": cfa.client.dossier(out["numeroInterne"])["echeances"][0]}


def _invoice(cfa, *lines: dict, numero: str = "FAC-1") -> dict:
    return {
        "numero": numero,
        "dateEmission": timezone.now().isoformat(),
        "montantTotal": round(sum(line["montant"] for line in lines), 2),
        "siretEmetteur": cfa.etab.siret,
        "ibanEmetteur": "FR7630006000011234567890189",
        "estCertificatRealisation": False,
        "lignes": list(lines),
    }


def _pedagogie(dossier: dict, **extra) -> dict:
    return {
        "natureLigne": "PEDAGOGIE",
        "montant": dossier["e1"]["montantTotal"],
        "quantite": 1,
        "numeroEcheance": 1,
        "numeroDossier": dossier["numeroExterne"],
        **extra,
    }


@pytest.fixture
def nothing_stored(settings, db):
    media = Path(settings.MEDIA_ROOT)

    def snapshot():
        files = sorted(p for p in media.rglob("*") if p.is_file() and "factures" in p.parts) if media.exists() else []
        return Facture.objects.count(), FactureLigne.objects.count(), DepotFacture.objects.count(), files

    yield
    assert snapshot()[:3] == (0, 0, 0) and snapshot()[3] == []


def test_one_invoice_on_two_dossiers(cfa, employeur, opco):
    a = _engaged(cfa, employeur, opco)
    b = _engaged(cfa, employeur, opco, order=43, deca="076202609037238")

    answer = cfa.client.deposer_facture(_invoice(cfa, _pedagogie(a), _pedagogie(b)), PDF, idempotency_key="f1")

    facture = Facture.objects.get()
    assert answer == {"numeroInterneFacture": str(facture.numero), "numeroInterneDocument": f"F{facture.numero}"}
    assert {line.dossier_id for line in facture.lignes.all()} == {int(a["numeroInterne"]), int(b["numeroInterne"])}
    assert facture.reference == "FAC-1" and facture.fichier.read() == PDF
    depot = DepotFacture.objects.get(facture=facture)
    assert depot.iban == "FR7630006000011234567890189" and depot.client["editeur"] == cfa.client.editeur
    log = TransitionLog.objects.get(facture=facture, transition="deposer")
    assert log.channel == "norme" and log.details["client"]["logiciel"] == cfa.client.logiciel


def test_the_same_invoice_twice_gives_one_invoice(cfa, employeur, opco):
    a = _engaged(cfa, employeur, opco)
    invoice = _invoice(cfa, _pedagogie(a))

    first = cfa.client.deposer_facture(invoice, PDF)
    assert cfa.client.deposer_facture(invoice, PDF) == first
    assert cfa.client.last_headers["Idempotent-Replayed"] == "true"
    # the same number is the same invoice, whatever else was changed
    other_pdf = PDF.replace(b"1.4", b"1.5")
    assert cfa.client.deposer_facture({**invoice, "ibanEmetteur": ""}, other_pdf) == first
    assert Facture.objects.count() == 1 and DepotFacture.objects.count() == 1
    with pytest.raises(NormError) as reused:
        cfa.client.deposer_facture(_invoice(cfa, _pedagogie(a), numero="FAC-2"), PDF, idempotency_key="x")
    assert reused.value.status == 400  # E1 is already being invoiced by FAC-1
    assert IdempotencyRecord.objects.count() == 0


def test_a_last_echeance_numbered_99(cfa, employeur, opco):
    a = _engaged(cfa, employeur, opco)
    schedule = cfa.client.dossier(a["numeroInterne"])["echeances"]
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_facture(
            _invoice(cfa, {**_pedagogie(a), "numeroEcheance": 99, "montant": schedule[-1]["montantTotal"]}), PDF
        )
    # the last échéance is not open yet: the refusal names it, in the norm's field
    assert refused.value.champs == {"facture.lignes[0].numeroEcheance"}


@pytest.mark.parametrize(
    ("change", "champ"),
    [
        (lambda inv: inv.update(montantTotal=inv["montantTotal"] + 1), "facture.montantTotal"),
        (lambda inv: inv["lignes"][0].update(natureLigne="REPAS"), "facture.lignes[0].natureLigne"),
        (lambda inv: inv["lignes"][0].update(montant=-5), "facture.lignes[0].montant"),
        (lambda inv: inv["lignes"][0].update(numeroDossier="9999999.1"), "facture.lignes[0].numeroDossier"),
        (lambda inv: inv["lignes"][0].update(numeroEcheance=42), "facture.lignes[0].numeroEcheance"),
        (lambda inv: inv.update(dateEmission="10/12/2026"), "facture.dateEmission"),
        (lambda inv: inv.update(numero=""), "facture.numero"),
        (lambda inv: inv.update(siretEmetteur="73282932000074"), "facture.siretEmetteur"),
        (lambda inv: inv.update(lignes=[]), "facture.lignes"),
    ],
)
def test_bad_invoices_are_refused_by_field(cfa, employeur, opco, nothing_stored, change, champ):
    a = _engaged(cfa, employeur, opco)
    invoice = _invoice(cfa, _pedagogie(a))
    change(invoice)
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_facture(invoice, PDF)
    assert refused.value.status == 400
    assert champ in refused.value.champs, refused.value.body


def test_an_invoice_beyond_the_echeance_or_the_accord(cfa, employeur, opco, nothing_stored):
    a = _engaged(cfa, employeur, opco)
    too_much = _pedagogie(a, montant=round(a["e1"]["montantTotal"] + 1, 2))
    frais = {"natureLigne": "PREMIEREQUIPEMENT", "montant": 600, "numeroDossier": a["numeroExterne"]}
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_facture(_invoice(cfa, too_much, frais), PDF)
    assert {"facture.lignes[0].montant", "facture.lignes[1].montant"} <= refused.value.champs


def test_an_invoice_on_another_cfas_dossier(cfa, autre_cfa, employeur, opco, nothing_stored):
    theirs = _engaged(autre_cfa, employeur, opco)
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_facture(_invoice(cfa, _pedagogie(theirs)), PDF)
    assert refused.value.status == 400
    assert refused.value.champs == {"facture.lignes[0].numeroDossier"}
    message = refused.value.body["errors"][0]["description"]
    assert message == "Aucun contrat de votre SIRET ne porte ce numéro."


def _multipart(cfa, data: dict):
    return Client().post(f"{BASE_URL}/v1/factures", data, headers=cfa.client.headers())


def test_an_invoice_without_its_json_part_or_its_file_or_not_a_pdf(cfa, employeur, opco, nothing_stored):
    a = _engaged(cfa, employeur, opco)
    invoice = json.dumps(_invoice(cfa, _pedagogie(a)))
    without_json = _multipart(cfa, {"fichier": SimpleUploadedFile("f.pdf", PDF, "application/pdf")})
    assert without_json.status_code == 400 and without_json.json()["errors"][0]["champ"] == "facture"
    without_file = _multipart(cfa, {"facture": invoice})
    assert without_file.status_code == 400
    assert {e["champ"] for e in without_file.json()["errors"]} == {"fichier"}
    not_pdf = _multipart(
        cfa, {"facture": invoice, "fichier": SimpleUploadedFile("f.pdf", b"PK\x03\x04zip", "application/pdf")}
    )
    assert not_pdf.status_code == 400 and {e["champ"] for e in not_pdf.json()["errors"]} == {"fichier"}


def test_the_invoice_feed_says_rejections_and_hides_other_cfas(cfa, autre_cfa, employeur, opco):
    a = _engaged(cfa, employeur, opco)
    theirs = _engaged(autre_cfa, employeur, opco)
    mine = cfa.client.deposer_facture(_invoice(cfa, _pedagogie(a)), PDF)
    autre_cfa.client.deposer_facture(_invoice(autre_cfa, _pedagogie(theirs)), PDF)
    pk = Facture.objects.get(numero=mine["numeroInterneFacture"]).pk
    _opco_api(opco, f"factures/{pk}/rejeter", {"motif": "DOUBLON", "explication": "Déjà facturée sur le portail"})

    feed = cfa.client.etats_factures()

    assert [f["numeroInterneFacture"] for f in feed] == [mine["numeroInterneFacture"]]
    assert feed[0]["etatFacture"] == "REJETE" and "Déjà facturée" in feed[0]["commentaire"]
    assert feed[0]["referenceVirement"] is None and feed[0]["dateReglement"] is None
    page = cfa.client.get("/v2/factures/etats", numeroPage=2)
    assert (page["total"], page["count"], page["factures"]) == (1, 0, [])
