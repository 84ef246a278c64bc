"""Tableau de bord: the three cards, unread notifications, « mises à jour et évolutions », the guide."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Query, Router

from api.auth import actor_of
from api.common import CONTEXT_DESCRIPTION, binary, bytes_response, context, json_ok
from api.errors import errors
from api.presenters import etablissement_court, link
from api.schemas import GuideOut, TableauDeBordOut
from cases.selectors import (
    DOSSIER_ETATS_EN_ATTENTE,
    DOSSIER_ETATS_EN_COURS,
    FACTURE_ETATS_EN_ATTENTE,
    FACTURE_ETATS_EN_COURS,
    dashboard,
)
from documents.contenus import GUIDE_TITLE, GUIDE_VERSION, NOUVEAUTES, guide_text
from rules.lifecycles import Dispositif

router = Router(tags=["Tableau de bord"])


def _guide() -> dict:
    return {"titre": GUIDE_TITLE, "version": GUIDE_VERSION, "lien": link("/guide/telecharger")}


@router.get(
    "/tableau-de-bord",
    response={200: TableauDeBordOut, **errors(401, 403, 404, 422, 429)},
    summary="Encarts de suivi, notifications non lues, nouveautés et guide",
)
def tableau_de_bord(
    request: HttpRequest,
    etablissement: int | None = Query(None, description=CONTEXT_DESCRIPTION),
    x_etablissement: int | None = Header(None, alias="X-ETABLISSEMENT", description=CONTEXT_DESCRIPTION),
):
    board = dashboard(actor=actor_of(request), etablissement_id=context(etablissement, x_etablissement))
    etab = board.etablissement.pk if board.etablissement else None

    def dossiers(counts: dict[str, int], etats) -> list[dict]:
        return [
            {
                "code": d.value,
                "libelle": d.label,
                "nombre": counts[d.value],
                "lien": link("/dossiers", dispositif=d.value, etat=[e.value for e in etats], etablissement=etab),
            }
            for d in Dispositif
        ]

    return json_ok(
        {
            "etablissement": etablissement_court(board.etablissement),
            "dossiers_en_cours_de_traitement": dossiers(board.dossiers_en_cours, DOSSIER_ETATS_EN_COURS),
            "dossiers_en_attente_de_pieces": dossiers(board.dossiers_en_attente, DOSSIER_ETATS_EN_ATTENTE),
            "factures": [
                {
                    "code": "en_attente_de_pieces",
                    "libelle": "En attente de pièces justificatives",
                    "nombre": board.factures_en_attente,
                    "lien": link("/factures", etat=[e.value for e in FACTURE_ETATS_EN_ATTENTE], etablissement=etab),
                },
                {
                    "code": "en_cours_de_traitement",
                    "libelle": "En cours de traitement",
                    "nombre": board.factures_en_cours,
                    "lien": link("/factures", etat=[e.value for e in FACTURE_ETATS_EN_COURS], etablissement=etab),
                },
            ],
            "echeances": [
                {
                    "code": "a_facturer",
                    "libelle": "Échéances à facturer",
                    "nombre": board.echeances_a_facturer,
                    "montant": board.montant_a_facturer,
                    "lien": link("/echeances", vue="a_facturer", etablissement=etab),
                },
                {
                    "code": "a_venir",
                    "libelle": "Échéances à venir",
                    "nombre": board.echeances_a_venir,
                    "montant": board.montant_a_venir,
                    "lien": link("/echeances", vue="a_venir", etablissement=etab),
                },
            ],
            "notifications_non_lues": {
                "code": "notifications_non_lues",
                "libelle": "Notifications non lues",
                "nombre": board.notifications_non_lues,
                "lien": link("/notifications", lue="false", etablissement=etab),
            },
            "mises_a_jour": [{"date": n.date, "titre": n.titre, "description": n.description} for n in NOUVEAUTES],
            "guide": _guide(),
        }
    )


@router.get("/guide", response={200: GuideOut, **errors(401, 403, 429)}, summary="Mon guide")
def guide(request: HttpRequest):
    return _guide()


@router.get(
    "/guide/telecharger",
    response={200: None, **errors(401, 403, 429)},
    summary="Consulter / télécharger le guide utilisateur",
    openapi_extra=binary("Le guide utilisateur (Markdown)", "text/markdown"),
)
def guide_download(request: HttpRequest):
    return bytes_response(guide_text().encode("utf-8"), "guide-utilisateur.md", inline=False)
