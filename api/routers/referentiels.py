"""Code lists used by the forms and the back-office (dispositifs, états, pièces, motifs, rôles, droits)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from api.errors import errors
from api.schemas import ReferentielsOut
from cases.models import NatureFinancement, NatureLigneFacture
from rules import motifs
from rules.actions import ROLE_LABELS, Droit, Role
from rules.echeancier import STATUT_LABELS
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture

router = Router(tags=["Référentiels"])


def _pairs(table: dict) -> list[dict]:
    return [{"code": str(code), "libelle": label} for code, label in table.items()]


@router.get("/referentiels", response={200: ReferentielsOut, **errors(401, 403, 429)}, summary="Listes de codes")
def referentiels(request: HttpRequest):
    return {
        "dispositifs": [{"code": d.value, "libelle": d.label} for d in Dispositif],
        "etats_dossier": [{"code": e.value, "libelle": e.label} for e in EtatDossier],
        "etats_facture": [{"code": e.value, "libelle": e.label} for e in EtatFacture],
        "pieces_dossier": _pairs(motifs.PIECES_DOSSIER),
        "pieces_facture": _pairs(motifs.PIECES_FACTURE),
        "motifs_refus_dossier": _pairs(motifs.MOTIFS_REFUS_DOSSIER),
        "motifs_rejet_facture": _pairs(motifs.MOTIFS_REJET_FACTURE),
        "motifs_rupture": _pairs(motifs.MOTIFS_RUPTURE),
        "natures_financement": [{"code": n.value, "libelle": n.label} for n in NatureFinancement],
        "natures_ligne_facture": [{"code": n.value, "libelle": n.label} for n in NatureLigneFacture],
        "statuts_echeance": [{"code": k.value, "libelle": v} for k, v in STATUT_LABELS.items()],
        "roles": [{"code": r.value, "libelle": ROLE_LABELS[r]} for r in (Role.ADMIN_OF, Role.GESTIONNAIRE_OF)],
        "droits": [{"code": d.value, "libelle": d.label} for d in Droit],
    }
