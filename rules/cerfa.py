"""The CERFA FA13 payload (field names of the inter-OPCO exchange norm): what a draft needs, what a
transmission needs, and the summary fields the synthesis page shows.

The data model is :mod:`rules.cerfa_schema`, the complete rule set :mod:`rules.cerfa_rules`
(:func:`validate_cerfa`), the pay grid :mod:`rules.remuneration`, the code lists
:mod:`rules.referentiels`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from rules import identifiers
from rules.cerfa_rules import UNKNOWN_MESSAGE, CerfaVerdict, validate_cerfa
from rules.cerfa_schema import example_payload, form_structure, get_path, parse_date, unknown_paths
from rules.remuneration import SMIC_REFERENCE, SmicValue
from rules.verdicts import Problem

__all__ = [
    "DRAFT_REQUIRED",
    "TRANSMISSION_REQUIRED",
    "CerfaVerdict",
    "check_draft",
    "check_transmission_minimum",
    "example_payload",
    "form_structure",
    "get_path",
    "parse_date",
    "summary",
    "validate_cerfa",
]

DRAFT_REQUIRED = ("employeur.siret", "organismeFormation.siret")
# Fields that must be present before a transmission, beyond the draft minimum, even in the
# lenient mode of :func:`check_transmission_minimum`.
TRANSMISSION_REQUIRED = (
    "apprenti.nom",
    "apprenti.prenom",
    "apprenti.dateNaissance",
    "formation.intituleQualification",
    "formation.dateDebutFormation",
    "formation.dateFinFormation",
    "contrat.dateDebutContrat",
    "contrat.dateFinContrat",
)


def check_draft(payload: dict) -> list[Problem]:
    """A draft needs the two SIRETs; a field the CERFA does not have is refused with its path."""
    problems: list[Problem] = []
    problems += identifiers.check_siret(get_path(payload, "employeur.siret"), field="employeur.siret")
    problems += identifiers.check_siret(get_path(payload, "organismeFormation.siret"), field="organismeFormation.siret")
    problems += [Problem(path, UNKNOWN_MESSAGE, "inconnu") for path in unknown_paths(payload)]
    return problems


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    return [p for p in problems if (p.field, p.message) not in seen and not seen.add((p.field, p.message))]


def check_transmission_minimum(
    payload: dict,
    *,
    today: date | None = None,
    complete: bool = False,
    smic_table: Sequence[SmicValue] = SMIC_REFERENCE,
) -> list[Problem]:
    """The problems that forbid transmitting the CERFA (empty list: it may be transmitted).

    - ``complete=False`` (default, lenient): the draft minimum, the fields of
      ``TRANSMISSION_REQUIRED``, and every rule of :func:`validate_cerfa` on what *is* filled in
      (formats, dates, ages, durations, public employer, pay below the minimum …); other missing
      fields do not block.
    - ``complete=True``: the whole CERFA must be complete and valid (all of
      :func:`validate_cerfa`'s blocking problems).

    ``today`` enables the rules that depend on the date of the day (contract already over,
    signature or birth in the future); without it they are skipped.
    """
    problems = check_draft(payload)
    verdict = validate_cerfa(payload if isinstance(payload, dict) else {}, today=today, smic_table=smic_table)
    if complete:
        return _dedupe(problems + list(verdict.problems))
    for path in TRANSMISSION_REQUIRED:
        if get_path(payload, path) in (None, ""):
            problems.append(Problem(path, "Ce champ est obligatoire pour transmettre le dossier.", "obligatoire"))
    problems += [p for p in verdict.problems if p.code not in ("obligatoire", "incomplet")]
    return _dedupe(problems)


def summary(payload: dict) -> dict:
    """The synthesis fields of a dossier, taken from its CERFA."""
    text = lambda path: (get_path(payload, path) or "").strip() if isinstance(get_path(payload, path), str) else ""  # noqa: E731
    return {
        "salarie_nom": text("apprenti.nom"),
        "salarie_prenom": text("apprenti.prenom"),
        "salarie_date_naissance": parse_date(get_path(payload, "apprenti.dateNaissance")),
        "formation_intitule": text("formation.intituleQualification"),
        "formation_rncp": text("formation.rncp"),
        "formation_date_debut": parse_date(get_path(payload, "formation.dateDebutFormation")),
        "formation_date_fin": parse_date(get_path(payload, "formation.dateFinFormation")),
        "contrat_date_debut": parse_date(get_path(payload, "contrat.dateDebutContrat")),
        "contrat_date_fin": parse_date(get_path(payload, "contrat.dateFinContrat")),
    }
