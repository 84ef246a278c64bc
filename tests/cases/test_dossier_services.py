import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from accounts.actors import Actor, Channel
from cases import services
from cases.models import Courrier, Dossier, PieceJointe, TransitionLog
from cases.services import Upload
from cases.signals import courriers_requested
from common.errors import Conflict, Forbidden, InvalidInput, NotFound
from rules.lifecycles import Dispositif, EtatDossier
from tests.factories import PDF_BYTES, DossierFactory, EtablissementFactory, cerfa_payload, of_user

pytestmark = pytest.mark.django_db
E = EtatDossier


def problems_of(exc_info):
    return {p.field: p.message for p in exc_info.value.problems}


class TestDrafts:
    def test_a_draft_needs_only_the_two_sirets(self, of_actor, of_etab, entreprise, now):
        payload = cerfa_payload(employeur=entreprise, of=of_etab, complete=False)

        dossier = services.dossier_draft_save(actor=of_actor, payload=payload, now=now)

        assert dossier.etat == E.BROUILLON and dossier.numero is None
        assert dossier.reference == "brouillon"
        log = dossier.journal.get()
        assert (log.transition, log.source, log.target, log.channel) == ("creer_brouillon", "", E.BROUILLON, "api")

    def test_a_draft_keeps_overlong_text_in_its_cerfa_and_cuts_only_its_list_columns(
        self, of_actor, of_etab, entreprise, now
    ):
        payload = cerfa_payload(employeur=entreprise, of=of_etab, complete=False)
        payload.setdefault("formation", {})["intituleQualification"] = "x" * 5000
        payload.setdefault("apprenti", {})["nom"] = "N" * 300

        dossier = services.dossier_draft_save(actor=of_actor, payload=payload, now=now)

        dossier.refresh_from_db()
        assert dossier.formation_intitule == "x" * 255 and dossier.salarie_nom == "N" * 80
        assert dossier.donnees["formation"]["intituleQualification"] == "x" * 5000

    def test_a_draft_without_the_sirets_is_refused_field_by_field(self, of_actor, now):
        with pytest.raises(InvalidInput) as exc:
            services.dossier_draft_save(actor=of_actor, payload={"employeur": {"siret": "123"}}, now=now)

        assert problems_of(exc) == {
            "employeur.siret": "Le SIRET doit comporter exactement 14 chiffres.",
            "organismeFormation.siret": "Le SIRET est obligatoire.",
        }
        assert not Dossier.objects.exists()

    def test_a_public_employer_is_refused_with_the_reason(self, of_actor, of_etab, now):
        commune = EtablissementFactory(public=True)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_draft_save(actor=of_actor, payload=cerfa_payload(employeur=commune, of=of_etab), now=now)

        assert "secteur public" in problems_of(exc)["employeur.siret"]

    def test_a_cfa_siret_outside_the_users_etablissements_is_refused(self, other_actor, of_etab, entreprise, now):
        with pytest.raises(InvalidInput) as exc:
            services.dossier_draft_save(
                actor=other_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab), now=now
            )

        assert "organismeFormation.siret" in problems_of(exc)

    def test_without_the_right_to_enter_contracts_it_is_forbidden(self, of_etab, entreprise, now):
        user, _ = of_user(of_etab, droits=["deposer_factures"])

        with pytest.raises(Forbidden):
            services.dossier_draft_save(
                actor=Actor.for_user(user), payload=cerfa_payload(employeur=entreprise, of=of_etab), now=now
            )

    def test_update_then_delete_with_confirmation(self, of_actor, of_etab, entreprise, now):
        dossier = services.dossier_draft_save(
            actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab, complete=False), now=now
        )
        services.dossier_draft_save(
            actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab), dossier_id=dossier.pk, now=now
        )
        dossier.refresh_from_db()
        assert dossier.salarie_nom == "MARTIN"

        with pytest.raises(InvalidInput):
            services.dossier_draft_delete(actor=of_actor, dossier_id=dossier.pk, confirm=False)
        services.dossier_draft_delete(actor=of_actor, dossier_id=dossier.pk, confirm=True)

        assert not Dossier.objects.filter(pk=dossier.pk).exists()

    def test_a_transmitted_dossier_is_no_longer_a_draft(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab)

        with pytest.raises(Conflict):
            services.dossier_draft_delete(actor=of_actor, dossier_id=dossier.pk, confirm=True)


class TestTransmission:
    def test_transmission_numbers_the_dossier_and_requests_an_acknowledgement(
        self, of_actor, of_etab, entreprise, now, django_capture_on_commit_callbacks
    ):
        draft = services.dossier_draft_save(
            actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab), now=now
        )
        received = []
        courriers_requested.connect(lambda **kw: received.extend(kw["courrier_ids"]), weak=False, dispatch_uid="t")

        with django_capture_on_commit_callbacks(execute=True):
            dossier = services.dossier_transmit(
                actor=of_actor,
                dossier_id=draft.pk,
                now=now,
                montants_demandes={"npec": Decimal("6795.83"), "premier_equipement": Decimal("500")},
            )

        courriers_requested.disconnect(dispatch_uid="t")
        assert dossier.etat == E.TRANSMIS and dossier.numero >= 3_000_000 and dossier.reference.endswith(".1")
        courrier = Courrier.objects.get(dossier=dossier)
        assert (courrier.type, courrier.destinataire, courrier.statut) == ("accuse_reception", "of", "demande")
        assert received == [courrier.pk]
        assert {f.nature: f.montant_demande for f in dossier.financements.all()} == {
            "npec": Decimal("6795.83"),
            "premier_equipement": Decimal("500.00"),
        }

    def test_a_non_subrogated_draft(self, of_actor, of_etab, entreprise, now):
        draft = services.dossier_draft_save(
            actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab), now=now, subroge=False
        )

        assert draft.subroge is False

    def test_numbers_are_consecutive(self, of_actor, of_etab, entreprise, now):
        numbers = []
        for _ in range(3):
            draft = services.dossier_draft_save(
                actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab), now=now
            )
            numbers.append(services.dossier_transmit(actor=of_actor, dossier_id=draft.pk, now=now).numero)

        assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]

    def test_an_incomplete_draft_is_not_transmitted_and_stays_a_draft(self, of_actor, of_etab, entreprise, now):
        draft = services.dossier_draft_save(
            actor=of_actor, payload=cerfa_payload(employeur=entreprise, of=of_etab, complete=False), now=now
        )

        with pytest.raises(InvalidInput) as exc:
            services.dossier_transmit(actor=of_actor, dossier_id=draft.pk, now=now)

        assert "apprenti.nom" in problems_of(exc)
        draft.refresh_from_db()
        assert draft.etat == E.BROUILLON and draft.numero is None
        assert not Courrier.objects.exists()


class TestInstruction:
    def test_the_whole_path_to_accord_is_logged(self, opco_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab)

        services.dossier_take_charge(actor=opco_actor, dossier_id=dossier.pk, now=now)
        services.dossier_request_pieces(
            actor=opco_actor, dossier_id=dossier.pk, pieces=["CONVENTION_FORMATION"], commentaire="", now=now
        )
        services.dossier_resume(actor=opco_actor, dossier_id=dossier.pk, now=now)
        services.dossier_grant(
            actor=opco_actor,
            dossier_id=dossier.pk,
            montants_pris_en_charge={"npec": Decimal("6795.83"), "premier_equipement": Decimal("500")},
            now=now,
        )

        dossier.refresh_from_db()
        assert dossier.etat == E.ACCORDE and dossier.decided_at == now
        journal = list(dossier.journal.order_by("pk").values_list("transition", "source", "target", "channel"))
        assert journal == [
            ("prendre_en_charge", "transmis", "en_cours_de_traitement", "admin"),
            ("demander_pieces", "en_cours_de_traitement", "en_attente_de_pieces", "admin"),
            ("reprendre_instruction", "en_attente_de_pieces", "en_cours_de_traitement", "admin"),
            ("accorder", "en_cours_de_traitement", "accorde", "admin"),
            ("calculer_echeancier", "", "accorde", "admin"),
        ]
        assert dossier.journal.get(transition="demander_pieces").details["pieces"][0]["code"] == "CONVENTION_FORMATION"
        lines = {f.nature: (f.montant_demande, f.montant_pris_en_charge) for f in dossier.financements.all()}
        assert lines == {
            "npec": (Decimal("6795.83"), Decimal("6795.83")),
            "premier_equipement": (Decimal("0.00"), Decimal("500.00")),
        }
        types = sorted(Courrier.objects.filter(dossier=dossier).values_list("type", "destinataire"))
        assert types == [
            ("accord", "entreprise"),
            ("accord", "of"),
            ("demande_pieces", "entreprise"),
            ("demande_pieces", "of"),
        ]

    def test_a_refusal_must_be_motivated(self, opco_actor, now):
        dossier = DossierFactory(en_cours=True)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_refuse(actor=opco_actor, dossier_id=dossier.pk, motif="INCONNU", explication=" ", now=now)

        assert set(problems_of(exc)) == {"motif", "explication"}
        dossier.refresh_from_db()
        assert dossier.etat == E.EN_COURS and not dossier.journal.exists()

    def test_a_transition_not_allowed_in_the_state_is_a_conflict(self, opco_actor, now):
        dossier = DossierFactory()

        with pytest.raises(Conflict, match="Transmis"):
            services.dossier_grant(
                actor=opco_actor, dossier_id=dossier.pk, montants_pris_en_charge={"npec": 1}, now=now
            )

    def test_an_of_user_cannot_instruct(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab)

        with pytest.raises(Forbidden):
            services.dossier_take_charge(actor=of_actor, dossier_id=dossier.pk, now=now)

    def test_cancel_and_close(self, opco_actor, now):
        accorde = DossierFactory(accorde=True)
        other = DossierFactory(accorde=True)

        services.dossier_cancel(actor=opco_actor, dossier_id=accorde.pk, motif="Contrat jamais commencé", now=now)
        services.dossier_close(actor=opco_actor, dossier_id=other.pk, now=now)

        assert Dossier.objects.get(pk=accorde.pk).etat == E.ANNULE
        assert Dossier.objects.get(pk=other.pk).etat == E.SOLDE

    def test_registering_an_entreprise_dossier(self, opco_actor, of_etab, entreprise, now):
        dossier = services.dossier_register(
            actor=opco_actor,
            dispositif=Dispositif.PROFESSIONNALISATION,
            of_etablissement_id=of_etab.pk,
            entreprise_id=entreprise.pk,
            subroge=True,
            salarie={"nom": "MEP", "prenom": "TEST"},
            formation={"intitule": "TP SECRETAIRE COMPTABLE"},
            contrat={"date_debut": date(2026, 8, 27)},
            financements={"cout_pedagogique": Decimal("7497.00")},
            numero_depot="076202209037237",
            now=now,
        )

        assert dossier.etat == E.TRANSMIS and dossier.numero
        assert dossier.journal.get().transition == "enregistrer"
        assert dossier.financements.get().montant_demande == Decimal("7497.00")

    def test_the_of_cannot_register_and_apprenticeship_is_not_registered(
        self, of_actor, opco_actor, of_etab, entreprise, now
    ):
        kwargs = dict(
            of_etablissement_id=of_etab.pk,
            entreprise_id=entreprise.pk,
            subroge=False,
            salarie={},
            formation={},
            contrat={},
            financements={},
            now=now,
        )
        with pytest.raises(Forbidden):
            services.dossier_register(actor=of_actor, dispositif="pro_a", **kwargs)
        with pytest.raises(InvalidInput) as exc:
            services.dossier_register(actor=opco_actor, dispositif="apprentissage", **kwargs)
        assert set(problems_of(exc)) == {"dispositif", "financements"}

    def test_registration_checks_dates_and_active_parties(self, opco_actor, of_etab, entreprise, now):
        entreprise.actif = False
        entreprise.save()

        with pytest.raises(InvalidInput) as exc:
            services.dossier_register(
                actor=opco_actor,
                dispositif="pro_a",
                of_etablissement_id=of_etab.pk,
                entreprise_id=entreprise.pk,
                subroge=True,
                salarie={},
                formation={"date_debut": date(2026, 9, 1), "date_fin": date(2026, 8, 1)},
                contrat={},
                financements={"cout_pedagogique": Decimal("10")},
                now=now,
            )

        assert set(problems_of(exc)) == {"entreprise", "formation.date_fin"}


class TestPieces:
    def test_several_files_at_once(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab)

        pieces = services.dossier_add_pieces(
            actor=of_actor,
            dossier_id=dossier.pk,
            now=now,
            uploads=[Upload("convention.pdf", PDF_BYTES), Upload("../../etc/photo id.png", b"\x89PNG\r\n\x1a\nxx")],
        )

        assert [p.nom for p in pieces] == ["convention.pdf", "../../etc/photo id.png"]
        assert all(".." not in p.fichier.name for p in pieces)
        # Stored under a random name with the extension of its content; the user's name is metadata (``nom``).
        assert re.fullmatch(r"pieces/2026/\d\d/[0-9a-f]{32}\.png", pieces[1].fichier.name)
        assert "photo" not in pieces[0].fichier.name + pieces[1].fichier.name

    def test_one_bad_file_refuses_all_and_stores_nothing(self, of_actor, of_etab, now, settings):
        dossier = DossierFactory(of_etablissement=of_etab)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_add_pieces(
                actor=of_actor,
                dossier_id=dossier.pk,
                now=now,
                uploads=[Upload("ok.pdf", PDF_BYTES), Upload("virus.exe", b"MZ\x90\x00")],
            )

        assert "fichiers[1]" in problems_of(exc)
        assert not PieceJointe.objects.exists()
        assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*")) if settings.MEDIA_ROOT.exists() else True

    def test_a_failure_after_storing_removes_the_files(self, of_actor, of_etab, now, settings, monkeypatch):
        dossier = DossierFactory(of_etablissement=of_etab)

        def boom(self, *args, **kwargs):
            raise RuntimeError("panne de base")

        monkeypatch.setattr(PieceJointe, "save", boom)
        with pytest.raises(RuntimeError):
            services.dossier_add_pieces(
                actor=of_actor, dossier_id=dossier.pk, now=now, uploads=[Upload("ok.pdf", PDF_BYTES)]
            )

        assert not [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]

    def test_no_pieces_on_a_draft(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, brouillon=True)

        with pytest.raises(Conflict):
            services.dossier_add_pieces(
                actor=of_actor, dossier_id=dossier.pk, now=now, uploads=[Upload("a.pdf", PDF_BYTES)]
            )


class TestAvenantAndRupture:
    def test_an_avenant_is_a_new_version_and_the_previous_follows_its_outcome(self, of_actor, opco_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        avenant = services.dossier_avenant_create(
            actor=of_actor,
            dossier_id=dossier.pk,
            payload=None,
            motif="Changement de maître d'apprentissage",
            now=now,
            type_avenant=36,
            date_effet=date(2027, 1, 15),
        )

        dossier.refresh_from_db()
        assert (avenant.numero, avenant.version, avenant.etat) == (dossier.numero, 2, E.TRANSMIS)
        assert dossier.etat == E.AVENANT_EN_COURS
        services.dossier_take_charge(actor=opco_actor, dossier_id=avenant.pk, now=now)
        services.dossier_grant(actor=opco_actor, dossier_id=avenant.pk, montants_pris_en_charge={"npec": 1}, now=now)
        dossier.refresh_from_db()
        assert dossier.etat == E.REMPLACE
        assert dossier.journal.order_by("pk").last().transition == "remplacer_par_avenant"

    def test_a_refused_avenant_gives_back_the_accord(self, of_actor, opco_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)
        avenant = services.dossier_avenant_create(
            actor=of_actor,
            dossier_id=dossier.pk,
            payload=None,
            motif="Prolongation",
            now=now,
            type_avenant=33,
            date_effet=date(2027, 1, 15),
        )

        services.dossier_refuse(
            actor=opco_actor, dossier_id=avenant.pk, motif="DUREE_NON_CONFORME", explication="Trop long", now=now
        )

        dossier.refresh_from_db()
        assert dossier.etat == E.ACCORDE

    def test_an_avenant_carries_its_type_date_and_the_contract_number(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True, numero_depot="092202611000123")

        avenant = services.dossier_avenant_create(
            actor=of_actor,
            dossier_id=dossier.pk,
            payload=None,
            motif="Prolongation",
            now=now,
            type_avenant=33,
            date_effet=date(2027, 1, 15),
        )

        contrat = avenant.donnees["contrat"]
        assert (contrat["typeContratApp"], contrat["dateEffetAvenant"], contrat["numeroContratPrecedent"]) == (
            33,
            "2027-01-15",
            "092202611000123",
        )
        assert dossier.donnees["contrat"].get("typeContratApp") != 33  # the previous version is untouched

    @pytest.mark.parametrize("kind", [None, 11, 39])
    def test_an_avenant_needs_a_type_from_31_to_38(self, of_actor, of_etab, now, kind):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_avenant_create(
                actor=of_actor, dossier_id=dossier.pk, payload=None, motif="x", now=now, type_avenant=kind
            )

        assert "type_avenant" in problems_of(exc)
        assert Dossier.objects.get(pk=dossier.pk).etat == E.ACCORDE

    def test_an_effect_date_outside_the_contract_is_refused(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_avenant_create(
                actor=of_actor,
                dossier_id=dossier.pk,
                payload=None,
                motif="x",
                now=now,
                type_avenant=36,
                date_effet=date(2020, 1, 1),
            )

        assert "contrat.dateEffetAvenant" in problems_of(exc)

    def test_rupture_needs_its_initiator_and_the_training_follow_up(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_declare_rupture(
                actor=of_actor, dossier_id=dossier.pk, date_rupture=date(2027, 1, 15), motif="3", now=now
            )

        assert set(problems_of(exc)) == {"initiateur", "formation_poursuivie"}

    def test_rupture_declared_by_the_of(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        services.dossier_declare_rupture(
            actor=of_actor,
            dossier_id=dossier.pk,
            date_rupture=date(2027, 1, 15),
            motif="3",
            now=now,
            initiateur="commun",
            formation_poursuivie=True,
        )

        dossier.refresh_from_db()
        assert dossier.etat == E.RUPTURE and dossier.date_rupture == date(2027, 1, 15)
        assert Courrier.objects.filter(dossier=dossier, type="rupture").count() == 2
        details = dossier.journal.get(transition="declarer_rupture").details
        assert (details["initiateur"], details["formation_poursuivie"]) == ("commun", True)

    def test_rupture_date_outside_the_contract_is_refused(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            services.dossier_declare_rupture(
                actor=of_actor, dossier_id=dossier.pk, date_rupture=date(2020, 1, 1), motif="99", now=now
            )

        assert set(problems_of(exc)) == {"date_rupture", "motif"}


class TestTenancy:
    """Another tenant's dossier does not exist, whatever the service."""

    @pytest.mark.parametrize(
        "call",
        [
            lambda a, d, now: services.dossier_transmit(actor=a, dossier_id=d.pk, now=now),
            lambda a, d, now: services.dossier_draft_delete(actor=a, dossier_id=d.pk, confirm=True),
            lambda a, d, now: services.dossier_add_pieces(
                actor=a, dossier_id=d.pk, now=now, uploads=[Upload("a.pdf", PDF_BYTES)]
            ),
            lambda a, d, now: services.dossier_declare_rupture(
                actor=a, dossier_id=d.pk, date_rupture=date(2027, 1, 1), motif="3", now=now
            ),
            lambda a, d, now: services.dossier_avenant_create(
                actor=a, dossier_id=d.pk, payload=None, motif="x", now=now
            ),
        ],
    )
    def test_services_answer_not_found(self, call, other_actor, of_etab, now):
        for dossier in (
            DossierFactory(of_etablissement=of_etab, brouillon=True),
            DossierFactory(of_etablissement=of_etab, accorde=True),
        ):
            with pytest.raises(NotFound), transaction.atomic():
                call(other_actor, dossier, now)

        assert not TransitionLog.objects.exclude(transition__in=["creer_brouillon"]).exists()

    def test_an_inactive_user_sees_nothing(self, of_etab, now):
        user, _ = of_user(of_etab)
        user.is_active = False
        user.save()
        dossier = DossierFactory(of_etablissement=of_etab)

        with pytest.raises(NotFound):
            services.dossier_add_pieces(
                actor=Actor.for_user(user, channel=Channel.API),
                dossier_id=dossier.pk,
                now=now,
                uploads=[Upload("a.pdf", PDF_BYTES)],
            )
