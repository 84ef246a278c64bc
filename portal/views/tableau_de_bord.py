"""Mon tableau de bord: the cards (dossiers en cours / en attente de pièces per dispositif, factures, the
échéances of the apprenticeship contracts to invoice now and later), each counter a link to its filtered
list, the « mises à jour » panel and the guide."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cases.permissions import has_droit
from cases.selectors import (
    DOSSIER_ETATS_EN_ATTENTE,
    DOSSIER_ETATS_EN_COURS,
    FACTURE_ETATS_EN_ATTENTE,
    FACTURE_ETATS_EN_COURS,
    dashboard,
)
from documents.contenus import NOUVEAUTES
from portal.context import portal_view
from rules.actions import Droit
from rules.lifecycles import Dispositif

PLURIELS = {
    Dispositif.APPRENTISSAGE: "Contrats d'apprentissage",
    Dispositif.PROFESSIONNALISATION: "Contrats de professionnalisation",
    Dispositif.PRO_A: "Pro-A",
    Dispositif.ACTION_FORMATION: "Actions de formation",
}


@dataclass(frozen=True)
class Tuile:
    libelle: str
    nombre: int
    lien: str
    montant: object = None


def _lien(name: str, args: tuple, etats, etablissement: int) -> str:
    query = [("etat", e.value) for e in etats] + [("etablissement", etablissement)]
    return reverse(name, args=args) + "?" + urlencode(query)


@require_GET
def accueil(request: HttpRequest):
    """``/`` leads to the portal: the dashboard, or the sign-in page first."""
    return redirect("portal:tableau_de_bord")


@portal_view
@require_GET
def tableau_de_bord(request: HttpRequest):
    viewer = request.viewer
    board = dashboard(actor=viewer.actor, etablissement_id=viewer.etablissement_id)
    request.notifications_non_lues = board.notifications_non_lues  # the header's badge, already counted
    etab = viewer.etablissement_id

    def dossiers(counts, etats) -> list[Tuile]:
        return [
            Tuile(PLURIELS[d], counts[d.value], _lien("portal:dossiers", (d.value,), etats, etab)) for d in Dispositif
        ]

    context = {
        "nav": "tableau",
        "board": board,
        "en_cours": dossiers(board.dossiers_en_cours, DOSSIER_ETATS_EN_COURS),
        "en_attente": dossiers(board.dossiers_en_attente, DOSSIER_ETATS_EN_ATTENTE),
        "factures": [
            Tuile(
                "En attente de pièces justificatives",
                board.factures_en_attente,
                _lien("portal:factures", (), FACTURE_ETATS_EN_ATTENTE, etab),
            ),
            Tuile(
                "En cours de traitement",
                board.factures_en_cours,
                _lien("portal:factures", (), FACTURE_ETATS_EN_COURS, etab),
            ),
        ],
        "echeances": [
            Tuile(
                "Échéances à facturer",
                board.echeances_a_facturer,
                reverse("portal:echeances") + "?" + urlencode({"vue": "a_facturer", "etablissement": etab}),
                board.montant_a_facturer,
            ),
            Tuile(
                "Échéances à venir",
                board.echeances_a_venir,
                reverse("portal:echeances") + "?" + urlencode({"vue": "a_venir", "etablissement": etab}),
                board.montant_a_venir,
            ),
        ],
        "nouveautes": NOUVEAUTES,
        "peut_saisir": has_droit(viewer.actor, etab, Droit.SAISIR_CONTRATS),
    }
    return render(request, "portal/tableau_de_bord.html", context)
