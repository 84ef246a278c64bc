"""The CERFA 10103*14 as the documents print it: the edition, the N° de dépôt in the contract-number field,
the RQTH rights without RQTH and the public employer's unemployment insurance as boxes, the maître's
eligibility attestation inside the maîtres block, periods paid on the back office's SMIC table; and the
accord letter's « Demandé » and échéancier."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from cases.models import Echeance, ReferenceSmic, TypeCourrier
from documents import render_cerfa, render_courrier
from documents.mapping import cerfa_context, cerfa_context_from_payload, sender_from_settings
from tests.documents.conftest import TODAY, courrier_of_type, pdf_text
from tests.documents.test_mapping import all_text, fields
from tests.documents.test_mapping import payload as payload  # noqa: F401 (the fixture)


def test_the_edition_is_printed_even_when_the_payload_does_not_say_it(payload):
    payload.pop("versionCERFA", None)
    ctx = cerfa_context_from_payload(payload, today=TODAY, opco=sender_from_settings())
    assert ctx.cerfa_numero == "Cerfa n° 10103*14"


def test_the_depot_number_is_the_contract_number_and_the_boxes(dossier):
    dossier.donnees["apprenti"].update({"handicap": False, "droitsRqthExtensionBOE": True})
    dossier.donnees["employeur"]["regimeSpecifique"] = True
    ctx = cerfa_context(dossier, today=TODAY)

    values = fields(ctx)
    assert values["LE CONTRAT/N° du contrat (DECA)"] == "069202609000123"
    assert values["L'APPRENTI(E)/Si non, bénéficie des droits attachés à la RQTH au titre de"] == (
        "☐ équivalence jeunes    ☒ extension BOE"
    )
    text = all_text(ctx)
    assert "☒ Employeur public : adhésion de l'apprenti(e) au régime spécifique d'assurance chômage" in text


def test_the_pdf_prints_the_edition_the_depot_number_and_the_attestation_in_the_maitres_block(pdf_listener, dossier):
    text = pdf_text(render_cerfa(dossier, "pdf", today=TODAY))

    assert "Cerfa n° 10103*14" in text
    assert "N° du contrat (DECA) : 069202609000123" in text
    maitres, contrat = text.index("MAÎTRE(S) D'APPRENTISSAGE"), text.index("LE CONTRAT")
    attestation = text.index("L'employeur atteste sur l'honneur que le(s) maître(s) d'apprentissage")
    assert maitres < attestation < contrat
    assert "équivalence jeunes" in text and "extension BOE" in text
    assert "régime spécifique d'assurance chômage" in text


def test_a_period_without_its_pay_is_computed_with_the_back_office_smic(dossier):
    periods = dossier.donnees["contrat"]["remunerationsAnnuelles"]
    for period in periods:
        period.pop("salaireBrut", None)
    ReferenceSmic.objects.create(
        date_effet=date(2026, 6, 1),
        horaire=Decimal("13.00"),
        mensuel=Decimal("2000.00"),
        horaire_mayotte=Decimal("10.00"),
        mensuel_mayotte=Decimal("1500.00"),
    )
    ctx = cerfa_context(dossier, today=TODAY)
    table = next(b.tableau for b in ctx.blocs if b.titre == "LE CONTRAT")
    rate = Decimal(str(periods[0]["taux"]))
    expected = (Decimal("2000.00") * rate / 100).quantize(Decimal("0.01"))
    assert (
        table.rows[0][5]
        .replace("\u202f", " ")
        .replace("\u00a0", " ")
        .startswith(f"{expected:,.2f}".replace(",", " ").replace(".", ","))
    )


def test_the_accord_letter_gives_the_echeancier(pdf_listener, dossier, reglement):
    dossier.participation_employeur = Decimal("750.00")
    dossier.save()
    today = timezone.localdate()
    for numero, amount in ((1, "2850.00"), (2, "2700.00")):
        Echeance.objects.create(
            dossier=dossier,
            numero=numero,
            annee=1,
            nature="avance",
            taux=40,
            date_ouverture=date(2026, 9, 7) + timedelta(days=180 * (numero - 1)),
            date_debut=date(2026, 9, 7),
            date_fin=date(2027, 3, 6),
            montant_total=Decimal(amount),
            updated_at=timezone.now(),
        )
    assert today  # the letter reads the stored échéancier, not the day
    text = pdf_text(render_courrier(courrier_of_type(TypeCourrier.ACCORD, dossier, reglement), "pdf", today=TODAY))

    assert "L'échéancier du niveau de prise en charge compte 2 échéances pour un engagement de 6 300,00 €" in text
    assert "la première, E1 (2 850,00 €), peut être facturée à partir du 7 septembre 2026" in text
    assert "La participation obligatoire de l'employeur (750,00 €) est à lui facturer" in text
