"""The DOCX templates: complete, A4, restylable; a missing or corrupt one is a clear error and
nothing is written."""

import io
import shutil

import pytest
from docx import Document
from docx.shared import Pt

from documents import render_cerfa, render_courrier, render_to_file, styles, write_atomic
from documents.build_templates import TEMPLATES_DIR, build_all, template_bytes
from documents.errors import DocumentError
from documents.templates import PLACEHOLDER, clear_cache
from tests.documents.conftest import TODAY, docx_text

KNOWN_FIELDS = {
    "contenu",
    "opco_nom",
    "opco_adresse",
    "opco_contact",
    "opco_mentions",
    "document_titre",
    "date_edition",
    "date_emission",
    "cerfa_numero",
    "reference",
}


@pytest.fixture
def templates_copy(tmp_path, settings):
    """A private copy of the templates, used by the renderer."""
    folder = tmp_path / "modeles"
    shutil.copytree(TEMPLATES_DIR, folder)
    settings.PORTAIL_DOCUMENT_TEMPLATES_DIR = str(folder)
    clear_cache()
    yield folder
    clear_cache()


def all_paragraph_texts(doc) -> list[str]:
    texts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        texts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return texts


@pytest.mark.parametrize("name", styles.TEMPLATE_FILES)
def test_committed_templates_are_a4_complete_and_fielded(name):
    doc = Document(TEMPLATES_DIR / name)

    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert all(
        m is not None for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    )
    present = {s.name for s in doc.styles}
    assert set(styles.ALL_STYLES) <= present
    texts = all_paragraph_texts(doc)
    assert styles.CONTENT_MARKER in texts
    fields = {m.group(1) for t in texts for m in PLACEHOLDER.finditer(t)}
    assert fields <= KNOWN_FIELDS
    assert "opco_nom" in fields


def test_build_templates_is_reproducible_and_matches_the_committed_style_set(tmp_path):
    first = template_bytes(styles.COURRIER_TEMPLATE)
    assert template_bytes(styles.COURRIER_TEMPLATE) == first  # byte-for-byte: clean diffs

    written = build_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(styles.TEMPLATE_FILES)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
    for path in written:
        rebuilt = {s.name for s in Document(path).styles}
        committed = {s.name for s in Document(TEMPLATES_DIR / path.name).styles}
        assert set(styles.ALL_STYLES) <= rebuilt and set(styles.ALL_STYLES) <= committed


def test_a_corrupt_template_is_a_clear_error_and_writes_nothing(dossier, templates_copy, tmp_path):
    (templates_copy / styles.CERFA_TEMPLATE).write_bytes(b"PK\x03\x04 ceci n'est plus un document Word")
    output = tmp_path / "sortie" / "cerfa.pdf"

    with pytest.raises(DocumentError, match="« cerfa.docx » est corrompu"):
        render_to_file(output, render_cerfa, dossier, "pdf", today=TODAY)

    assert not output.exists()
    assert not output.parent.exists() or not list(output.parent.iterdir())


def test_a_truncated_template_is_a_clear_error(dossier, templates_copy):
    path = templates_copy / styles.CERFA_TEMPLATE
    path.write_bytes(path.read_bytes()[:4000])

    with pytest.raises(DocumentError, match="corrompu"):
        render_cerfa(dossier, "docx", today=TODAY)


def test_a_missing_template_is_a_clear_error(dossier, templates_copy):
    (templates_copy / styles.CERFA_TEMPLATE).unlink()

    with pytest.raises(DocumentError, match="« cerfa.docx » est introuvable.*build_templates"):
        render_cerfa(dossier, "docx", today=TODAY)


def test_a_template_without_a_style_names_it(courrier_for, templates_copy):
    path = templates_copy / styles.COURRIER_TEMPLATE
    doc = Document(path)
    doc.styles[styles.OBJECT].element.getparent().remove(doc.styles[styles.OBJECT].element)
    doc.save(path)

    with pytest.raises(DocumentError, match="« Portail Objet »"):
        render_courrier(courrier_for("accord"), "docx", today=TODAY)


def test_an_unknown_field_in_a_template_is_named(courrier_for, templates_copy):
    path = templates_copy / styles.COURRIER_TEMPLATE
    doc = Document(path)
    doc.sections[0].footer.add_paragraph("{{numero_siret_opco}}")
    doc.save(path)

    with pytest.raises(DocumentError, match="champ inconnu « {{numero_siret_opco}} »"):
        render_courrier(courrier_for("accord"), "docx", today=TODAY)


def test_a_restyled_template_is_honoured(courrier_for, templates_copy):
    """What a non-developer does in Word: change a style, add a fixed text after the content, split a field."""
    path = templates_copy / styles.COURRIER_TEMPLATE
    doc = Document(path)
    doc.styles[styles.BODY].font.size = Pt(13)
    doc.add_paragraph("Mention fixe ajoutée dans Word.")
    footer = doc.sections[0].footer.add_paragraph()
    for piece in ("Édité le {{date", "_emis", "sion}} par l'OPCO"):  # Word often splits a field into runs
        footer.add_run(piece)
    doc.save(path)

    data = render_courrier(courrier_for("accord"), "docx", today=TODAY)

    rendered = Document(io.BytesIO(data))
    assert rendered.styles[styles.BODY].font.size == Pt(13)
    body = [p.text for p in rendered.paragraphs]
    assert body[-1] == "Mention fixe ajoutée dans Word."  # after the generated content
    assert body.index("Madame, Monsieur,") < len(body) - 1
    assert "Édité le 20/11/2026 par l'OPCO" in docx_text(data)


def test_an_edited_template_is_picked_up_without_restart(courrier_for, templates_copy):
    render_courrier(courrier_for("accord"), "docx", today=TODAY)  # cached
    path = templates_copy / styles.COURRIER_TEMPLATE
    doc = Document(path)
    doc.add_paragraph("Version 2 du modèle")
    doc.save(path)

    assert "Version 2 du modèle" in docx_text(render_courrier(courrier_for("accord"), "docx", today=TODAY))


def test_atomic_write_replaces_whole_or_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "a" / "document.pdf"
    write_atomic(target, b"%PDF-1.7 first")
    assert target.read_bytes() == b"%PDF-1.7 first"

    def fail(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr("documents.files.os.replace", fail)
    with pytest.raises(OSError, match="disque plein"):
        write_atomic(target, b"%PDF-1.7 second")

    assert target.read_bytes() == b"%PDF-1.7 first"  # untouched
    assert [p.name for p in target.parent.iterdir()] == ["document.pdf"]  # no temporary file left


def test_only_bytes_are_written(tmp_path):
    with pytest.raises(DocumentError):
        write_atomic(tmp_path / "x.pdf", "texte")
    assert not (tmp_path / "x.pdf").exists()
