"""The CERFA FA13 payload (field names of the inter-OPCO exchange norm): the minimum a draft
needs, and the summary fields the synthesis page shows.

The complete rule set of the form lives with the apprenticeship work; this module only knows
what the foundation needs.
"""

from __future__ import annotations

from datetime import date

from rules import identifiers
from rules.verdicts import Problem

DRAFT_REQUIRED = ("employeur.siret", "organismeFormation.siret")
# Fields that must be present before a transmission, beyond the draft minimum.
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


def get_path(payload: dict, path: str):
    node = payload
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def check_draft(payload: dict) -> list[Problem]:
    problems: list[Problem] = []
    problems += identifiers.check_siret(get_path(payload, "employeur.siret"), field="employeur.siret")
    problems += identifiers.check_siret(get_path(payload, "organismeFormation.siret"), field="organismeFormation.siret")
    return problems


def check_transmission_minimum(payload: dict) -> list[Problem]:
    problems = check_draft(payload)
    for path in TRANSMISSION_REQUIRED:
        value = get_path(payload, path)
        if value in (None, ""):
            problems.append(Problem(path, "Ce champ est obligatoire pour transmettre le dossier.", "obligatoire"))
        elif path.split(".")[-1].startswith("date") and parse_date(value) is None:
            problems.append(Problem(path, "La date est invalide (format attendu : aaaa-mm-jj)."))
    debut, fin = (parse_date(get_path(payload, f"contrat.{k}")) for k in ("dateDebutContrat", "dateFinContrat"))
    if debut and fin and fin < debut:
        problems.append(Problem("contrat.dateFinContrat", "La date de fin du contrat précède sa date de début."))
    return problems


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
