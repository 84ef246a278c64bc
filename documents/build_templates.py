"""Generate the default DOCX templates of ``documents/templates/``.

    python -m documents.build_templates [--output DIR]

The templates hold what a non-developer may restyle in Word or LibreOffice: the page (A4,
margins), the header and footer (letterhead, « Document édité le … », page numbers) and the
named styles « Portail … » (fonts, sizes, colours, spacing, table borders). The renderer adds the
content at the ``{{contenu}}`` paragraph with these styles and fills the ``{{…}}`` fields.
Restyle freely; keep the style names and the fields. Rerun this script only to go back to the
defaults (it overwrites the files, atomically, byte-for-byte reproducibly).
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from documents import styles as S

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
FONT = "Arial"  # metric-compatible with Liberation Sans, which LibreOffice substitutes on Linux
NAVY = RGBColor(0x1F, 0x38, 0x64)
GREY = RGBColor(0x59, 0x59, 0x59)
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# --- Low-level XML helpers ----------------------------------------------------------------------

# The order of the children of <w:pPr> (ECMA-376), which Word enforces.
PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
)


def _insert_ppr_child(ppr, child) -> None:
    tag = child.tag.split("}")[1]
    successors = [f"w:{name}" for name in PPR_ORDER[PPR_ORDER.index(tag) + 1 :]]
    existing = ppr.find(qn(f"w:{tag}"))
    if existing is not None:
        ppr.remove(existing)
    ppr.insert_element_before(child, *successors)


def _shading(fill: str):
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    return shd


def _border(side: str, size: int = 6, color: str = "1F3864", space: int = 1):
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    return el


def _ppr(style_or_paragraph):
    if hasattr(style_or_paragraph, "_p"):
        return style_or_paragraph._p.get_or_add_pPr()
    return style_or_paragraph.element.get_or_add_pPr()


def _paragraph_border(style_or_paragraph, *sides: str, color: str = "1F3864", size: int = 6) -> None:
    ppr = _ppr(style_or_paragraph)
    pbdr = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        if side in sides:
            pbdr.append(_border(side, size, color))
    _insert_ppr_child(ppr, pbdr)


def _field(paragraph, instr: str, placeholder: str = "1") -> None:
    """A simple field (PAGE, NUMPAGES) that Word and LibreOffice update when laying out."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = placeholder
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)


def _set_language(doc, lang: str = "fr-FR") -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang_el = rpr.find(qn("w:lang"))
    if lang_el is None:
        lang_el = OxmlElement("w:lang")
        rpr.append(lang_el)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang_el.set(qn(attr), lang)


def _table_style_borders(style, color: str, header_fill: str | None) -> None:
    """Borders of a table style, and the shading of its header row."""
    el = style.element
    tblpr = el.find(qn("w:tblPr"))
    if tblpr is None:
        tblpr = OxmlElement("w:tblPr")
        el.append(tblpr)
    for old in tblpr.findall(qn("w:tblBorders")):
        tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_border(side, 4, color, 0))
    tblpr.append(borders)
    cell_margins = OxmlElement("w:tblCellMar")
    for side, width in (("left", 80), ("right", 80)):
        m = OxmlElement(f"w:{side}")
        m.set(qn("w:w"), str(width))
        m.set(qn("w:type"), "dxa")
        cell_margins.append(m)
    tblpr.append(cell_margins)
    if header_fill:
        first = OxmlElement("w:tblStylePr")
        first.set(qn("w:type"), "firstRow")
        rpr = OxmlElement("w:rPr")
        rpr.append(OxmlElement("w:b"))
        first.append(rpr)
        tcpr = OxmlElement("w:tcPr")
        tcpr.append(_shading(header_fill))
        first.append(tcpr)
        el.append(first)


# --- Styles -------------------------------------------------------------------------------------


def _paragraph_style(
    doc,
    name: str,
    *,
    size: float = 10,
    bold: bool = False,
    italic: bool = False,
    color=None,
    align=None,
    before: float = 0,
    after: float = 3,
    left_indent_mm: float | None = None,
    keep_with_next: bool = False,
):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    if color is not None:
        style.font.color.rgb = color
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    if align is not None:
        fmt.alignment = align
    if left_indent_mm is not None:
        fmt.left_indent = Mm(left_indent_mm)
    if keep_with_next:
        fmt.keep_with_next = True
    return style


def _character_style(doc, name: str, *, bold: bool = False, color=None, size: float | None = None):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.quick_style = True
    style.font.bold = bold
    if color is not None:
        style.font.color.rgb = color
    if size is not None:
        style.font.size = Pt(size)
    return style


def _add_styles(doc, *, compact: bool) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(8.5 if compact else 10)
    normal.paragraph_format.space_after = Pt(0)
    _set_language(doc)

    _paragraph_style(
        doc,
        S.TITLE,
        size=15 if compact else 16,
        bold=True,
        color=NAVY,
        after=2,
        align=WD_ALIGN_PARAGRAPH.CENTER if compact else None,
    )
    _paragraph_style(doc, S.SUBTITLE, size=9, color=GREY, after=4, align=WD_ALIGN_PARAGRAPH.CENTER if compact else None)
    warning = _paragraph_style(doc, S.WARNING, size=8.5, italic=True, color=NAVY, before=2, after=6)
    _paragraph_border(warning, "top", "left", "bottom", "right", color="1F3864", size=4)

    block = _paragraph_style(
        doc, S.BLOCK, size=10, bold=True, color=RGBColor(0xFF, 0xFF, 0xFF), before=8, after=2, keep_with_next=True
    )
    _insert_ppr_child(block.element.get_or_add_pPr(), _shading("1F3864"))
    subblock = _paragraph_style(
        doc, S.SUBBLOCK, size=9.5 if compact else 10.5, bold=True, color=NAVY, before=6, after=2, keep_with_next=True
    )
    _paragraph_border(subblock, "bottom", color="8EA9DB", size=4)
    _paragraph_style(doc, S.FIELD, size=8.5 if compact else 10, after=1.5)
    _paragraph_style(doc, S.NOTE, size=7.5, italic=True, color=GREY, before=2, after=2)

    _paragraph_style(doc, S.BODY, size=10, after=6, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph_style(doc, S.DATE, size=10, before=6, after=10, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph_style(doc, S.ADDRESSEE, size=10.5, after=0, left_indent_mm=95)
    _paragraph_style(doc, S.REFERENCES, size=9, after=0, color=GREY)
    _paragraph_style(doc, S.OBJECT, size=10.5, bold=True, before=10, after=10)
    _paragraph_style(doc, S.SIGNATURE, size=10, after=0, left_indent_mm=95)

    _paragraph_style(doc, S.TABLE_TEXT, size=8.5 if compact else 9.5, after=0)
    _paragraph_style(doc, S.TABLE_HEADER, size=8.5 if compact else 9.5, bold=True, color=NAVY, after=0)
    _paragraph_style(doc, S.TABLE_NUMBER, size=8.5 if compact else 9.5, after=0, align=WD_ALIGN_PARAGRAPH.RIGHT)

    _paragraph_style(
        doc,
        S.HEADER_NAME,
        size=18 if not compact else 10,
        bold=True,
        color=NAVY,
        after=0,
        align=WD_ALIGN_PARAGRAPH.RIGHT if compact else None,
    )
    header_text = _paragraph_style(
        doc, S.HEADER_TEXT, size=8, color=GREY, after=0, align=WD_ALIGN_PARAGRAPH.RIGHT if compact else None
    )
    header_text.paragraph_format.tab_stops.add_tab_stop(Mm(186 if compact else 170), WD_TAB_ALIGNMENT.RIGHT)
    footer = _paragraph_style(doc, S.FOOTER, size=7.5, color=GREY, after=0)
    footer.paragraph_format.tab_stops.add_tab_stop(Mm(186 if compact else 170), WD_TAB_ALIGNMENT.RIGHT)
    _paragraph_border(footer, "top", color="8EA9DB", size=4)

    _character_style(doc, S.LABEL, color=GREY)
    _character_style(doc, S.VALUE, bold=True)

    for name, color, fill in ((S.GRID, "8EA9DB", "D9E2F3"), (S.FORM, "BFBFBF", None)):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.TABLE)
        style.base_style = doc.styles["Normal Table"] if "Normal Table" in [s.name for s in doc.styles] else None
        style.quick_style = True
        _table_style_borders(style, color, fill)


# --- Page, header, footer -------------------------------------------------------------------------


def _page(doc, *, margins_mm: tuple[float, float, float, float], header_mm: float, footer_mm: float) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(S.A4_WIDTH_MM)
    section.page_height = Mm(S.A4_HEIGHT_MM)
    top, right, bottom, left = margins_mm
    section.top_margin = Mm(top)
    section.right_margin = Mm(right)
    section.bottom_margin = Mm(bottom)
    section.left_margin = Mm(left)
    section.header_distance = Mm(header_mm)
    section.footer_distance = Mm(footer_mm)


def _footer(doc, left_text: str, *, legal: bool = False) -> None:
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]
    p.style = doc.styles[S.FOOTER]
    if legal:  # the OPCO's legal mentions on their own line (removed when empty)
        p.add_run("{{opco_mentions}}")
        p = footer.add_paragraph(style=doc.styles[S.FOOTER])
    p.add_run(left_text + "\tPage ")
    _field(p, "PAGE")
    p.add_run(" / ")
    _field(p, "NUMPAGES")


def _letterhead(doc) -> None:
    header = doc.sections[0].header
    first = header.paragraphs[0]
    first.style = doc.styles[S.HEADER_NAME]
    first.add_run("{{opco_nom}}")
    tagline = header.add_paragraph("Opérateur de compétences", style=doc.styles[S.HEADER_TEXT])
    tagline.paragraph_format.space_after = Pt(0)
    header.add_paragraph("{{opco_adresse}}", style=doc.styles[S.HEADER_TEXT]).paragraph_format.space_after = Pt(0)
    contact = header.add_paragraph("{{opco_contact}}", style=doc.styles[S.HEADER_TEXT])
    _paragraph_border(contact, "bottom", color="1F3864", size=8)


def _body_marker(doc) -> None:
    body = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    body.text = S.CONTENT_MARKER
    body.style = doc.styles[S.BODY]


# Built-in styles kept besides ours (python-docx's default template holds ~160 others; dropping
# them makes every rendering and every LibreOffice conversion faster).
KEPT_BUILTIN_STYLES = ("Normal", "Default Paragraph Font", "Normal Table", "No List", "Table Grid", "Header", "Footer")


def _prune_styles(doc) -> None:
    root = doc.styles.element
    keep = set(S.ALL_STYLES) | set(KEPT_BUILTIN_STYLES)
    for style in list(root.findall(qn("w:style"))):
        name = style.find(qn("w:name"))
        if name is None or name.get(qn("w:val")) not in keep:
            root.remove(style)
    latent = root.find(qn("w:latentStyles"))
    if latent is not None:
        root.remove(latent)


UNUSED_PARTS = ("stylesWithEffects", "customXml", "thumbnail", "webSettings")


def _drop_unused_parts(doc) -> None:
    """Word 2010 leftovers of python-docx's default template (a 440 kB stylesWithEffects, a thumbnail…)."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if not rel.is_external and any(rel.reltype.endswith(kind) for kind in UNUSED_PARTS):
                del rels[rid]


def _new_document(*, compact: bool):
    doc = Document()
    _add_styles(doc, compact=compact)
    _prune_styles(doc)
    _drop_unused_parts(doc)
    props = doc.core_properties
    props.author = "Portail OF"
    props.last_modified_by = "Portail OF"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    props.title = ""
    props.comments = "Modèle du Portail OF : modifiez les styles « Portail … », gardez les champs {{…}}."
    return doc


def build_cerfa() -> object:
    doc = _new_document(compact=True)
    _page(doc, margins_mm=(14, 12, 14, 12), header_mm=6, footer_mm=6)
    header = doc.sections[0].header
    p = header.paragraphs[0]
    p.style = doc.styles[S.HEADER_TEXT]
    p.add_run("{{cerfa_numero}} — formulaire reconstitué\t{{reference}}")
    _body_marker(doc)
    _footer(doc, "Document édité le {{date_edition}} — {{opco_nom}}")
    return doc


def build_courrier() -> object:
    doc = _new_document(compact=False)
    _page(doc, margins_mm=(20, 20, 20, 20), header_mm=10, footer_mm=10)
    _letterhead(doc)
    _body_marker(doc)
    _footer(doc, "{{document_titre}}", legal=True)
    return doc


def build_avis_paiement() -> object:
    doc = _new_document(compact=False)
    _page(doc, margins_mm=(20, 20, 20, 20), header_mm=10, footer_mm=10)
    _letterhead(doc)
    _body_marker(doc)
    _footer(doc, "Document édité le {{date_edition}} — {{document_titre}}", legal=True)
    return doc


BUILDERS = {
    S.CERFA_TEMPLATE: build_cerfa,
    S.COURRIER_TEMPLATE: build_courrier,
    S.AVIS_PAIEMENT_TEMPLATE: build_avis_paiement,
}


def _reproducible(data: bytes) -> bytes:
    """The same bytes for the same content: fixed zip timestamps, fixed member order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def template_bytes(name: str) -> bytes:
    doc = BUILDERS[name]()
    buffer = io.BytesIO()
    doc.save(buffer)
    return _reproducible(buffer.getvalue())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_all(directory: Path = TEMPLATES_DIR) -> list[Path]:
    written = []
    for name in BUILDERS:
        path = Path(directory) / name
        _write_atomic(path, template_bytes(name))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère les modèles DOCX par défaut du Portail OF.")
    parser.add_argument("--output", type=Path, default=TEMPLATES_DIR, help="dossier de destination")
    args = parser.parse_args(argv)
    for path in build_all(args.output):
        print(f"Modèle écrit : {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
