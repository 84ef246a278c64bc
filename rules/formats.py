"""Formats of the CERFA fields: names, postal codes, phones, e-mails, NAF, IDCC, RNCP, CFD, DECA.

Each ``check_*`` takes the raw value and the field path and returns a list of
:class:`rules.verdicts.Problem` (empty when the value is absent: requiredness is checked
elsewhere). The ``normalise_*`` helpers return the canonical form, or None when invalid.
"""

from __future__ import annotations

import re

from rules.verdicts import Problem

NAME_MAX = 80
EMAIL_MAX = 80

_NAME_EXTRA = set(" -'’‘")
_POSTAL_CODE = re.compile(r"^\d{5}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
_PHONE_FR = re.compile(r"^0[1-9]\d{8}$")
_PHONE_FR_INTL = re.compile(r"^\+33[1-9]\d{8}$")
_PHONE_INTL = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)  # noqa: E501
_NAF = re.compile(r"^(\d{2})\.?(\d{2})([A-Z])$")
_IDCC = re.compile(r"^\d{1,4}$")
_RNCP = re.compile(r"^(?:RNCP)?(\d{3,5})$")
_CFD = re.compile(r"^[0-9A-Z]{3}\d{3}[0-9A-Z]{2}[A-Z]?$")
_DECA = re.compile(r"^(0\d{2}|02[AB]|97\d)(\d{4})(0[1-9]|1[0-2])(NC|\d{2})(\d{4})$")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], {})


def text_of(value) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())


def check_text(value, *, field: str, max_length: int = 255) -> list[Problem]:
    if is_blank(value):
        return []
    if not isinstance(value, str):
        return [Problem(field, "Ce champ doit être un texte.")]
    if len(value.strip()) > max_length:
        return [Problem(field, f"Ce champ ne doit pas dépasser {max_length} caractères.")]
    return []


def check_name(value, *, field: str) -> list[Problem]:
    """Nom / prénom: letters (accents included), spaces, hyphens and apostrophes; 80 characters at most."""
    if is_blank(value):
        return []
    if not isinstance(value, str):
        return [Problem(field, "Ce champ doit être un texte.")]
    text = value.strip()
    if len(text) > NAME_MAX:
        return [Problem(field, f"Ce champ ne doit pas dépasser {NAME_MAX} caractères.")]
    if not any(c.isalpha() for c in text) or any(not (c.isalpha() or c in _NAME_EXTRA) for c in text):
        return [
            Problem(
                field, "Seuls les lettres, les espaces, les tirets et les apostrophes sont acceptés (pas de chiffres)."
            )
        ]
    return []


def check_postal_code(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    if not _POSTAL_CODE.match(text_of(value)):
        return [Problem(field, "Le code postal doit comporter exactement 5 chiffres.")]
    return []


def normalise_phone(value) -> str | None:
    text = _PHONE_SEPARATORS.sub("", text_of(value))
    if text.startswith("00"):
        text = "+" + text[2:]
    if _PHONE_FR.match(text):
        return "+33" + text[1:]
    if _PHONE_FR_INTL.match(text) or (_PHONE_INTL.match(text) and not text.startswith("+33")):
        return text
    return None


def check_phone(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    if normalise_phone(value) is None:
        return [
            Problem(
                field,
                "Le numéro de téléphone est invalide : 10 chiffres commençant par 0 (01 23 45 67 89) "
                "ou format international (+33 1 23 45 67 89).",
            )
        ]
    return []


def check_email(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    text = text_of(value)
    if len(text) > EMAIL_MAX:
        return [Problem(field, f"L'adresse électronique ne doit pas dépasser {EMAIL_MAX} caractères.")]
    if not _EMAIL.match(text):
        return [Problem(field, "L'adresse électronique est invalide (exemple attendu : nom@domaine.fr).")]
    return []


def normalise_naf(value) -> str | None:
    """``4932Z`` / ``49.32z`` → ``4932Z``."""
    match = _NAF.match(text_of(value).upper())
    return "".join(match.groups()) if match else None


def check_naf(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    if normalise_naf(value) is None:
        return [Problem(field, "Le code NAF doit comporter 4 chiffres suivis d'une lettre (ex. : 49.32Z).")]
    return []


def normalise_idcc(value) -> str | None:
    """``16`` / ``"16"`` → ``"0016"``; ``"0000"`` is not a convention."""
    if isinstance(value, bool):
        return None
    text = text_of(value)
    if not _IDCC.match(text) or int(text) == 0:
        return None
    return text.zfill(4)


def check_idcc(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    if normalise_idcc(value) is None:
        return [
            Problem(
                field,
                "Le code IDCC doit comporter 4 chiffres (9999 : aucune convention collective ; "
                "9998 : convention en cours de négociation).",
            )
        ]
    return []


def normalise_rncp(value) -> str | None:
    """``RNCP36542`` / ``36542`` / ``rncp 36542`` → ``RNCP36542``."""
    match = _RNCP.match(text_of(value).upper().replace(" ", ""))
    return f"RNCP{match.group(1)}" if match else None


def check_rncp(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    if normalise_rncp(value) is None:
        return [
            Problem(field, "Le code RNCP doit comporter le préfixe RNCP suivi de 3 à 5 chiffres (ex. : RNCP36542).")
        ]
    return []


def check_code_diplome(value, *, field: str) -> list[Problem]:
    if is_blank(value):
        return []
    if not _CFD.match(text_of(value).upper()):
        return [
            Problem(
                field,
                "Le code diplôme (Éducation nationale) doit comporter 8 caractères : 3 chiffres ou lettres, "
                "3 chiffres puis 2 chiffres ou lettres (ex. : 50022137).",
            )
        ]
    return []


def check_numero_deca(value, *, field: str) -> list[Problem]:
    """National contract number: département (3) + year (4) + month (2) + ``NC`` or 2 digits + 4 digits."""
    if is_blank(value):
        return []
    if not _DECA.match(text_of(value).upper()):
        return [
            Problem(
                field,
                "Le numéro de contrat doit comporter 15 caractères : département sur 3 caractères, année, mois, "
                "puis 6 caractères (ex. : 075202409000123).",
            )
        ]
    return []
