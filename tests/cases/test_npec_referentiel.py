"""The NPEC referential: imported from France compétences' layout (the repository's sample workbook),
rerunnable, a later value closing the previous one, bad files refused with nothing written; and the
NPEC in force at a contract's conclusion date (else the level's amorçage)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from cases.management.commands.import_npec import SAMPLE
from cases.models import ReferenceNpec
from cases.references import npec_for

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("import_npec", *args, stdout=out)
    return out.getvalue()


def rows() -> list[tuple]:
    return sorted(ReferenceNpec.objects.values_list("rncp", "idcc", "montant_annuel", "date_debut", "date_fin"))


def test_the_sample_is_imported_then_reimported_without_duplicate():
    first = run(str(SAMPLE))
    assert "13 ligne(s) créée(s), 0 modifiée(s), 0 inchangée(s), 2 clôturée(s)" in first

    imported = rows()
    assert ("RNCP38216", "0016", Decimal("7300.00"), date(2024, 7, 15), date(2025, 8, 31)) in imported
    assert ("RNCP38216", "0016", Decimal("7500.00"), date(2025, 9, 1), None) in imported
    assert ("RNCP34561", "1090", Decimal("8100.00"), date(2024, 7, 15), None) in imported  # « RNCP34561/RNCP34562 »
    assert not ReferenceNpec.objects.filter(rncp="RNCP39999").exists()  # NPEC « NC »: not set yet
    row = ReferenceNpec.objects.get(rncp="RNCP36542", idcc="1424")
    assert (row.cpne_code, row.intitule, row.source) == (
        "CPNE-TRANSPORTS",
        "AMBULANCIER (DIPLOME D'ETAT)",
        "referentiel-npec-exemple.xlsx",
    )

    again = run(str(SAMPLE))
    assert "0 ligne(s) créée(s), 0 modifiée(s), 13 inchangée(s), 0 clôturée(s)" in again
    assert rows() == imported


def test_the_npec_in_force_at_the_conclusion_date():
    run(str(SAMPLE))
    cap = {"rncp": "RNCP38216", "idcc": "16", "type_diplome": 33}

    assert npec_for(**cap, le=date(2025, 6, 30)).montant == Decimal("7300.00")
    assert npec_for(**cap, le=date(2025, 9, 1)).montant == Decimal("7500.00")
    assert npec_for(**cap, le=date(2024, 7, 14)).source == "amorcage"  # before the referential: the level's
    licence = npec_for(rncp="RNCP99999", idcc="0016", type_diplome=62, le=date(2025, 9, 1))
    assert (licence.montant, licence.source, licence.niveau) == (Decimal("6000.00"), "amorcage", 6)
    assert npec_for(rncp="RNCP99999", idcc="0016", type_diplome=None, le=date(2025, 9, 1)) is None


def workbook(path, npec_rows, *, sheets=("Onglet 3 - référentiel NPEC", "Onglet 4 - CPNE-IDCC")):
    book = xlsxwriter.Workbook(str(path))
    npec = book.add_worksheet(sheets[0])
    for r, row in enumerate([("Code RNCP", "Code CPNE", "CPNE", "NPEC final", "Statut"), *npec_rows]):
        for c, value in enumerate(row):
            npec.write(r, c, value)
    cpne = book.add_worksheet(sheets[1])
    for r, row in enumerate([("IDCC", "Code CPNE"), ("16", "X")]):
        for c, value in enumerate(row):
            cpne.write_string(r, c, value)
    book.close()
    return path


def test_a_row_that_cannot_be_read_refuses_the_whole_file(tmp_path):
    path = workbook(
        tmp_path / "npec.xlsx", [("RNCP1234", "X", "cpne", 5000, ""), ("RNCP5678", "X", "cpne", "beaucoup", "")]
    )

    with pytest.raises(CommandError) as exc:
        run(str(path), "--date-applicabilite", "2025-09-01")

    assert "Onglet référentiel NPEC, ligne 3 : montant illisible « beaucoup »." in str(exc.value)
    assert not ReferenceNpec.objects.exists()


def test_a_workbook_without_the_sheets_or_not_a_workbook_is_refused(tmp_path):
    missing = workbook(tmp_path / "autre.xlsx", [], sheets=("Feuil1", "Feuil2"))
    with pytest.raises(CommandError, match="Onglet 3 - référentiel NPEC"):
        run(str(missing))
    text = tmp_path / "npec.xlsx"
    text.write_text("pas un classeur")
    with pytest.raises(CommandError, match="n'est pas un classeur Excel lisible"):
        run(str(text))
    with pytest.raises(CommandError, match="Fichier introuvable"):
        run(str(tmp_path / "absent.xlsx"))
    assert not ReferenceNpec.objects.exists()


def test_rows_without_date_take_the_date_given(tmp_path):
    path = workbook(tmp_path / "npec.xlsx", [("RNCP1234", "X", "cpne", 5000.5, "CPNE")])

    run(str(path), "--date-applicabilite", "2025-09-01")

    row = ReferenceNpec.objects.get()
    assert (row.rncp, row.idcc, row.montant_annuel, row.date_debut) == (
        "RNCP1234",
        "0016",
        Decimal("5000.50"),
        date(2025, 9, 1),
    )


def test_the_back_office_s_amorcage_levels_apply_and_the_arretes_values_when_the_table_is_empty():
    """The levels edited in the back office win; an empty table (a fresh database flushed by a transactional
    test, or emptied by hand) falls back on the arrêté's values, the ones the migration seeds."""
    from importlib import import_module

    from cases.models import ReferenceNpecAmorcage
    from rules.npec import AMORCAGE_REFERENCE

    seeded = import_module("cases.migrations.0007_seed_npec_amorcage").AMORCAGE_2022
    assert {a.niveau: a.montant for a in AMORCAGE_REFERENCE} == {n: Decimal(m) for n, m in seeded.items()}

    ReferenceNpecAmorcage.objects.filter(niveau=3).update(montant_annuel=Decimal("5600.00"))
    cap = npec_for(rncp="RNCP38216", idcc="0016", type_diplome="33", le=date(2026, 9, 1))
    assert (cap.montant, cap.source) == (Decimal("5600.00"), "amorcage")

    ReferenceNpecAmorcage.objects.all().delete()
    cap = npec_for(rncp="RNCP38216", idcc="0016", type_diplome="33", le=date(2026, 9, 1))
    assert (cap.montant, cap.source) == (Decimal("5470.00"), "amorcage")
