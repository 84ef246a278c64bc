"""French formats of the documents: dates ``jj/mm/aaaa`` or ``10 juillet 2026``, amounts ``6 795,83 €``, yes/no.

Typography follows the French CLDR conventions, the same in the DOCX and the PDF: the thousands
separator is a narrow no-break space (U+202F) and the space before ``€`` and ``%`` a no-break space
(U+00A0), so an amount never breaks across lines. :func:`normalize_spaces` turns both into plain
spaces for comparisons (tests, text extraction).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

NNBSP = "\u202f"  # espace fine insécable
NBSP = "\u00a0"  # espace insécable
CENT = Decimal("0.01")


def format_date(value: date | datetime | None) -> str:
    """``14/03/2005``; an empty string for ``None``. Datetimes must already be local."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_date_long(value: date | datetime | None) -> str:
    """``10 juillet 2026``, ``1er juillet 2026`` (the date of a letter); ``""`` for ``None``."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def group_thousands(digits: str) -> str:
    groups = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return NNBSP.join(groups)


def format_number(value, decimals: int = 2) -> str:
    """``6 795,83`` (narrow no-break space between thousands, decimal comma)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    quantum = Decimal(1).scaleb(-decimals)
    amount = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    integer, _, fraction = f"{abs(amount):f}".partition(".")
    text = sign + group_thousands(integer)
    return f"{text},{fraction}" if decimals else text


def format_montant(value) -> str:
    """``6 795,83 €``; an empty string when there is no amount."""
    text = format_number(value, 2)
    return f"{text}{NBSP}€" if text else ""


def format_taux(value) -> str:
    """``53 %`` (no decimals unless needed: ``53,5 %``)."""
    amount = _decimal(value)
    if amount is None:
        return ""
    decimals = 0 if amount == amount.to_integral_value() else 2
    text = format_number(amount, decimals)
    if decimals:
        text = text.rstrip("0").rstrip(",")
    return f"{text}{NBSP}%"


def format_bool(value) -> str:
    """``Oui`` / ``Non``; an empty string when unknown."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "oui", "1", "o", "yes"}:
            return "Oui"
        if lowered in {"false", "non", "0", "n", "no"}:
            return "Non"
        return value
    return "Oui" if value else "Non"


def checkbox(checked: bool) -> str:
    return "☒" if checked else "☐"


def normalize_spaces(text: str) -> str:
    """Plain spaces instead of the no-break ones (for comparisons only, never for output)."""
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def join_nonempty(parts, sep: str = " ") -> str:
    return sep.join(str(p).strip() for p in parts if p is not None and str(p).strip())
