"""The financing of an apprenticeship contract through the services: the amounts requested at
transmission (NPEC, frais annexes), the échéancier built on the accord, invoices against its
échéances (one or several dossiers), their rejection and payment, the avenant and the rupture."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from cases import services
from cases.models import Echeance, Facture, FactureLigne, LigneFinancement, ReferenceNpec, TransitionLog
from cases.services import LigneDemandee, Upload
from common.errors import Conflict, InvalidInput
from rules.cerfa import example_payload
from rules.echeancier import Statut
from rules.remuneration import remuneration_periods
from tests.factories import NOW, PDF_BYTES, EtablissementFactory

PARIS = ZoneInfo("Europe/Paris")
SIGNED = date(2026, 10, 20)  # the contract started on 27/10/2026, a month before NOW (20/11/2026)
pytestmark = pytest.mark.django_db


def fields(exc) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


@pytest.fixture
def npec(db):
    return ReferenceNpec.objects.create(
        rncp="RNCP38216", idcc="0016", montant_annuel=Decimal("9000.00"), date_debut=date(2025, 9, 1)
    )


def transmit(of_actor, of_etab, entreprise, *, signed=SIGNED, now=NOW, **changes):
    payload = example_payload(entreprise.siret, of_etab.siret, signed, uai=of_etab.uai)
    for path, value in changes.items():
        block, key = path.split(".")
        payload.setdefault(block, {})[key] = value
    draft = services.dossier_draft_save(actor=of_actor, payload=payload, now=now)
    return services.dossier_transmit(actor=of_actor, dossier_id=draft.pk, now=now)


def accorde(of_actor, opco_actor, of_etab, entreprise, **kwargs):
    dossier = transmit(of_actor, of_etab, entreprise, **kwargs)
    services.dossier_take_charge(actor=opco_actor, dossier_id=dossier.pk, now=NOW)
    demande = {line.nature: line.montant_demande for line in dossier.financements.all()}
    services.dossier_grant(
        actor=opco_actor,
        dossier_id=dossier.pk,
        montants_pris_en_charge=demande,
        numero_depot="092202611000123",
        now=NOW,
    )
    dossier.refresh_from_db()
    return dossier


def deposit(actor, dossier, *, montant, echeance=1, reference="FAC-1", now=NOW):
    return services.facture_deposit(
        actor=actor,
        dossier_id=dossier.pk,
        reference=reference,
        date_facture=now.date(),
        montant_ht=montant,
        montant_ttc=montant,
        fichier=Upload("facture.pdf", PDF_BYTES),
        echeance_numero=echeance,
        now=now,
    )


# --- Transmission: the « Demandé » --------------------------------------------------------------


def test_transmission_requests_the_npec_in_force_prorated_and_the_frais_annexes(of_actor, of_etab, entreprise, npec):
    """9 000 €/an over the example's 24 months (27/10/2026 → 26/10/2028): 18 000 €; a first equipment of
    350 €, 40 nights (240 €) and 120 meals (360 €)."""
    dossier = transmit(
        of_actor,
        of_etab,
        entreprise,
        **{"couts.montantPremierEquipement": 350, "couts.nombreHebergementTotaux": 40, "couts.nombreRepasTotaux": 120},
    )

    demandes = dict(dossier.financements.values_list("nature", "montant_demande"))
    assert demandes == {
        "npec": Decimal("18000.00"),
        "premier_equipement": Decimal("350.00"),
        "hebergement": Decimal("240.00"),
        "restauration": Decimal("360.00"),
    }
    assert (dossier.npec_annuel, dossier.npec_source) == (Decimal("9000.00"), "referentiel")
    assert dossier.journal.get(transition="transmettre").details["montants_demandes"]["npec"] == "18000.00"


def test_without_a_npec_for_the_pair_the_level_s_amorcage_applies(of_actor, of_etab, entreprise):
    """No row for RNCP38216 × 0016: a CAP (level 3) takes the 2022 amorçage, 5 470 €/an → 10 940 €."""
    dossier = transmit(of_actor, of_etab, entreprise)

    assert (dossier.npec_annuel, dossier.npec_source) == (Decimal("5470.00"), "amorcage")
    assert dossier.financements.get(nature="npec").montant_demande == Decimal("10940.00")


def test_frais_annexes_beyond_their_limits_refuse_the_transmission(of_actor, of_etab, entreprise, npec):
    with pytest.raises(InvalidInput) as exc:
        transmit(
            of_actor,
            of_etab,
            entreprise,
            **{"couts.montantPremierEquipement": 600, "couts.montantMajorationRQTH": 1000},
        )
    assert set(fields(exc)) == {"couts.montantPremierEquipement", "couts.montantMajorationRQTH"}
    assert "500,00 €" in fields(exc)["couts.montantPremierEquipement"]
    assert not LigneFinancement.objects.exists()


# --- The two clocks / SMIC bugs ------------------------------------------------------------------------


def test_a_contract_signed_today_transmits_at_00_30_paris(of_actor, of_etab, entreprise):
    """At 00:30 in Paris it is still yesterday in UTC: the transmission takes the Paris date, as the
    verification does (a contract signed on the day was refused as « signed in the future »)."""
    half_past_midnight = datetime(2026, 11, 20, 0, 30, tzinfo=PARIS)
    dossier = transmit(of_actor, of_etab, entreprise, signed=date(2026, 11, 20), now=half_past_midnight)
    assert dossier.etat == "transmis"


def test_an_avenant_made_at_00_30_paris_on_the_effect_date(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    half_past_midnight = datetime(2026, 11, 21, 0, 30, tzinfo=PARIS)
    avenant = services.dossier_avenant_create(
        actor=of_actor,
        dossier_id=dossier.pk,
        payload={**dossier.donnees, "contrat": {**dossier.donnees["contrat"], "dateConclusion": "2026-11-21"}},
        motif="Nouvelle conclusion",
        type_avenant=36,
        date_effet=date(2026, 11, 21),
        now=half_past_midnight,
    )
    assert avenant.version == 2


# --- The échéancier on the accord ----------------------------------------------------------------


def test_the_accord_builds_the_echeancier(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)

    echeances = list(dossier.echeances.order_by("numero"))
    assert [e.codification for e in echeances] == [f"E{n}" for n in range(1, 9)]
    assert sum(e.montant_total for e in echeances) == Decimal("18000.00")
    assert [(e.date_ouverture, e.montant_total) for e in echeances[:4]] == [
        (date(2026, 10, 27), Decimal("3600.00")),
        (date(2027, 4, 27), Decimal("2700.00")),
        (date(2027, 7, 27), Decimal("1800.00")),
        (date(2027, 10, 27), Decimal("900.00")),
    ]
    assert echeances[0].statut(NOW.date()) is Statut.A_FACTURER and echeances[1].statut(NOW.date()) is Statut.A_VENIR
    log = dossier.journal.get(transition="calculer_echeancier")
    assert log.details["engagement"] == "18000.00" and log.reason == "Accord de financement"
    assert dossier.echeancier_regime == "decret_2025_585" and dossier.participation_employeur == 0


def test_a_level_6_contract_deducts_the_employer_participation(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise, **{"formation.typeDiplome": 62})

    first = dossier.echeances.get(numero=1)
    assert dossier.participation_employeur == Decimal("750.00") and first.montant_total == Decimal("2850.00")
    assert sum(e.montant_total for e in dossier.echeances.all()) == Decimal("17250.00")


# --- Invoices against échéances ----------------------------------------------------------------------


def test_invoice_the_first_echeance_then_validate_and_pay(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)

    facture = deposit(of_actor, dossier, montant=Decimal("3600.00"))

    e1 = dossier.echeances.get(numero=1)
    assert (e1.montant_en_instruction, e1.statut(NOW.date())) == (Decimal("3600.00"), Statut.EN_INSTRUCTION)
    [line] = facture.lignes.all()
    assert (line.dossier_id, line.echeance_id, line.montant, line.nature) == (
        dossier.pk,
        e1.pk,
        Decimal("3600.00"),
        "pedagogie",
    )
    assert dossier.journal.get(transition="facturer_echeance").details["echeances"] == [
        {"codification": "E1", "montant": "3600.00"}
    ]

    services.facture_instruct(actor=opco_actor, facture_id=facture.pk, now=NOW)
    services.facture_validate(actor=opco_actor, facture_id=facture.pk, now=NOW)
    services.reglement_create(
        actor=opco_actor, facture_ids=[facture.pk], date_paiement=NOW.date(), reference_virement="VIR-1", now=NOW
    )

    e1.refresh_from_db()
    assert (e1.montant_regle, e1.montant_en_instruction) == (Decimal("3600.00"), Decimal("0.00"))
    assert e1.statut(NOW.date()) is Statut.PAYEE
    assert dossier.echeances.get(numero=2).statut(NOW.date()) is Statut.A_VENIR
    assert dossier.journal.filter(transition="regler_echeance").count() == 1


def test_an_invoice_above_the_rest_or_before_the_opening_is_refused_with_the_reason(
    of_actor, opco_actor, of_etab, entreprise, npec, settings
):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    deposit(of_actor, dossier, montant=Decimal("1000.00"))

    with pytest.raises(InvalidInput) as above:
        deposit(of_actor, dossier, montant=Decimal("2600.01"), reference="FAC-2")
    assert fields(above) == {"montant_ht": "Le montant dépasse le reste à facturer de l'échéance (2 600,00 €)."}
    with pytest.raises(InvalidInput) as early:
        deposit(of_actor, dossier, montant=Decimal("100.00"), echeance=2, reference="FAC-3")
    assert fields(early) == {"echeance": "Cette échéance ne peut être facturée qu'à partir du 27/04/2027."}
    with pytest.raises(InvalidInput) as missing:
        deposit(of_actor, dossier, montant=Decimal("100.00"), echeance=None, reference="FAC-4")
    assert fields(missing) == {"echeance": "Choisissez l'échéance facturée de l'échéancier du dossier."}

    assert Facture.objects.count() == 1
    assert dossier.echeances.get(numero=1).montant_en_instruction == Decimal("1000.00")


def test_the_rest_is_invoiced_once_opened(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    later = datetime(2027, 4, 27, 9, 0, tzinfo=PARIS)

    deposit(of_actor, dossier, montant=Decimal("2700.00"), echeance=2, now=later)

    assert dossier.echeances.get(numero=2).statut(later.date()) is Statut.EN_INSTRUCTION


def test_a_rejected_invoice_releases_its_echeance(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    facture = deposit(of_actor, dossier, montant=Decimal("3600.00"))

    services.facture_instruct(actor=opco_actor, facture_id=facture.pk, now=NOW)
    services.facture_reject(
        actor=opco_actor, facture_id=facture.pk, motif="MONTANT_SUPERIEUR_ACCORD", explication="Montant erroné", now=NOW
    )

    e1 = dossier.echeances.get(numero=1)
    assert e1.montant_en_instruction == 0 and e1.statut(NOW.date()) is Statut.A_FACTURER
    assert dossier.journal.filter(transition="liberer_echeance").exists()
    deposit(of_actor, dossier, montant=Decimal("3600.00"), reference="FAC-2")  # invoiced again


def test_frais_annexes_are_invoiced_within_the_accord(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise, **{"couts.montantPremierEquipement": 350})
    common = {
        "actor": of_actor,
        "emetteur_id": of_etab.pk,
        "date_facture": NOW.date(),
        "fichier": Upload("f.pdf", PDF_BYTES),
        "now": NOW,
    }
    with pytest.raises(InvalidInput) as exc:
        services.facture_deposit_lignes(
            **common,
            reference="EQ-1",
            montant_ttc=Decimal("400"),
            lignes=[LigneDemandee(dossier.pk, Decimal("400"), nature="premier_equipement")],
        )
    assert fields(exc) == {"lignes[0].montant": "Le montant dépasse ce qui reste à facturer pour ces frais (350,00 €)."}

    facture = services.facture_deposit_lignes(
        **common,
        reference="EQ-2",
        montant_ttc=Decimal("3950"),
        lignes=[
            LigneDemandee(dossier.pk, Decimal("3600"), echeance_numero=1),
            LigneDemandee(dossier.pk, Decimal("350"), nature="premier_equipement", echeance_numero=1),
        ],
    )
    assert facture.montant_ht == Decimal("3950.00")
    assert dossier.echeances.get(numero=1).montant_en_instruction == Decimal("3600.00")


# --- One invoice, several dossiers (the norm's POST /v1/factures) ------------------------------------


def test_one_invoice_covers_several_dossiers_of_the_same_emetteur(of_actor, opco_actor, of_etab, entreprise, npec):
    first = accorde(of_actor, opco_actor, of_etab, entreprise)
    second = accorde(of_actor, opco_actor, of_etab, entreprise)

    facture = services.facture_deposit_lignes(
        actor=of_actor,
        emetteur_id=of_etab.pk,
        reference="CFA-2026-118",
        date_facture=NOW.date(),
        montant_ttc=Decimal("5000.00"),
        lignes=[
            LigneDemandee(first.pk, Decimal("3600.00"), echeance_numero=1),
            LigneDemandee(second.pk, Decimal("1400.00"), echeance_numero=1),
        ],
        fichier=Upload("facture.pdf", PDF_BYTES),
        now=NOW,
    )

    assert (facture.dossier_id, facture.montant_ht, facture.emetteur_id) == (first.pk, Decimal("5000.00"), of_etab.pk)
    assert list(facture.lignes.values_list("dossier_id", "montant")) == [
        (first.pk, Decimal("3600.00")),
        (second.pk, Decimal("1400.00")),
    ]
    assert second.echeances.get(numero=1).montant_en_instruction == Decimal("1400.00")
    assert TransitionLog.objects.filter(transition="facturer_echeance").count() == 2


def test_every_line_is_checked_and_nothing_is_written_when_one_is_refused(
    of_actor, opco_actor, of_etab, entreprise, npec, other_actor, settings
):
    mine = accorde(of_actor, opco_actor, of_etab, entreprise)
    other_of = EtablissementFactory()
    foreign = accorde(services_actor_for(other_of), opco_actor, other_of, EtablissementFactory(entreprise=True))

    with pytest.raises(InvalidInput) as exc:
        services.facture_deposit_lignes(
            actor=of_actor,
            emetteur_id=of_etab.pk,
            reference="CFA-X",
            date_facture=NOW.date(),
            montant_ttc=Decimal("9999"),
            lignes=[
                LigneDemandee(mine.pk, Decimal("100.00"), echeance_numero=1),
                LigneDemandee(foreign.pk, Decimal("100.00"), echeance_numero=1),
                LigneDemandee(mine.pk, Decimal("3600.00"), echeance_numero=1),
            ],
            fichier=Upload("facture.pdf", PDF_BYTES),
            now=NOW,
        )

    assert fields(exc) == {
        "lignes[1].dossier": "Dossier introuvable.",
        "lignes[2].montant": "Le montant dépasse le reste à facturer de l'échéance (3 600,00 €).",
    }
    assert not Facture.objects.exists() and not FactureLigne.objects.exists()
    assert mine.echeances.get(numero=1).montant_en_instruction == 0
    assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else True


def services_actor_for(etab):
    from tests.factories import actor_for, of_user

    user, _ = of_user(etab)
    return actor_for(user)


def test_a_dossier_of_another_emetteur_of_the_same_user_is_refused(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    with pytest.raises(InvalidInput) as exc:
        services.facture_deposit_lignes(
            actor=opco_actor,
            emetteur_id=EtablissementFactory().pk,
            reference="X",
            date_facture=NOW.date(),
            montant_ttc=Decimal("10"),
            lignes=[LigneDemandee(dossier.pk, Decimal("10"), echeance_numero=1)],
            fichier=Upload("facture.pdf", PDF_BYTES),
            now=NOW,
        )
    assert "n'a pas été déposé par l'émetteur de la facture" in fields(exc)["lignes[0].dossier"]


def test_the_same_reference_twice_is_a_conflict(of_actor, opco_actor, of_etab, entreprise, npec):
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    deposit(of_actor, dossier, montant=Decimal("100"))
    with pytest.raises(Conflict):
        deposit(of_actor, dossier, montant=Decimal("100"))
    assert dossier.echeances.get(numero=1).montant_en_instruction == Decimal("100.00")


# --- Rupture and avenant --------------------------------------------------------------------------


def test_a_rupture_recomputes_at_its_date_and_keeps_what_was_paid(of_actor, opco_actor, of_etab, entreprise, npec):
    """Started 27/10/2026, broken on 5/12/2026 (day 40): 9 000 × 40/365 = 986,30 € engaged; E1 was
    invoiced 3 600 € (in instruction): it is now 986,30 €, the rest of the schedule is gone."""
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    deposit(of_actor, dossier, montant=Decimal("3600.00"))

    services.dossier_declare_rupture(
        actor=of_actor,
        dossier_id=dossier.pk,
        date_rupture=date(2026, 12, 5),
        motif="3",
        initiateur="commun",
        formation_poursuivie=True,
        now=NOW + timedelta(days=20),
    )

    [e1] = Echeance.objects.filter(dossier=dossier).order_by("numero")
    assert (e1.montant_total, e1.montant_en_instruction) == (Decimal("986.30"), Decimal("3600.00"))
    assert e1.statut(NOW.date()) is Statut.EN_INSTRUCTION and e1.reste_a_facturer == 0
    log = dossier.journal.filter(transition="calculer_echeancier").latest("pk")
    assert log.details["engagement"] == "986.30" and "Rupture" in log.reason


def test_an_accorded_avenant_takes_the_echeances_with_what_was_paid(of_actor, opco_actor, of_etab, entreprise, npec):
    """The avenant extends the contract by 2 months (to 26/12/2028): the third year of execution
    (27/10/2028 → 26/10/2029) has 365 days, 61 covered: 9 000 × 61/365 = 1 504,11 €."""
    dossier = accorde(of_actor, opco_actor, of_etab, entreprise)
    facture = deposit(of_actor, dossier, montant=Decimal("3600.00"))
    services.facture_instruct(actor=opco_actor, facture_id=facture.pk, now=NOW)
    services.facture_validate(actor=opco_actor, facture_id=facture.pk, now=NOW)
    services.reglement_create(
        actor=opco_actor, facture_ids=[facture.pk], date_paiement=NOW.date(), reference_virement="V", now=NOW
    )
    contrat = {**dossier.donnees["contrat"], "dateFinContrat": "2028-12-26"}
    contrat["remunerationsAnnuelles"] = [
        p.as_payload()
        for p in remuneration_periods(
            date_naissance=date.fromisoformat(dossier.donnees["apprenti"]["dateNaissance"]),
            date_debut_contrat=date(2026, 10, 27),
            date_fin_contrat=date(2028, 12, 26),
        )
    ]
    payload = {**dossier.donnees, "contrat": contrat}
    payload["formation"] = {**payload["formation"], "dateFinFormation": "2028-11-30"}
    avenant = services.dossier_avenant_create(
        actor=of_actor,
        dossier_id=dossier.pk,
        payload=payload,
        motif="Prolongation",
        type_avenant=36,
        date_effet=date(2026, 12, 1),
        now=NOW,
    )
    assert avenant.financements.get(nature="npec").montant_demande == Decimal("19504.11")
    services.dossier_take_charge(actor=opco_actor, dossier_id=avenant.pk, now=NOW)
    services.dossier_grant(
        actor=opco_actor, dossier_id=avenant.pk, montants_pris_en_charge={"npec": Decimal("19504.11")}, now=NOW
    )

    assert not Echeance.objects.filter(dossier=dossier).exists()
    echeances = list(avenant.echeances.order_by("numero"))
    assert sum(e.montant_total for e in echeances) == Decimal("19504.11")
    assert (echeances[0].montant_regle, echeances[0].statut(NOW.date())) == (Decimal("3600.00"), Statut.PAYEE)
    assert [(e.codification, e.montant_total) for e in echeances[8:]] == [
        ("E9", Decimal("601.64")),
        ("E10", Decimal("902.47")),
    ]
    assert avenant.journal.get(transition="calculer_echeancier").reason == "Accord de l'avenant"


# --- The batch -------------------------------------------------------------------------------------


def test_the_batch_recomputes_every_echeancier_and_a_second_run_changes_nothing(
    of_actor, opco_actor, of_etab, entreprise, npec
):
    from accounts.actors import Actor, Channel
    from cases.services.echeances import echeanciers_recalculer

    first = accorde(of_actor, opco_actor, of_etab, entreprise)
    second = accorde(of_actor, opco_actor, of_etab, entreprise, **{"formation.typeDiplome": 62})
    deposit(of_actor, first, montant=Decimal("1000.00"))
    Echeance.objects.filter(dossier=second).delete()  # as if computed by older rules
    Echeance.objects.filter(dossier=first, numero=1).update(montant_total=Decimal("1.00"))
    batch = Actor.system("test", channel=Channel.COMMANDE)

    report = echeanciers_recalculer(actor=batch, now=NOW, batch_size=1)

    assert (report.dossiers, report.modifies, report.echeances_creees, report.echeances_modifiees) == (2, 2, 8, 1)
    assert first.echeances.get(numero=1).montant_total == Decimal("3600.00")
    assert first.echeances.get(numero=1).montant_en_instruction == Decimal("1000.00")  # kept
    assert second.echeances.get(numero=1).montant_total == Decimal("2850.00")  # 750 € participation
    log = second.journal.filter(transition="calculer_echeancier").latest("pk")
    assert (log.channel, log.details["echeances"], log.target) == ("commande", 8, "accorde")

    again = echeanciers_recalculer(actor=batch, now=NOW)
    assert (again.dossiers, again.modifies, again.echeances_creees, again.echeances_modifiees) == (2, 0, 0, 0)
