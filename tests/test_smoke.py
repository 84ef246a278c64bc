from cases import services
from rules.lifecycles import EtatDossier
from tests.factories import DossierFactory, cerfa_payload


def test_draft_transmit_and_grant(of_actor, opco_actor, of_etab, entreprise, now):
    dossier = services.dossier_draft_save(
        actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab), now=now
    )
    assert dossier.etat == EtatDossier.BROUILLON
    dossier = services.dossier_transmit(actor=of_actor, dossier_id=dossier.pk, now=now)
    assert dossier.etat == EtatDossier.TRANSMIS and dossier.numero
    services.dossier_take_charge(actor=opco_actor, dossier_id=dossier.pk, now=now)
    d = services.dossier_grant(
        actor=opco_actor, dossier_id=dossier.pk, montants_pris_en_charge={"npec": "100.00"}, now=now
    )
    assert d.etat == EtatDossier.ACCORDE
    assert [e.transition for e in d.journal.order_by("pk")] == [
        "creer_brouillon",
        "transmettre",
        "prendre_en_charge",
        "accorder",
        "calculer_echeancier",  # the accord of an apprenticeship contract stores its échéancier
    ]


def test_factory(db):
    assert DossierFactory(accorde=True).etat == EtatDossier.ACCORDE
