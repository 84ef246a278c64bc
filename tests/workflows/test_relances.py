from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.actors import Actor
from cases.models import Courrier, PieceJointe, TransitionLog
from cases.queues import clocks_at_risk, relances_escalated
from cases.services.relances import relances_enqueue
from tests.factories import DossierFactory, FactureFactory
from workflows.relances import relances

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 27)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


def waiting_dossier(days_ago: int, **kwargs):
    dossier = DossierFactory(en_attente=True, **kwargs)
    TransitionLog.objects.create(
        dossier=dossier,
        transition="demander_pieces",
        source="en_cours_de_traitement",
        target="en_attente_de_pieces",
        actor_label="gestionnaire",
        channel="admin",
        created_at=at(TODAY - timedelta(days=days_ago)),
    )
    return dossier


def relance_count(**target):
    return Courrier.objects.filter(type="relance", destinataire="of", **target).count()


@pytest.mark.django_db
class TestDecision:
    def test_boundary_of_the_delay(self):
        due = waiting_dossier(15)
        not_yet = waiting_dossier(14)

        report = relances_enqueue(today=TODAY, now=at(TODAY, 6))

        assert relance_count(dossier=due) == 1 and relance_count(dossier=not_yet) == 0
        assert report.relances_dossiers == 1

    def test_a_new_piece_resets_the_delay(self):
        dossier = waiting_dossier(30)
        PieceJointe.objects.create(dossier=dossier, nom="a.pdf", fichier="a.pdf", uploaded_at=at(TODAY - timedelta(3)))

        relances_enqueue(today=TODAY, now=at(TODAY, 6))

        assert relance_count(dossier=dossier) == 0

    def test_a_relance_counts_as_activity_and_a_rerun_adds_nothing(self):
        dossier = waiting_dossier(40)

        relances_enqueue(today=TODAY, now=at(TODAY, 6))
        relances_enqueue(
            today=TODAY,
            now=at(
                TODAY,
                6,
            )
            + timedelta(minutes=5),
        )
        relances_enqueue(today=TODAY + timedelta(days=1), now=at(TODAY + timedelta(days=1), 6))

        assert relance_count(dossier=dossier) == 1

    def test_entreprise_dossiers_also_write_to_the_entreprise(self):
        dossier = waiting_dossier(20, pro=True)

        relances_enqueue(today=TODAY, now=at(TODAY, 6))

        assert sorted(Courrier.objects.filter(dossier=dossier).values_list("destinataire", flat=True)) == [
            "entreprise",
            "of",
        ]

    def test_factures_waiting_for_pieces(self):
        facture = FactureFactory(etat="en_attente_de_pieces")
        TransitionLog.objects.create(
            facture=facture,
            transition="demander_pieces",
            source="en_cours_de_traitement",
            target="en_attente_de_pieces",
            actor_label="g",
            channel="admin",
            created_at=at(TODAY - timedelta(22)),
        )

        relances_enqueue(today=TODAY, now=at(TODAY, 6))

        courrier = Courrier.objects.get(facture=facture)
        assert courrier.type == "relance" and courrier.of_etablissement_id == facture.emetteur_id

    def test_escalation_after_two_relances(self):
        dossier = waiting_dossier(60)
        for day in (30, 15):
            relances_enqueue(today=TODAY - timedelta(days=day), now=at(TODAY - timedelta(days=day), 6))

        assert relance_count(dossier=dossier) == 2
        assert list(relances_escalated(actor=Actor.system("t"))) == [dossier]


@pytest.mark.django_db
def test_decision_clocks_at_risk_and_lapsed():
    def transmitted(days_ago, **kw):
        dossier = DossierFactory(**kw)
        TransitionLog.objects.create(
            dossier=dossier,
            transition="transmettre",
            source="brouillon",
            target="transmis",
            actor_label="of",
            channel="api",
            created_at=at(TODAY - timedelta(days_ago)),
        )
        return dossier

    fresh, at_risk, lapsed = transmitted(10), transmitted(16), transmitted(25)
    action = transmitted(25, action=True)  # no legal clock for actions de formation

    clocks = {c.dossier_id: c.clock for c in clocks_at_risk(actor=Actor.system("t"), today=TODAY)}

    assert fresh.pk not in clocks and action.pk not in clocks
    assert clocks[at_risk.pk].at_risk and clocks[at_risk.pk].days_left == 4
    assert clocks[lapsed.pk].lapsed and clocks[lapsed.pk].outcome_if_silent == "refus implicite"


@pytest.mark.django_db(transaction=True)
def test_the_flow_under_prefect(prefect_harness):
    dossier = waiting_dossier(20)

    first = relances(today=TODAY)
    second = relances(today=TODAY)

    assert first["relances_dossiers"] == 1 and second["relances_dossiers"] == 0
    assert relance_count(dossier=dossier) == 1


@pytest.mark.django_db
def test_a_relance_carries_the_date_and_pieces_of_the_request_and_its_rank():
    dossier = waiting_dossier(40)
    TransitionLog.objects.filter(dossier=dossier).update(
        details={"pieces": [{"code": "CERFA_SIGNE", "libelle": "Exemplaire du CERFA signé"}], "commentaire": "Vite"}
    )
    facture = FactureFactory(etat="en_attente_de_pieces")
    TransitionLog.objects.create(
        facture=facture,
        transition="demander_pieces",
        source="en_cours_de_traitement",
        target="en_attente_de_pieces",
        actor_label="g",
        channel="admin",
        details={"pieces": [{"code": "CERTIFICAT_REALISATION", "libelle": "Certificat de réalisation"}]},
        created_at=at(TODAY - timedelta(30)),
    )

    relances_enqueue(today=TODAY - timedelta(days=20), now=at(TODAY - timedelta(days=20), 6))
    relances_enqueue(today=TODAY, now=at(TODAY, 6))

    first, second = Courrier.objects.filter(dossier=dossier, destinataire="of").order_by("created_at")
    assert first.contexte == {
        "date_demande": (TODAY - timedelta(days=40)).isoformat(),
        "pieces": [{"code": "CERFA_SIGNE", "libelle": "Exemplaire du CERFA signé"}],
        "commentaire": "Vite",
        "rang": 1,
    }
    assert second.contexte["rang"] == 2
    on_facture = Courrier.objects.get(facture=facture)
    assert on_facture.contexte["pieces"][0]["libelle"] == "Certificat de réalisation"
    assert on_facture.contexte["date_demande"] == (TODAY - timedelta(days=30)).isoformat()
