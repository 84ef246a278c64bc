"""Deposits through the norm: a contract deposited and transmitted in one call, the same contract twice gives
one dossier (natural key, or Idempotency-Key), a key reused for another request is refused, avenants and
ruptures, conventions and documents."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from cases.models import Dossier, PieceJointe, TransitionLog
from echanges.models import Convention, IdempotencyRecord
from rules.lifecycles import EtatDossier
from tests.cfa.conftest import PDF, contrat
from tests.cfa.norm_client import NormError


def test_a_deposit_is_transmitted_with_its_numbers(cfa, employeur):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa), version="v1")

    dossier = Dossier.objects.get(pk=int(out["numeroInterne"]))
    assert out == {"numeroInterne": str(dossier.pk), "numeroExterne": f"{dossier.numero}.1"}
    assert dossier.etat == EtatDossier.TRANSMIS and dossier.of_etablissement == cfa.etab
    assert dossier.entreprise == employeur
    assert "Idempotent-Replayed" not in cfa.client.last_headers
    # the norm's dates (midnight in Paris written in UTC) are the CERFA's civil dates
    sent = contrat(employeur, cfa)["contrat"]["dateDebutContrat"]
    assert sent.endswith("+00:00") and dossier.contrat_date_debut.isoformat() > sent[:10]
    assert dossier.donnees["contrat"]["dateDebutContrat"] == dossier.contrat_date_debut.isoformat()


def test_the_same_contract_twice_gives_one_dossier(cfa, employeur):
    first = cfa.client.deposer_contrat(contrat(employeur, cfa))
    again = cfa.client.deposer_contrat(contrat(employeur, cfa), version="v1")

    assert again == first
    assert cfa.client.last_headers["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1
    assert TransitionLog.objects.filter(transition="transmettre").count() == 1


def test_the_same_contract_formatted_otherwise_is_still_the_same(cfa, employeur):
    first = cfa.client.deposer_contrat(contrat(employeur, cfa))
    cerfa = contrat(employeur, cfa)
    nir = cerfa["apprenti"]["nir"]
    cerfa["apprenti"]["nir"] = f"{nir[:1]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    cerfa["contrat"]["typeContratApp"] = "11"
    cerfa["contrat"]["dateDebutContrat"] = cerfa["contrat"]["dateDebutContrat"].replace("+00:00", "Z")

    assert cfa.client.deposer_contrat(cerfa) == first
    assert Dossier.objects.count() == 1


def test_another_contract_of_the_same_apprentice_is_a_new_dossier(cfa, employeur):
    cfa.client.deposer_contrat(contrat(employeur, cfa))
    other = contrat(employeur, cfa, contrat__typeContratApp=21, contrat__numeroContratPrecedent="076202209037237")
    cfa.client.deposer_contrat(other)
    assert Dossier.objects.count() == 2


def test_a_refused_contract_may_be_deposited_again(cfa, employeur, opco):
    first = cfa.client.deposer_contrat(contrat(employeur, cfa))
    refuse = opco.post(
        f"/api/v1/opco/dossiers/{first['numeroInterne']}/refuser",
        json.dumps({"motif": "AUTRE", "explication": "Contrat non signé"}),
        content_type="application/json",
    )
    assert refuse.status_code == 200, refuse.json()

    second = cfa.client.deposer_contrat(contrat(employeur, cfa))

    assert second != first and Dossier.objects.count() == 2


def test_idempotency_key_answers_the_first_result_and_refuses_another_request(cfa, employeur):
    first = cfa.client.deposer_contrat(contrat(employeur, cfa), idempotency_key="depot-42")
    again = cfa.client.deposer_contrat(contrat(employeur, cfa), idempotency_key="depot-42")
    assert again == first and cfa.client.last_headers["Idempotent-Replayed"] == "true"

    other = contrat(employeur, cfa, apprenti__nom="DURAND")
    with pytest.raises(NormError) as reused:
        cfa.client.deposer_contrat(other, idempotency_key="depot-42")
    assert reused.value.status == 422 and reused.value.codes == {"reutilisee"}
    assert reused.value.champs == {"Idempotency-Key"}
    assert Dossier.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_idempotency_keys_are_per_siret(cfa, autre_cfa, employeur):
    cfa.client.deposer_contrat(contrat(employeur, cfa), idempotency_key="k1")
    autre_cfa.client.deposer_contrat(contrat(employeur, autre_cfa), idempotency_key="k1")
    assert Dossier.objects.count() == 2


def test_a_refused_deposit_records_no_idempotency(cfa, employeur):
    bad = contrat(employeur, cfa, contrat__typeContratApp=99)
    with pytest.raises(NormError):
        cfa.client.deposer_contrat(bad, idempotency_key="k2")
    assert IdempotencyRecord.objects.count() == 0
    out = cfa.client.deposer_contrat(contrat(employeur, cfa), idempotency_key="k2")
    assert Dossier.objects.filter(pk=out["numeroInterne"]).exists()


@pytest.mark.django_db(transaction=True)
def test_two_identical_deposits_at_the_same_time_give_one_dossier(employeur_tx, cfa_tx):
    """Concurrent retries: the CFA's établissement is locked during a deposit (PostgreSQL waits; SQLite
    serialises writers), so the second finds the first."""
    cerfa = contrat(employeur_tx, cfa_tx)
    results, barrier = [], threading.Barrier(2)

    def deposit():
        try:
            barrier.wait()
            response = Client().post(
                "/api/cfa/v2/dossiers",
                json.dumps({"cerfa": cerfa}),
                content_type="application/json",
                headers=cfa_tx.client.headers(),
            )
            results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=deposit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert Dossier.objects.count() == 1
    assert [status for status, _ in results] == [200, 200]
    assert results[0][1] == results[1][1]


def test_an_avenant_amends_the_engaged_contract_by_its_deca_number(cfa, employeur, opco):
    first = cfa.client.deposer_contrat(contrat(employeur, cfa))
    _engage(opco, first["numeroInterne"], numero_depot="076202209037237")
    cerfa = contrat(employeur, cfa, contrat__typeContratApp=31, contrat__noContrat="076202209037237")
    cerfa["contrat"]["dateEffetAvenant"] = cerfa["contrat"]["dateDebutContrat"]

    avenant = cfa.client.deposer_contrat(cerfa)

    dossier = Dossier.objects.get(pk=avenant["numeroInterne"])
    assert dossier.version == 2 and dossier.version_precedente_id == int(first["numeroInterne"])
    assert avenant["numeroExterne"] == f"{dossier.numero}.2"
    assert cfa.client.dossier(first["numeroInterne"])["cerfa"]["commentaireEtat"]
    assert cfa.client.deposer_contrat(cerfa) == avenant  # the same avenant again
    unknown = contrat(employeur, cfa, contrat__typeContratApp=32, contrat__numeroContratPrecedent="076202209099999")
    unknown["contrat"]["dateEffetAvenant"] = unknown["contrat"]["dateDebutContrat"]
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(unknown)
    assert refused.value.status == 400 and refused.value.champs == {"cerfa.contrat.numeroContratPrecedent"}


def _engage(opco, numero_interne: str, *, numero_depot: str = "") -> None:
    for path, body in (
        ("prendre-en-charge", {}),
        (
            "accorder",
            {"montants_pris_en_charge": {"npec": "6795.83", "hebergement": "250"}, "numero_depot": numero_depot},
        ),
    ):
        response = opco.post(
            f"/api/v1/opco/dossiers/{numero_interne}/{path}", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200, response.json()


def test_a_rupture_through_the_norm_and_again(cfa, employeur, opco):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa))
    _engage(opco, out["numeroInterne"])
    debut = cfa.client.dossier(out["numeroInterne"])["cerfa"]["contrat"]["dateDebutContrat"]
    rupture = {
        "numeroInterne": out["numeroInterne"],
        "dateRupture": debut,
        "motifRupture": 3,
        "formationPoursuivie": True,
    }

    answer = cfa.client.rupture(rupture)
    assert answer["etat"] == "RUPTU" and answer["dateRupture"] == debut
    assert cfa.client.rupture(rupture) == answer
    assert cfa.client.last_headers["Idempotent-Replayed"] == "true"
    log = TransitionLog.objects.get(dossier_id=out["numeroInterne"], transition="declarer_rupture")
    assert log.details["initiateur"] == "employeur" and log.channel == "norme"
    assert cfa.client.dossier(out["numeroInterne"])["cerfa"]["contrat"]["dateRupture"] == debut


def test_a_rupture_with_bad_fields_names_them(cfa, employeur, opco):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa))
    _engage(opco, out["numeroInterne"])
    with pytest.raises(NormError) as refused:
        cfa.client.rupture({"numeroInterne": out["numeroInterne"], "dateRupture": "hier", "motifRupture": 42})
    assert refused.value.status == 400
    assert refused.value.champs == {"dateRupture"}
    with pytest.raises(NormError) as refused:
        cfa.client.rupture(
            {"numeroInterne": out["numeroInterne"], "dateRupture": "2026-12-24T00:00:00+01:00", "motifRupture": 42}
        )
    assert refused.value.champs == {"motifRupture"}
    assert Dossier.objects.get(pk=out["numeroInterne"]).etat == EtatDossier.ACCORDE


def _convention(cfa, employeur, numero_interne: str) -> dict:
    return {
        "numeroInterneDossier": numero_interne,
        "employeur": {"siret": employeur.siret},
        "organismeFormation": {"siret": cfa.etab.siret, "uaiCfa": cfa.etab.uai},
        "couts": {"coutTotalPedagogieCFA": 12500.5, "nombreRepasTotaux": 120, "mentionMobiliteInternationale": False},
        "mandatEmployeur": True,
        "dateSignature": "2026-11-30T23:00:00+00:00",
        "attestationConventionSigneeEntreprise": True,
        "attestationConventionSigneeCFA": True,
    }


def test_a_convention_is_stored_with_its_pdf_as_a_piece_of_the_dossier(cfa, employeur):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa))

    answer = cfa.client.deposer_convention(_convention(cfa, employeur, out["numeroInterne"]), PDF, idempotency_key="c1")

    convention = Convention.objects.get()
    assert answer == {
        "numeroInterneDossier": out["numeroInterne"],
        "numeroInterneConvention": str(convention.pk),
        "numeroInterneDocument": str(convention.piece_id),
    }
    assert convention.dossier_id == int(out["numeroInterne"])
    assert str(convention.cout_total_pedagogie) == "12500.50" and convention.date_signature.isoformat() == "2026-12-01"
    assert convention.client["logiciel"] == cfa.client.logiciel
    assert convention.piece.dossier_id == convention.dossier_id and convention.piece.fichier.read() == PDF
    assert (
        cfa.client.deposer_convention(_convention(cfa, employeur, out["numeroInterne"]), PDF, idempotency_key="c1")
        == answer
    )
    assert Convention.objects.count() == 1 and PieceJointe.objects.count() == 1


def test_a_convention_of_another_employer_or_cfa_is_refused(cfa, employeur):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa))
    convention = _convention(cfa, employeur, out["numeroInterne"])
    convention["employeur"]["siret"] = cfa.etab.siret
    convention["organismeFormation"]["siret"] = employeur.siret
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_convention(convention, PDF)
    assert refused.value.status == 400
    assert refused.value.champs == {"convention.employeur.siret", "convention.organismeFormation.siret"}
    assert not Convention.objects.exists() and not PieceJointe.objects.exists()


def test_a_document_is_attached_to_each_object(cfa, employeur):
    a = cfa.client.deposer_contrat(contrat(employeur, cfa))
    b = cfa.client.deposer_contrat(
        contrat(
            employeur,
            cfa,
            apprenti__nom="DURAND",
            contrat__typeContratApp=21,
            contrat__numeroContratPrecedent="076202209037237",
        )
    )
    payload = {
        "typeFichier": "cerfa",
        "objets": [
            {"typeObjet": "dossier", "idObjet": a["numeroInterne"]},
            {"typeObjet": "dossier", "idObjet": b["numeroInterne"]},
        ],
    }

    answer = cfa.client.post_multipart("/v1/documents", "document", payload, PDF)

    pieces = list(PieceJointe.objects.order_by("pk"))
    assert [p.dossier_id for p in pieces] == [int(a["numeroInterne"]), int(b["numeroInterne"])]
    assert answer == {
        "numeroInterneDocument": str(pieces[0].pk),
        "numerosInternesDocument": [str(p.pk) for p in pieces],
    }


def test_the_norms_own_fields_are_kept(cfa, employeur):
    cerfa = contrat(employeur, cfa)
    cerfa["employeur"].update({"nom": "LEROY", "prenom": "Anne"})
    cerfa["organismeFormation"]["visaCfa"] = True

    out = cfa.client.deposer_contrat(cerfa)

    stored = Dossier.objects.get(pk=out["numeroInterne"]).donnees
    assert (stored["employeur"]["nom"], stored["organismeFormation"]["visaCfa"]) == ("LEROY", True)
    read = cfa.client.dossier(out["numeroInterne"])["cerfa"]
    assert read["employeur"]["prenom"] == "Anne" and "synthese" not in read
