"""The NIR (numéro d'inscription au répertoire, "numéro de sécurité sociale").

Layout of the 13 characters (+ 2-digit key):

====== ============================================================================
1      sex: 1 man, 2 woman
2–3    last two digits of the birth year
4–5    birth month (01–12; 20 and above when the month is unknown)
6–7    département of birth (``2A``/``2B`` for Corsica, ``97``/``98`` + 1 more digit
       overseas, ``99`` abroad)
8–10   commune of birth (2 digits only overseas, where the département takes 3)
11–13  order number
14–15  key = 97 − (number mod 97), with ``2A`` read as 19 and ``2B`` as 18
====== ============================================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rules.verdicts import Problem

_NIR = re.compile(r"^([12])(\d{2})(\d{2})(\d{2}|2[AB])(\d{3})(\d{3})(\d{2})?$")
_SEPARATORS = re.compile(r"[\s.\-]")


@dataclass(frozen=True, slots=True)
class Nir:
    sex: str  # "1" or "2"
    year: str  # two digits
    month: str  # two digits
    departement: str  # "75", "2A", "971", "99"
    commune: str
    order: str
    key: str | None

    @property
    def body(self) -> str:
        return f"{self.sex}{self.year}{self.month}{self.departement}{self.commune}{self.order}"

    @property
    def month_known(self) -> bool:
        return 1 <= int(self.month) <= 12


def normalise(value) -> str:
    return _SEPARATORS.sub("", str(value or "")).upper()


def parse(value) -> Nir | None:
    """The parts of a 13- or 15-character NIR, or None when the layout is wrong."""
    match = _NIR.match(normalise(value))
    if not match:
        return None
    sex, year, month, dep2, commune3, order, key = match.groups()
    if month == "00":
        return None
    if dep2 in ("97", "98"):
        departement, commune = dep2 + commune3[0], commune3[1:]
    else:
        departement, commune = dep2, commune3
    return Nir(sex, year, month, departement, commune, order, key)


def key_of(body: str) -> int:
    """Control key of the 13 first characters."""
    body = normalise(body)[:13]
    corsica = {"2A": "19", "2B": "18"}.get(body[5:7])
    digits = body[:5] + corsica + body[7:] if corsica else body
    return 97 - int(digits) % 97


def complete(body: str) -> str:
    """The 15-character NIR for a 13-character body (used to build test and demo data)."""
    return normalise(body) + f"{key_of(body):02d}"


def is_valid(value) -> bool:
    nir = parse(value)
    return nir is not None and (nir.key is None or int(nir.key) == key_of(nir.body))


def _departement_matches(nir: Nir, departement: str, birth: date | None) -> bool:
    if departement in ("2A", "2B"):
        # Before the 1976 split, Corsica-born people carry the former code 20.
        return nir.departement == departement or (nir.departement == "20" and birth is not None and birth.year < 1976)
    return nir.departement == departement


def check_nir(
    value,
    *,
    field: str,
    sexe: str | None = None,
    date_naissance: date | None = None,
    departement: str | None = None,
    required: bool = False,
) -> list[Problem]:
    """Format, key and consistency of a NIR with the person's sex, birth date and département.

    ``sexe`` is ``"M"``/``"F"``; ``departement`` the normalised code of the département of birth
    (``"75"``, ``"2A"``, ``"971"``, ``"99"``). Missing pieces are not compared.
    """
    text = normalise(value)
    if not text:
        return [Problem(field, "Le NIR est obligatoire.", "obligatoire")] if required else []
    nir = parse(text)
    if nir is None:
        return [
            Problem(
                field,
                "Le NIR doit comporter 13 caractères (15 avec la clé) : sexe, année, mois, département "
                "(2A/2B pour la Corse), commune et numéro d'ordre.",
            )
        ]
    problems: list[Problem] = []
    if nir.key is not None and int(nir.key) != key_of(nir.body):
        problems.append(Problem(field, "La clé du NIR est erronée : vérifiez le numéro saisi."))
    if sexe in ("M", "F") and nir.sex != {"M": "1", "F": "2"}[sexe]:
        problems.append(
            Problem(field, f"Le NIR commence par {nir.sex}, ce qui ne correspond pas au sexe déclaré.", "incoherent")
        )
    if date_naissance is not None:
        if nir.year != f"{date_naissance.year % 100:02d}":
            problems.append(
                Problem(field, "L'année de naissance du NIR ne correspond pas à la date de naissance.", "incoherent")
            )
        if nir.month_known and int(nir.month) != date_naissance.month:
            problems.append(
                Problem(field, "Le mois de naissance du NIR ne correspond pas à la date de naissance.", "incoherent")
            )
    if departement and not _departement_matches(nir, departement, date_naissance):
        problems.append(
            Problem(
                field,
                f"Le département de naissance du NIR ({nir.departement}) ne correspond pas au département "
                f"de naissance déclaré ({departement}).",
                "incoherent",
            )
        )
    return problems
