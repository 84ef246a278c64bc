"""Rights: a key reaches only the contracts whose CFA SIRET is its own — another's dossier does not exist for it
(404 when named, absent from lists and feeds, never counted). Feeds: an OPCO change made in the back office or
through /api/v1/opco shows in the norm's state feed at once; pages of 100, oldest first, with a window of change."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import Dossier, TransitionLog
from tests.cfa.conftest import BASE_URL, PDF, contrat
from tests.cfa.norm_client import NormError
from tests.factories import DossierFactory


@pytest.fixture
def deux_cfa(cfa, autre_cfa, employeur):
    mine = cfa.client.deposer_contrat(contrat(employeur, cfa))
    theirs = autre_cfa.client.deposer_contrat(contrat(employeur, autre_cfa))
    return mine, theirs


def test_another_cfas_dossier_does_not_exist_for_a_key(cfa, deux_cfa):
    mine, theirs = deux_cfa
    for version in ("v1", "v2"):
        with pytest.raises(NormError) as refused:
            cfa.client.dossier(theirs["numeroInterne"], version=version)
        assert refused.value.status == 404 and refused.value.codes == {"introuvable"}
    assert [e["numeroInterne"] for e in cfa.client.etats_dossiers()] == [mine["numeroInterne"]]
    body = cfa.client.get("/v2/dossiers/etats", numeroPage=1)
    assert body["total"] == 1 and body["count"] == 1
    listed = cfa.client.get("/v1/dossiers/liste", numerosInternes=f"{theirs['numeroInterne']},{mine['numeroInterne']}")
    assert [d["cerfa"]["numeroInterne"] for d in listed] == [mine["numeroInterne"]]


def test_a_key_cannot_act_on_another_cfas_dossier(cfa, autre_cfa, employeur, deux_cfa):
    _, theirs = deux_cfa
    with pytest.raises(NormError) as refused:
        cfa.client.rupture({"numeroInterne": theirs["numeroInterne"], "dateRupture": "2026-12-24", "motifRupture": 3})
    assert refused.value.status == 404
    convention = {"numeroInterneDossier": theirs["numeroInterne"], "employeur": {"siret": employeur.siret}}
    with pytest.raises(NormError) as refused:
        cfa.client.deposer_convention(convention, PDF)
    assert refused.value.status == 404
    document = {"typeFichier": "cerfa", "objets": [{"typeObjet": "dossier", "idObjet": theirs["numeroInterne"]}]}
    with pytest.raises(NormError) as refused:
        cfa.client.post_multipart("/v1/documents", "document", document, PDF)
    assert refused.value.status == 404
    assert not Dossier.objects.get(pk=theirs["numeroInterne"]).pieces.exists()


def test_drafts_and_other_dispositifs_are_not_shown(cfa, employeur):
    DossierFactory(of_etablissement=cfa.etab, entreprise=employeur, brouillon=True)
    pro = DossierFactory(of_etablissement=cfa.etab, entreprise=employeur, pro=True)
    shown = DossierFactory(of_etablissement=cfa.etab, entreprise=employeur, accorde=True)

    assert [e["numeroInterne"] for e in cfa.client.etats_dossiers()] == [str(shown.pk)]
    with pytest.raises(NormError) as refused:
        cfa.client.dossier(str(pro.pk))
    assert refused.value.status == 404


def _opco_api(opco, path: str, body: dict | None = None):
    response = opco.post(f"/api/v1/opco/{path}", json.dumps(body or {}), content_type="application/json")
    assert response.status_code == 200, response.json()
    return response.json()


def _etat(cfa, numero_interne: str) -> str:
    return next(e["etat"] for e in cfa.client.etats_dossiers() if e["numeroInterne"] == numero_interne)


def test_changes_made_through_the_opco_api_show_at_once(cfa, employeur, opco):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa))
    numero = out["numeroInterne"]
    assert _etat(cfa, numero) == "TRANSMIS"
    _opco_api(opco, f"dossiers/{numero}/prendre-en-charge")
    assert _etat(cfa, numero) == "EN_COURS_INSTRUCTION"
    _opco_api(
        opco, f"dossiers/{numero}/demander-pieces", {"pieces": ["CONVENTION_FORMATION"], "commentaire": "La convention"}
    )
    assert _etat(cfa, numero) == "EN_COURS_INSTRUCTION"
    assert cfa.client.dossier(numero)["cerfa"]["commentaireEtat"] == "La convention"
    _opco_api(opco, f"dossiers/{numero}/reprendre-instruction")
    _opco_api(
        opco,
        f"dossiers/{numero}/accorder",
        {"montants_pris_en_charge": {"npec": "6795.83"}, "numero_depot": "076202209037237"},
    )
    assert cfa.client.etats_dossiers() == [
        {
            "numeroInterne": numero,
            "numeroExterne": out["numeroExterne"],
            "numeroDeca": "076202209037237",
            "etat": "ENGAGE",
        }
    ]
    _opco_api(opco, f"dossiers/{numero}/cloturer")
    assert _etat(cfa, numero) == "SOLDE"


def test_changes_made_in_the_back_office_show_at_once(cfa, employeur, opco):
    out = cfa.client.deposer_contrat(contrat(employeur, cfa))
    numero = out["numeroInterne"]

    def admin(name: str, data: dict):
        response = opco.post(reverse("admin:cases_dossier_transition", args=[numero, name]), data)
        assert response.status_code == 302, response.context and response.context["form"].errors

    admin("prendre_en_charge", {})
    assert _etat(cfa, numero) == "EN_COURS_INSTRUCTION"
    admin("refuser", {"motif": "CFA_NON_CERTIFIE", "explication": "Certification Qualiopi expirée"})
    assert _etat(cfa, numero) == "REFUSE"
    read = cfa.client.dossier(numero)["cerfa"]
    assert read["etat"] == "REFUSE"
    assert "Qualiopi" in read["commentaireEtat"]
    log = TransitionLog.objects.filter(dossier_id=numero).latest("pk")
    assert log.channel == "admin"


def test_states_are_paged_by_100_oldest_first(cfa, employeur):
    dossiers = DossierFactory.create_batch(230, of_etablissement=cfa.etab, entreprise=employeur, financement=False)
    pages = [cfa.client.get("/v2/dossiers/etats", numeroPage=n) for n in (1, 2, 3, 4)]

    assert [(p["total"], p["count"], p["page"]) for p in pages] == [
        (230, 100, 1),
        (230, 100, 2),
        (230, 30, 3),
        (230, 0, 4),
    ]
    ids = [e["numeroInterne"] for p in pages for e in p["EtatDossierResult"]]
    assert ids == [str(d.pk) for d in sorted(dossiers, key=lambda d: d.pk)]
    assert len(cfa.client.etats_dossiers(version="v1")) == 230


def test_the_feed_filters_on_the_window_of_change(cfa, employeur, opco):
    old = cfa.client.deposer_contrat(contrat(employeur, cfa))
    recent = cfa.client.deposer_contrat(
        contrat(employeur, cfa, contrat__typeContratApp=21, contrat__numeroContratPrecedent="076202209037237")
    )
    TransitionLog.objects.filter(dossier_id=old["numeroInterne"]).update(created_at=timezone.now() - timedelta(days=10))
    TransitionLog.objects.filter(dossier_id=recent["numeroInterne"]).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    since = (timezone.now() - timedelta(days=5)).isoformat()

    assert [e["numeroInterne"] for e in cfa.client.etats_dossiers(dateDebut=since)] == [recent["numeroInterne"]]
    until = (timezone.localdate() - timedelta(days=5)).isoformat()
    assert [e["numeroInterne"] for e in cfa.client.etats_dossiers(dateFin=until)] == [old["numeroInterne"]]
    _opco_api(opco, f"dossiers/{old['numeroInterne']}/prendre-en-charge")
    assert {e["numeroInterne"] for e in cfa.client.etats_dossiers(dateDebut=since)} == {
        old["numeroInterne"],
        recent["numeroInterne"],
    }


def test_the_feed_reads_in_a_constant_number_of_queries(cfa, employeur, django_assert_max_num_queries):
    DossierFactory.create_batch(150, of_etablissement=cfa.etab, entreprise=employeur, financement=False)
    client = Client()
    with django_assert_max_num_queries(6):
        response = client.get(f"{BASE_URL}/v2/dossiers/etats?numeroPage=2", headers=cfa.client.headers())
    assert response.status_code == 200 and response.json()["count"] == 50


def test_a_key_acts_only_with_the_rights_chosen_at_its_generation(employeur):
    from accounts.models import ApiKey
    from rules.actions import Droit
    from tests.cfa.conftest import Cfa

    cfa = Cfa("CFA AUX DROITS RESTREINTS")
    ApiKey.objects.filter(pk=cfa.key_obj.pk).update(droits=[Droit.DEPOSER_PIECES.value])

    with pytest.raises(NormError) as refused:
        cfa.client.deposer_contrat(contrat(employeur, cfa))
    assert refused.value.status == 403
    assert not Dossier.objects.exists()
    assert cfa.client.etats_dossiers() == []  # reading needs no right beyond the key
