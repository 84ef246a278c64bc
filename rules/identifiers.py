"""Checks of French administrative identifiers (SIRET, SIREN, UAI).

Pure functions: they never raise on bad input, they answer ``True``/``False``
or return a list of :class:`rules.verdicts.Problem`.
"""

from __future__ import annotations

import re

from rules.verdicts import Problem

# La Poste's establishments share one SIREN and do not follow the Luhn key:
# their SIRET is valid when the sum of its 14 digits is a multiple of 5.
LA_POSTE_SIREN = "356000000"
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # 23 letters: no I, O, Q

_DIGITS = re.compile(r"^\d+$")
_UAI = re.compile(r"^(\d{7})([A-Z])$")


def luhn_is_valid(digits: str) -> bool:
    """Luhn checksum over a string of digits (rightmost digit is the key)."""
    if not digits or not _DIGITS.match(digits):
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siren_is_valid(siren: str) -> bool:
    return len(siren) == 9 and luhn_is_valid(siren)


def siret_is_valid(siret: str) -> bool:
    if len(siret) != 14 or not _DIGITS.match(siret):
        return False
    if luhn_is_valid(siret):
        return True
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0
    return False


def siren_of(siret: str) -> str:
    return siret[:9]


def nic_of(siret: str) -> str:
    return siret[9:]


def uai_check_letter(seven_digits: str) -> str:
    return UAI_LETTERS[int(seven_digits) % 23]


def uai_is_valid(uai: str) -> bool:
    match = _UAI.match(uai.upper()) if uai else None
    return bool(match) and uai_check_letter(match.group(1)) == match.group(2)


def check_siret(value: str | None, *, field: str, required: bool = True) -> list[Problem]:
    if not value:
        return [Problem(field, "Le SIRET est obligatoire.")] if required else []
    if not isinstance(value, str) or len(value) != 14 or not _DIGITS.match(value):
        return [Problem(field, "Le SIRET doit comporter exactement 14 chiffres.")]
    if not siret_is_valid(value):
        return [Problem(field, "Le SIRET est invalide (clé de contrôle erronée).")]
    return []


def check_uai(value: str | None, *, field: str, required: bool = False) -> list[Problem]:
    if not value:
        return [Problem(field, "Le numéro UAI est obligatoire.")] if required else []
    if not _UAI.match(value.upper()):
        return [Problem(field, "Le numéro UAI doit comporter 7 chiffres suivis d'une lettre.")]
    if not uai_is_valid(value):
        return [Problem(field, "Le numéro UAI est invalide (lettre de contrôle erronée).")]
    return []


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to ``partial`` (used to build test and demo identifiers)."""
    for digit in "0123456789":
        if luhn_is_valid(partial + digit):
            return partial + digit
    raise AssertionError("unreachable")


def uai_complete(seven_digits: str) -> str:
    return seven_digits + uai_check_letter(seven_digits)
