"""The public entry points: a domain object in, the bytes of a DOCX or a PDF out.

Mapping (:mod:`documents.mapping`) → rendering (:mod:`documents.docx_render`) → conversion
(:mod:`documents.converters`). Nothing is written to disk here; :func:`render_to_file` writes
atomically when a file is wanted.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

from cases.models import Courrier, Dossier, Reglement
from documents.converters import Converter, convert_docx_to_pdf
from documents.docx_render import avis_paiement_docx, cerfa_docx, courrier_docx
from documents.errors import DocumentError
from documents.files import write_atomic
from documents.letters import avis_paiement_context, courrier_context
from documents.mapping import cerfa_context

FORMATS = ("pdf", "docx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _check_format(fmt: str) -> str:
    fmt = (fmt or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise DocumentError(f"Format de document inconnu : « {fmt} » (formats possibles : pdf, docx).")
    return fmt


def _output(docx: bytes, fmt: str, converter: Converter | None) -> bytes:
    return docx if fmt == "docx" else convert_docx_to_pdf(docx, converter=converter)


def convert_to_pdf(docx: bytes, *, converter: Converter | None = None) -> bytes:
    """DOCX bytes → PDF bytes with the configured converter (``PORTAIL_PDF_CONVERTER``)."""
    return convert_docx_to_pdf(docx, converter=converter)


def render_cerfa(
    dossier: Dossier, fmt: str = "pdf", *, today: date | None = None, converter: Converter | None = None
) -> bytes:
    """The CERFA FA13 « formulaire reconstitué » of an apprenticeship dossier (draft or transmitted)."""
    fmt = _check_format(fmt)
    return _output(cerfa_docx(cerfa_context(dossier, today=today)), fmt, converter)


def render_courrier(
    courrier: Courrier, fmt: str = "pdf", *, today: date | None = None, converter: Converter | None = None
) -> bytes:
    """The letter of a courrier (any ``TypeCourrier``), dated ``courrier.emis_at`` or else ``today``."""
    fmt = _check_format(fmt)
    return _output(courrier_docx(courrier_context(courrier, today=today)), fmt, converter)


def render_avis_paiement(
    reglement: Reglement, fmt: str = "pdf", *, today: date | None = None, converter: Converter | None = None
) -> bytes:
    """The « Imprimer » document of a règlement: bénéficiaire, transaction, every facture settled."""
    fmt = _check_format(fmt)
    return _output(avis_paiement_docx(avis_paiement_context(reglement, today=today)), fmt, converter)


def render_to_file(path: str | os.PathLike, render: Callable[..., bytes], *args, **kwargs) -> Path:
    """Render, then write atomically: on any error nothing is written (no half-written file)."""
    data = render(*args, **kwargs)
    return write_atomic(path, data)


def document_filename(obj: Dossier | Courrier | Reglement, fmt: str = "pdf") -> str:
    """A download name: ``cerfa-3866466.1.pdf``, ``accord-of-3866466.1.pdf``, ``reglement-0063618.pdf``."""
    fmt = _check_format(fmt)
    if isinstance(obj, Dossier):
        stem = f"cerfa-{obj.reference}"
    elif isinstance(obj, Courrier):
        ref = (
            obj.dossier.reference
            if obj.dossier_id
            else (f"facture-{obj.facture.numero}" if obj.facture_id else f"reglement-{obj.reglement.numero}")
        )
        stem = f"{obj.type.replace('_', '-')}-{obj.destinataire}-{ref}"
    elif isinstance(obj, Reglement):
        stem = f"reglement-{obj.numero}"
    else:
        raise DocumentError("Aucun document n'est associé à cet objet.")
    return f"{stem}.{fmt}"
