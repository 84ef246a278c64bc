"""Static content of the tableau de bord: « mises à jour et évolutions » and the user guide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

GUIDE_PATH = Path(__file__).with_name("guide-utilisateur.md")
GUIDE_TITLE = "Guide utilisateur — Portail OF"
GUIDE_VERSION = "3.0"


@dataclass(frozen=True)
class Nouveaute:
    date: date
    titre: str
    description: str


# Newest first. Kept in code: a new entry ships with the release it describes.
NOUVEAUTES: tuple[Nouveaute, ...] = (
    Nouveaute(
        date(2026, 12, 1),
        "Le portail web des organismes de formation",
        "Tous les écrans du guide dans votre navigateur : tableau de bord, saisie du contrat d'apprentissage "
        "avec contrôles au fil de la saisie et barème de rémunération calculé, synthèse et historique des dossiers, "
        "factures, paiements, utilisateurs invités par e-mail et clé d'authentification.",
    ),
    Nouveaute(
        date(2026, 11, 20),
        "API du portail et clé d'authentification",
        "Connectez votre logiciel de gestion au portail avec la clé d'authentification de votre SIRET "
        "(valable 365 jours) : dossiers, factures, paiements et notifications, documentés en OpenAPI.",
    ),
    Nouveaute(
        date(2026, 11, 20),
        "Exports des factures et des paiements",
        "Exportez la liste des factures et celle des paiements OPCO au format tableur (XLSX) ou CSV.",
    ),
    Nouveaute(
        date(2022, 11, 1),
        "M-Gestion CFA devient M-Gestion Organisme de formation",
        "Visualisez les contrats de professionnalisation, les Pro-A et les actions de formation, ajoutez des "
        "pièces sur tous les dossiers, déposez vos factures sur les dossiers subrogés et suivez vos règlements.",
    ),
    Nouveaute(
        date(2022, 10, 14),
        "Notifications de dépôt de courrier",
        "Chaque nouveau courrier déposé dans un dossier est signalé ; un mail quotidien les récapitule "
        "(désactivable dans « Gérer mes notifications »).",
    ),
)


def guide_text() -> str:
    return GUIDE_PATH.read_text(encoding="utf-8")
