"""Contexts → DOCX bytes, with python-docx, on the templates of ``documents/templates/``.

Knows no model: it lays out a :mod:`documents.contexts` object with the template's named styles,
fills the ``{{…}}`` fields of headers, footers and body, and forces the A4 page size.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from documents import styles as S
from documents.contexts import (
    AvisPaiementContext,
    CerfaBlock,
    CerfaColumn,
    CerfaContext,
    CourrierContext,
    Field,
    Table,
)
from documents.errors import TemplateError
from documents.templates import PLACEHOLDER, load_template

DEFAULT_MARGIN_MM = 20


# --- Placeholders ---------------------------------------------------------------------------------


def _substitute(text: str, values: Mapping[str, str], template: str) -> str:
    def replace(match) -> str:
        key = match.group(1)
        if key not in values:
            raise TemplateError(
                f"Le modèle de document « {template} » contient un champ inconnu « {{{{{key}}}}} ». "
                "Champs possibles : " + ", ".join(f"{{{{{k}}}}}" for k in sorted(values)) + "."
            )
        return values[key]

    return PLACEHOLDER.sub(replace, text)


def _fill_paragraph(paragraph, values: Mapping[str, str], template: str) -> None:
    """Replace the fields of one paragraph, run by run (a field split across runs is merged first)."""
    runs = paragraph.runs
    only_fields = PLACEHOLDER.sub("", paragraph.text).strip() == ""
    changed = False
    i = 0
    while i < len(runs):
        text = runs[i].text
        if "{{" in text:
            j = i
            while text.rfind("{{") > text.rfind("}}") and j + 1 < len(runs):
                j += 1
                text += runs[j].text
                runs[j].text = ""
            runs[i].text = _substitute(text, values, template)
            changed = True
            i = j
        i += 1
    if changed and only_fields and not paragraph.text.strip():
        parent = paragraph._p.getparent()
        if len(parent.findall(qn("w:p"))) > 1:
            parent.remove(paragraph._p)


def _iter_paragraphs(container):
    yield from container.paragraphs
    for table in container.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from _iter_paragraphs(cell)


def fill_placeholders(doc, values: Mapping[str, str], template: str) -> None:
    parts = [doc]
    for section in doc.sections:
        for part in (
            section.header,
            section.footer,
            section.first_page_header,
            section.first_page_footer,
            section.even_page_header,
            section.even_page_footer,
        ):
            if not part.is_linked_to_previous:
                parts.append(part)
    for part in parts:
        for paragraph in list(_iter_paragraphs(part)):
            if "{{" in paragraph.text:
                _fill_paragraph(paragraph, values, template)


# --- Writer -----------------------------------------------------------------------------------------


class DocxWriter:
    """Appends content at the template's ``{{contenu}}`` paragraph (or at the end of its body)."""

    def __init__(self, doc, template: str, values: Mapping[str, str]):
        self.doc = doc
        self.template = template
        # The template's own fields only: generated content (user data) is never read as a field.
        fill_placeholders(doc, {**values, "contenu": S.CONTENT_MARKER}, template)
        self.style_ids = {style.name: style.style_id for style in doc.styles}
        self.body = doc.element.body
        self._tail = []
        marker = next((p for p in doc.paragraphs if p.text.strip() == S.CONTENT_MARKER), None)
        if marker is not None:
            sibling = marker._p.getnext()
            while sibling is not None:
                following = sibling.getnext()
                if sibling.tag != qn("w:sectPr"):
                    self._tail.append(sibling)
                    self.body.remove(sibling)
                sibling = following
            self.body.remove(marker._p)
        self._force_a4()
        section = doc.sections[0]
        self.width_mm = (section.page_width - section.left_margin - section.right_margin) / Mm(1)

    def _force_a4(self) -> None:
        for section in self.doc.sections:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width = Mm(S.A4_WIDTH_MM)
            section.page_height = Mm(S.A4_HEIGHT_MM)
            for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
                if getattr(section, side) is None:
                    setattr(section, side, Mm(DEFAULT_MARGIN_MM))

    def style(self, name: str) -> str:
        """The style id of a named style (set directly in the XML: python-docx's lookup by name is slow)."""
        try:
            return self.style_ids[name]
        except KeyError:
            raise TemplateError(
                f"Le modèle de document « {self.template} » ne contient pas le style « {name} »."
            ) from None

    def styled(self, paragraph, style: str):
        paragraph._p.style = self.style(style)
        return paragraph

    def run(self, paragraph, text: str, style: str | None = None, *, bold: bool = False):
        run = paragraph.add_run(text)
        if style:
            run._r.style = self.style(style)
        if bold:
            run.bold = True
        return run

    def paragraph(self, text: str = "", style: str = S.BODY, container=None):
        paragraph = self.styled((container or self.doc).add_paragraph(), style)
        if text:
            paragraph.add_run(text)
        return paragraph

    def field(self, item: Field, style: str = S.FIELD, container=None, reuse=None):
        paragraph = reuse if reuse is not None else (container or self.doc).add_paragraph()
        self.styled(paragraph, style)
        self.run(paragraph, f"{item.label} : ", S.LABEL)
        if item.value:
            self.run(paragraph, item.value, S.VALUE)
        return paragraph

    def _widths(self, table, widths_mm: Sequence[float]) -> None:
        table.autofit = False
        grid = table._tbl.tblGrid
        for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
            col.set(qn("w:w"), str(int(width * 56.6929)))  # twentieths of a point
        for row in table.rows:
            for cell, width in zip(row.cells, widths_mm, strict=False):
                cell.width = Mm(width)

    @staticmethod
    def _repeat_header(row) -> None:
        trpr = row._tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        trpr.append(header)

    @staticmethod
    def _cant_split(row) -> None:
        trpr = row._tr.get_or_add_trPr()
        trpr.append(OxmlElement("w:cantSplit"))

    def table(self, data: Table, widths_mm: Sequence[float] | None = None, style: str = S.GRID):
        columns = len(data.headers)
        extra = 1 if data.total else 0
        table = self.doc.add_table(rows=1 + len(data.rows) + extra, cols=columns)
        table._tbl.tblPr.style = self.style(style)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        widths = widths_mm or [self.width_mm / columns] * columns
        self._widths(table, widths)
        rows = table.rows
        self._repeat_header(rows[0])
        for index, cell in enumerate(rows[0].cells):
            paragraph = self.styled(cell.paragraphs[0], S.TABLE_HEADER)
            paragraph.add_run(data.headers[index])
        body = list(data.rows) + ([data.total] if data.total else [])
        for r, values in enumerate(body, start=1):
            row = rows[r]
            self._cant_split(row)
            if data.row_height_mm:
                row.height = Mm(data.row_height_mm)
            is_total = bool(data.total) and r == len(body)
            for index, cell in enumerate(row.cells):
                paragraph = self.styled(cell.paragraphs[0], S.TABLE_NUMBER if index in data.numeric else S.TABLE_TEXT)
                value = values[index] if index < len(values) else ""
                if value:
                    self.run(paragraph, value, bold=is_total)
        return table

    def finish(self) -> None:
        sect_pr = self.body.find(qn("w:sectPr"))
        for element in self._tail:
            if sect_pr is not None:
                sect_pr.addprevious(element)
            else:
                self.body.append(element)

    def to_bytes(self, *, title: str, author: str) -> bytes:
        self.finish()
        props = self.doc.core_properties
        props.title = title
        props.author = author
        props.last_modified_by = author
        props.comments = ""
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        props.created = now
        props.modified = now
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


# --- CERFA -------------------------------------------------------------------------------------------

CERFA_STYLES = (
    S.TITLE,
    S.SUBTITLE,
    S.WARNING,
    S.BLOCK,
    S.SUBBLOCK,
    S.FIELD,
    S.NOTE,
    S.BODY,
    S.TABLE_TEXT,
    S.TABLE_HEADER,
    S.TABLE_NUMBER,
    S.LABEL,
    S.VALUE,
    S.GRID,
    S.FORM,
)


def _columns(writer: DocxWriter, columns: Sequence[CerfaColumn]) -> None:
    table = writer.doc.add_table(rows=1, cols=len(columns))
    table._tbl.tblPr.style = writer.style(S.FORM)
    writer._widths(table, [writer.width_mm / len(columns)] * len(columns))
    for cell, column in zip(table.rows[0].cells, columns, strict=True):
        first = cell.paragraphs[0]
        if column.titre:
            writer.styled(first, S.TABLE_HEADER).add_run(column.titre)
            first = None
        for item in column.champs:
            writer.field(item, container=cell, reuse=first)
            first = None


def _cerfa_block(writer: DocxWriter, block: CerfaBlock, *, level: int = 0) -> None:
    writer.paragraph(block.titre, S.BLOCK if level == 0 else S.SUBBLOCK)
    for line in block.entete:
        writer.paragraph(line, S.FIELD)
    if block.colonnes:
        _columns(writer, block.colonnes)
    for mention in block.mentions:
        writer.paragraph(mention, S.FIELD)
    if block.tableau is not None:
        if block.tableau_titre:
            writer.paragraph(block.tableau_titre, S.SUBBLOCK)
        writer.table(block.tableau)
    for sub in block.sous_blocs:
        _cerfa_block(writer, sub, level=level + 1)
    for note in block.notes:
        writer.paragraph(note, S.NOTE)


def cerfa_docx(ctx: CerfaContext) -> bytes:
    doc = load_template(S.CERFA_TEMPLATE, required_styles=CERFA_STYLES)
    values = {
        **_opco_values(ctx.opco),
        "document_titre": ctx.document_titre,
        "date_edition": ctx.date_edition,
        "cerfa_numero": ctx.cerfa_numero,
        "reference": f"N° du dossier : {ctx.reference}" if ctx.reference else "Brouillon",
    }
    writer = DocxWriter(doc, S.CERFA_TEMPLATE, values)
    writer.paragraph(ctx.titre, S.TITLE)
    writer.paragraph(f"{ctx.cerfa_numero} — {ctx.sous_titre}", S.SUBTITLE)
    if ctx.reference:
        writer.paragraph(f"N° du dossier : {ctx.reference}" + (f" — {ctx.etat}" if ctx.etat else ""), S.SUBTITLE)
    writer.paragraph(ctx.avertissement, S.WARNING)
    for block in ctx.blocs:
        _cerfa_block(writer, block)
    return writer.to_bytes(title=ctx.document_titre, author=ctx.opco.nom)


# --- Courriers ----------------------------------------------------------------------------------------

COURRIER_STYLES = (
    S.BODY,
    S.DATE,
    S.ADDRESSEE,
    S.REFERENCES,
    S.OBJECT,
    S.SIGNATURE,
    S.SUBBLOCK,
    S.TABLE_TEXT,
    S.TABLE_HEADER,
    S.TABLE_NUMBER,
    S.LABEL,
    S.VALUE,
    S.GRID,
    S.HEADER_NAME,
    S.HEADER_TEXT,
    S.FOOTER,
)


def _table_widths(writer: DocxWriter, table: Table) -> list[float]:
    """Wider first column for labels, narrower numeric columns."""
    n = len(table.headers)
    if n == 3 and table.numeric == (1, 2):
        return [writer.width_mm * 0.46, writer.width_mm * 0.27, writer.width_mm * 0.27]
    if n == 2:
        return [writer.width_mm * 0.28, writer.width_mm * 0.72]
    if n == 6:
        share = (0.14, 0.17, 0.15, 0.15, 0.20, 0.19)
        return [writer.width_mm * s for s in share]
    return [writer.width_mm / n] * n


def _opco_values(opco) -> dict[str, str]:
    """The letterhead and footer fields of the OPCO (``PORTAIL_OPCO_*`` settings)."""
    return {
        "opco_nom": opco.nom,
        "opco_adresse": opco.adresse_ligne,
        "opco_contact": opco.contact_ligne,
        "opco_mentions": opco.pied_de_page,
    }


def courrier_docx(ctx: CourrierContext) -> bytes:
    doc = load_template(S.COURRIER_TEMPLATE, required_styles=COURRIER_STYLES)
    values = {
        **_opco_values(ctx.opco),
        "document_titre": ctx.document_titre,
        "date_edition": ctx.date_emission,
        "date_emission": ctx.date_emission,
        "reference": ctx.document_titre,
    }
    writer = DocxWriter(doc, S.COURRIER_TEMPLATE, values)
    writer.run(writer.paragraph("", S.ADDRESSEE), ctx.destinataire.raison_sociale, S.VALUE)
    for line in ctx.destinataire.lignes:
        writer.paragraph(line, S.ADDRESSEE)
    writer.paragraph(ctx.lieu_date, S.DATE)
    for item in ctx.references:
        writer.field(item, S.REFERENCES)
    writer.paragraph(f"Objet : {ctx.objet}", S.OBJECT)
    writer.paragraph(ctx.salutation, S.BODY)
    for text in ctx.paragraphes:
        writer.paragraph(text, S.BODY)
    if ctx.tableau is not None:
        if ctx.tableau_titre:
            writer.paragraph(ctx.tableau_titre, S.SUBBLOCK)
        writer.table(ctx.tableau, _table_widths(writer, ctx.tableau))
        writer.paragraph("", S.BODY)
    for text in ctx.paragraphes_apres:
        writer.paragraph(text, S.BODY)
    writer.paragraph(ctx.formule, S.BODY)
    for index, line in enumerate(ctx.signature):
        writer.run(writer.paragraph("", S.SIGNATURE), line, S.VALUE if index == 0 else None)
    return writer.to_bytes(title=ctx.document_titre, author=ctx.opco.nom)


# --- Avis de paiement ---------------------------------------------------------------------------------

AVIS_STYLES = (
    S.TITLE,
    S.SUBTITLE,
    S.SUBBLOCK,
    S.FIELD,
    S.NOTE,
    S.BODY,
    S.TABLE_TEXT,
    S.TABLE_HEADER,
    S.TABLE_NUMBER,
    S.LABEL,
    S.VALUE,
    S.GRID,
    S.HEADER_NAME,
    S.HEADER_TEXT,
    S.FOOTER,
)


def avis_paiement_docx(ctx: AvisPaiementContext) -> bytes:
    doc = load_template(S.AVIS_PAIEMENT_TEMPLATE, required_styles=AVIS_STYLES)
    values = {
        **_opco_values(ctx.opco),
        "document_titre": ctx.document_titre,
        "date_edition": ctx.date_edition,
        "reference": f"Règlement N° {ctx.numero}",
    }
    writer = DocxWriter(doc, S.AVIS_PAIEMENT_TEMPLATE, values)
    writer.paragraph(ctx.titre, S.TITLE)
    writer.paragraph(f"Règlement N° {ctx.numero} — date de paiement : {ctx.date_paiement}", S.SUBTITLE)
    writer.paragraph("Le bénéficiaire", S.SUBBLOCK)
    writer.field(Field("Raison sociale", ctx.beneficiaire.raison_sociale))
    writer.field(Field("SIRET", ctx.beneficiaire.siret))
    writer.field(Field("Adresse", ", ".join(ctx.beneficiaire.lignes)))
    writer.paragraph("La transaction", S.SUBBLOCK)
    for item in ctx.transaction:
        writer.field(item)
    writer.paragraph("Les factures", S.SUBBLOCK)
    writer.table(ctx.factures, _table_widths(writer, ctx.factures))
    for mention in ctx.mentions:
        writer.paragraph(mention, S.NOTE)
    return writer.to_bytes(title=ctx.document_titre, author=ctx.opco.nom)
