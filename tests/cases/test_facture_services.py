from datetime import date
from decimal import Decimal

import pytest

from cases import selectors, services
from cases.models import Courrier, Facture, PieceJointe
from cases.services import Upload
from common.errors import Conflict, Forbidden, InvalidInput, NotFound
from rules.lifecycles import EtatFacture
from tests.factories import PDF_BYTES, DossierFactory, FactureFactory

pytestmark = pytest.mark.django_db
F = EtatFacture


def deposit(actor, dossier, now, **overrides):
    fields = dict(
        reference="52134210241",
        date_facture=date(2026, 10, 25),
        montant_ht="3262.00",
        montant_ttc="3262.00",
        commentaire="Échéance 1",
        fichier=Upload("facture.pdf", PDF_BYTES),
        justificatifs=[],
        now=now,
    )
    fields.update(overrides)
    return services.facture_deposit(actor=actor, dossier_id=dossier.pk, **fields)


def media_files(settings):
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else []


class TestDeposit:
    def test_on_a_subrogated_accorde_dossier(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        facture = deposit(of_actor, dossier, now, justificatifs=[Upload("certificat.pdf", PDF_BYTES)])

        assert facture.etat == F.DEPOSEE and facture.numero >= 2_100_000
        assert facture.emetteur_id == of_etab.pk and facture.montant_ttc == Decimal("3262.00")
        assert facture.pieces.get().nom == "certificat.pdf"
        assert facture.journal.get().transition == "deposer"

    @pytest.mark.parametrize(
        "traits", [{"accorde": True, "non_subroge": True}, {"brouillon": True}, {"en_attente": True}, {}]
    )
    def test_refused_unless_the_dossier_allows_it(self, of_actor, of_etab, now, traits, settings):
        dossier = DossierFactory(of_etablissement=of_etab, **traits)

        with pytest.raises(Conflict):
            deposit(of_actor, dossier, now)

        assert not Facture.objects.exists() and media_files(settings) == []

    def test_the_invoice_must_really_be_a_pdf(self, of_actor, of_etab, now, settings):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            deposit(of_actor, dossier, now, fichier=Upload("facture.pdf", b"<html>pas un pdf</html>"))

        assert [p.field for p in exc.value.problems] == ["fichier"]
        assert not Facture.objects.exists() and media_files(settings) == []

    def test_fields_are_checked_together(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            deposit(
                of_actor,
                dossier,
                now,
                reference=" ",
                date_facture=date(2030, 1, 1),
                montant_ht="abc",
                montant_ttc="-1",
                fichier=None,
            )

        assert {p.field for p in exc.value.problems} == {
            "reference",
            "date_facture",
            "montant_ht",
            "montant_ttc",
            "fichier",
        }

    def test_ttc_below_ht_is_refused(self, of_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(InvalidInput) as exc:
            deposit(of_actor, dossier, now, montant_ht="10.00", montant_ttc="9.00")

        assert exc.value.problems[0].field == "montant_ttc"

    def test_the_same_reference_twice_is_a_conflict_and_leaves_no_file(self, of_actor, of_etab, now, settings):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)
        deposit(of_actor, dossier, now)
        before = media_files(settings)

        with pytest.raises(Conflict):
            deposit(of_actor, dossier, now)

        assert Facture.objects.count() == 1 and media_files(settings) == before

    def test_without_the_right_it_is_forbidden(self, of_etab, now):
        from accounts.actors import Actor
        from tests.factories import of_user

        user, _ = of_user(of_etab, droits=["saisir_contrats"])
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(Forbidden):
            deposit(Actor.for_user(user), dossier, now)

    def test_another_tenant_gets_not_found(self, other_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)

        with pytest.raises(NotFound):
            deposit(other_actor, dossier, now)


class TestInstruction:
    def test_pieces_then_validation(self, opco_actor, of_actor, of_etab, now):
        facture = FactureFactory(dossier=DossierFactory(of_etablissement=of_etab, accorde=True))

        services.facture_instruct(actor=opco_actor, facture_id=facture.pk, now=now)
        services.facture_request_pieces(
            actor=opco_actor, facture_id=facture.pk, pieces=["CERTIFICAT_REALISATION"], commentaire="", now=now
        )
        services.facture_add_pieces(
            actor=of_actor, facture_id=facture.pk, uploads=[Upload("certificat.pdf", PDF_BYTES)], now=now
        )
        services.facture_resume(actor=opco_actor, facture_id=facture.pk, now=now)
        services.facture_validate(actor=opco_actor, facture_id=facture.pk, now=now)

        facture.refresh_from_db()
        assert facture.etat == F.VALIDEE
        assert list(facture.journal.order_by("pk").values_list("transition", flat=True)) == [
            "instruire",
            "demander_pieces",
            "reprendre_instruction",
            "valider",
        ]
        assert Courrier.objects.get(facture=facture).type == "facture_demande_pieces"
        assert PieceJointe.objects.filter(facture=facture).count() == 1

    def test_rejection_is_motivated_and_announced(self, opco_actor, now):
        facture = FactureFactory()

        services.facture_reject(
            actor=opco_actor, facture_id=facture.pk, motif="DOUBLON", explication="Déjà payée en mars", now=now
        )

        facture.refresh_from_db()
        assert facture.etat == F.REJETEE and "Déjà payée en mars" in facture.motif_rejet
        assert Courrier.objects.get(facture=facture).type == "facture_rejet"

    def test_no_piece_on_a_paid_invoice(self, of_actor, of_etab, now):
        facture = FactureFactory(dossier=DossierFactory(of_etablissement=of_etab, accorde=True), validee=True)

        with pytest.raises(Conflict):
            services.facture_add_pieces(
                actor=of_actor, facture_id=facture.pk, uploads=[Upload("a.pdf", PDF_BYTES)], now=now
            )


class TestReglement:
    def test_a_reglement_pays_validated_invoices_of_one_beneficiary(self, opco_actor, of_etab, now):
        dossier = DossierFactory(of_etablissement=of_etab, accorde=True)
        factures = [
            FactureFactory(dossier=dossier, validee=True, montant_ttc=Decimal(x), montant_ht=Decimal(x))
            for x in ("2500.00", "833.33")
        ]

        reglement = services.reglement_create(
            actor=opco_actor,
            facture_ids=[f.pk for f in factures],
            date_paiement=date(2026, 11, 25),
            reference_virement="TLS/237081",
            now=now,
        )

        assert reglement.montant_total_ttc == Decimal("3333.33") == reglement.lines_total()
        assert reglement.beneficiaire_id == of_etab.pk and len(reglement.numero) == 7
        assert set(Facture.objects.values_list("etat", flat=True)) == {F.PAYEE}
        assert Courrier.objects.get(reglement=reglement).type == "avis_paiement"

    def test_only_validated_invoices(self, opco_actor, now):
        facture = FactureFactory(en_cours=True)

        with pytest.raises(Conflict):
            services.reglement_create(
                actor=opco_actor,
                facture_ids=[facture.pk],
                date_paiement=date(2026, 11, 25),
                reference_virement="V1",
                now=now,
            )

    def test_one_beneficiary_per_reglement(self, opco_actor, now):
        a, b = FactureFactory(validee=True), FactureFactory(validee=True)

        with pytest.raises(InvalidInput):
            services.reglement_create(
                actor=opco_actor,
                facture_ids=[a.pk, b.pk],
                date_paiement=date(2026, 11, 25),
                reference_virement="V1",
                now=now,
            )
        assert not a.journal.exists()

    def test_the_of_cannot_pay_itself(self, of_actor, of_etab, now):
        facture = FactureFactory(dossier=DossierFactory(of_etablissement=of_etab, accorde=True), validee=True)

        with pytest.raises(Forbidden):
            services.reglement_create(
                actor=of_actor,
                facture_ids=[facture.pk],
                date_paiement=date(2026, 11, 25),
                reference_virement="V1",
                now=now,
            )


class TestSelectorsScope:
    def test_an_of_sees_only_its_own(self, of_actor, other_actor, opco_actor, of_etab):
        mine = FactureFactory(dossier=DossierFactory(of_etablissement=of_etab, accorde=True))
        FactureFactory()

        assert list(selectors.factures_visible_to(of_actor)) == [mine]
        assert list(selectors.dossiers_visible_to(of_actor)) == [mine.dossier]
        assert not selectors.factures_visible_to(other_actor).filter(pk=mine.pk).exists()
        assert selectors.dossiers_visible_to(opco_actor).count() == 2
        with pytest.raises(NotFound):
            selectors.dossier_get(actor=other_actor, dossier_id=mine.dossier_id)
        with pytest.raises(NotFound):
            selectors.facture_get(actor=other_actor, facture_id=mine.pk)
