"""The errors of the documents layer, with French messages fit for a user or an operator."""

from __future__ import annotations


class DocumentError(Exception):
    """A document cannot be produced (missing or corrupt template, unknown format…)."""


class TemplateError(DocumentError):
    """A template is missing, unreadable, corrupt or incomplete: no document of its kind can be produced
    until it is repaired (unlike a :class:`DocumentError` about one document's data)."""


class ConversionError(DocumentError):
    """The DOCX → PDF conversion failed."""


class ConverterUnavailable(ConversionError):
    """The converter cannot run here (not installed, listener impossible to start).

    ``auto`` mode moves on to the next converter on this error, never on a plain
    :class:`ConversionError` (which means the document itself could not be converted).
    """
