"""Our objects in the norm's names and formats: identifiers as strings, dates as date-times with their
offset (Europe/Paris), amounts and codes as numbers, states in the norm's codes (:mod:`rules.norme`)."""

from __future__ import annotations

from decimal import Decimal

from cases.models import Dossier, PieceJointe
from echanges.selectors import DossierNorme, FactureNorme
from rules import norme


def numero_interne(dossier: Dossier) -> str:
    return str(dossier.pk)


def numero_externe(dossier: Dossier) -> str:
    return dossier.reference


def _amount(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def depot(dossier: Dossier) -> dict:
    return {"numeroInterne": numero_interne(dossier), "numeroExterne": numero_externe(dossier)}


def etat_row(row: dict) -> dict:
    """A row of ``dossiers/etats`` from the selector's values (no model instance: the feed is hot)."""
    return {
        "numeroInterne": str(row["pk"]),
        "numeroExterne": f"{row['numero']}.{row['version']}",
        "numeroDeca": row["numero_depot"] or None,
        "etat": norme.etat_dossier(row["etat"])[0],
    }


def _commentaire(detail: DossierNorme) -> str:
    comment = detail.commentaire_etat
    if detail.avenant is not None:
        comment = (
            f"Remplacé par l'avenant {detail.avenant.reference} (numeroInterne {detail.avenant.pk}) : "
            "poursuivez avec ce numéro."
        )
    return comment


def dossier(detail: DossierNorme) -> dict:
    """``GET /dossiers?numeroInterne=``: the cerfa with its state and numbers, the engagement and frais annexes."""
    d = detail.dossier
    cerfa = norme.cerfa_to_norme(d.donnees or {})
    contrat = cerfa.setdefault("contrat", {})
    contrat["noContrat"] = d.numero_depot or None
    if d.version > 1:
        contrat["noAvenant"] = d.version - 1
    contrat["dateRupture"] = norme.date_to_norme(d.date_rupture)
    cerfa.update(
        {
            "numeroInterne": numero_interne(d),
            "numeroExterne": numero_externe(d),
            "numeroDeca": d.numero_depot or None,
            "etat": norme.etat_dossier(d.etat)[0],
            "commentaireEtat": _commentaire(detail),
            "dateTransmission": norme.datetime_to_norme(d.transmitted_at),
            "dateDecision": norme.datetime_to_norme(d.decided_at),
        }
    )
    engaged = [f for f in detail.financements if f.montant_pris_en_charge is not None]
    frais = [
        {
            "natureFrais": norme.nature_frais(f.nature),
            "quantite": 1,
            "prixUnitaire": _amount(f.montant_pris_en_charge),
            "montantTotal": _amount(f.montant_pris_en_charge),
        }
        for f in engaged
        if norme.nature_frais(f.nature)
    ]
    premier = next((f for f in engaged if f.nature == "premier_equipement"), None)
    return {
        "cerfa": cerfa,
        "engagement": _amount(sum((f.montant_pris_en_charge for f in engaged), Decimal("0"))),
        "echeances": [echeance(e) for e in detail.echeances],
        "engagementsFraisAnnexe": frais,
        "detailsFacturation": {
            "IBAN": detail.iban or None,
            "plafondFraisPremierEquipement": _amount(premier.montant_pris_en_charge) if premier else None,
            "fraisPremierEquipementRegles": "premier_equipement" in detail.frais_regles,
            "fraisMobiliteRegles": "mobilite" in detail.frais_regles,
        },
    }


def echeance(e) -> dict:
    """One échéance of the contract's schedule; what remains to invoice is
    ``montantTotal - montantRegle - montantEnCoursInstruction``, invoiceable from ``dateOuverture``."""
    return {
        "numero": e.numero,
        "codification": f"E{e.numero}",
        "montantTotal": _amount(e.montant_total),
        "montantRegle": _amount(e.montant_regle),
        "montantEnCoursInstruction": _amount(e.montant_en_instruction),
        "dateOuverture": norme.date_to_norme(e.date_ouverture),
        "dateDebut": norme.date_to_norme(e.date_debut),
        "dateFin": norme.date_to_norme(e.date_fin),
    }


def facture_etat(item: FactureNorme) -> dict:
    f = item.facture
    code, comment = norme.etat_facture(f.etat)
    reglement = item.reglement.reglement if item.reglement is not None else None
    return {
        "numeroInterneFacture": str(f.numero),
        "referenceFactureCFA": f.reference,
        "montantFacture": _amount(f.montant_ttc),
        "etatFacture": code,
        "referenceVirement": reglement.reference_virement if reglement else None,
        "dateReglement": norme.date_to_norme(reglement.date_paiement) if reglement else None,
        "commentaire": f.motif_rejet or comment,
        "organismeFormation": {"siret": f.emetteur.siret, "IBAN": item.iban or None},
        "dossiers": [
            {
                "numeroInterneDossier": numero_interne(dossier),
                "numeroExterneDossier": numero_externe(dossier),
                "montant": _amount(amount),
            }
            for dossier, amount in item.dossiers
        ],
    }


def document(piece: PieceJointe) -> str:
    return str(piece.pk)


def facture_depot(facture) -> dict:
    """``numeroInterneDocument`` of an invoice: its PDF, named after the invoice (not a pièce jointe)."""
    return {"numeroInterneFacture": str(facture.numero), "numeroInterneDocument": f"F{facture.numero}"}
