"""Rendering of documents: DOCX (python-docx), PDF (LibreOffice/docx2pdf), XLSX/CSV exports. Never decides.

Public entry points (imported lazily, so that ``python -m documents.build_templates`` needs no Django):

- :func:`render_cerfa` (dossier, fmt) — the CERFA FA13 « formulaire reconstitué »;
- :func:`render_courrier` (courrier, fmt) — every :class:`cases.models.TypeCourrier`;
- :func:`render_avis_paiement` (reglement, fmt) — « Imprimer » on a règlement;
- :func:`convert_to_pdf`, :func:`write_atomic`, :func:`render_to_file`, :func:`document_filename`;
- :func:`warm_up` / :func:`shutdown` of the PDF converter (a supervised LibreOffice listener);
- :class:`DocumentError`, :class:`TemplateError`, :class:`ConversionError`, :class:`ConverterUnavailable`.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "render_cerfa": "documents.render",
    "render_courrier": "documents.render",
    "render_avis_paiement": "documents.render",
    "render_to_file": "documents.render",
    "document_filename": "documents.render",
    "convert_to_pdf": "documents.render",
    "write_atomic": "documents.files",
    "warm_up": "documents.converters",
    "shutdown": "documents.converters",
    "get_converter": "documents.converters",
    "DocumentError": "documents.errors",
    "ConversionError": "documents.errors",
    "ConverterUnavailable": "documents.errors",
    "TemplateError": "documents.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'documents' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
