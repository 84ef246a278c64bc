"""The user guide (« Mon guide ») as a PDF: its Markdown source laid out with python-docx on A4,
then converted like every other document. The source is small and fixed per release, so the
PDF is made once per process."""

from __future__ import annotations

import io
import re
from functools import lru_cache

from docx import Document
from docx.shared import Mm, Pt

from documents.contenus import GUIDE_TITLE, GUIDE_VERSION, guide_text

_INLINE = re.compile(r"(\*\*[^*]+\*\*|`[^`]+`)")


def blocks(markdown: str) -> list[tuple[str, int, str]]:
    """The guide's Markdown as blocks: (``"titre"``, level, text), (``"puce"``, 0, text), (``"texte"``, 0, text)."""
    out: list[tuple[str, int, str]] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append(("texte", 0, " ".join(paragraph)))
            paragraph.clear()

    for line in markdown.splitlines():
        stripped = line.strip()
        heading = re.match(r"^(#{1,3})\s+(.*)$", stripped)
        if not stripped:
            flush()
        elif heading:
            flush()
            out.append(("titre", len(heading.group(1)), heading.group(2)))
        elif stripped.startswith("- "):
            flush()
            out.append(("puce", 0, stripped[2:]))
        elif line.startswith("  ") and out and out[-1][0] == "puce" and not paragraph:
            kind, level, text = out[-1]
            out[-1] = (kind, level, f"{text} {stripped}")  # continuation of a bullet
        else:
            paragraph.append(stripped)
    flush()
    return out


def inline_parts(text: str) -> list[tuple[str, str]]:
    """(``"gras"`` | ``"code"`` | ``"texte"``, text) runs of one block."""
    parts = []
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**"):
            parts.append(("gras", part[2:-2]))
        elif part.startswith("`") and part.endswith("`"):
            parts.append(("code", part[1:-1]))
        else:
            parts.append(("texte", part))
    return parts


def guide_docx(markdown: str) -> bytes:
    """Headings (``#``), bullets (``-``) and paragraphs, with **bold** and `code` inline, on A4."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # python-docx defaults to US Letter
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    doc.styles["Normal"].font.name = "Liberation Sans"
    doc.styles["Normal"].font.size = Pt(10.5)
    doc.core_properties.title = GUIDE_TITLE
    doc.core_properties.language = "fr-FR"
    for kind, level, text in blocks(markdown):
        if kind == "titre":
            paragraph = doc.add_heading(level=level - 1)
        elif kind == "puce":
            paragraph = doc.add_paragraph(style="List Bullet")
        else:
            paragraph = doc.add_paragraph()
        for style, part in inline_parts(text):
            run = paragraph.add_run(part)
            if style == "gras":
                run.bold = True
            elif style == "code":
                run.font.name = "DejaVu Sans Mono"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=1)
def guide_pdf() -> bytes:
    from documents.render import convert_to_pdf

    return convert_to_pdf(guide_docx(guide_text()))


def guide_filename(fmt: str) -> str:
    return f"guide-utilisateur-portail-of-v{GUIDE_VERSION}.{fmt}"
