"""Coded reasons used by the OPCO's decisions, with their French labels and remedies."""

from __future__ import annotations

# Pièces the OPCO may ask for on a dossier (demande de pièces).
PIECES_DOSSIER: dict[str, str] = {
    "CERFA_SIGNE": "Exemplaire du CERFA signé par toutes les parties",
    "CONVENTION_FORMATION": "Convention de formation signée",
    "CONVENTION_AMENAGEMENT": "Convention d'aménagement de durée",
    "ATTESTATION_MA": "Attestation d'éligibilité du maître d'apprentissage",
    "PROGRAMME_FORMATION": "Programme de la formation",
    "JUSTIFICATIF_RQTH": "Justificatif de reconnaissance de la qualité de travailleur handicapé",
    "AUTORISATION_TRAVAIL": "Autorisation de travail (apprenti de nationalité hors UE)",
    "DEVIS": "Devis de l'organisme de formation",
    "AUTRE": "Autre pièce (précisée dans le commentaire)",
}

MOTIFS_REFUS_DOSSIER: dict[str, str] = {
    "AGE_NON_ELIGIBLE": "L'âge de l'apprenti ne permet pas la conclusion du contrat",
    "EMPLOYEUR_PUBLIC": "Employeur du secteur public : OPCO Mobilités n'est pas habilité à instruire ce contrat",
    "EMPLOYEUR_HORS_CHAMP": "L'employeur ne relève pas du champ d'OPCO Mobilités",
    "FORMATION_NON_ELIGIBLE": "La formation n'est pas éligible au dispositif",
    "MAITRE_NON_ELIGIBLE": "Le maître d'apprentissage ne remplit pas les conditions",
    "REMUNERATION_INSUFFISANTE": "La rémunération est inférieure au minimum légal",
    "DUREE_NON_CONFORME": "La durée du contrat ou de la formation n'est pas conforme",
    "PIECES_NON_FOURNIES": "Les pièces demandées n'ont pas été fournies",
    "CFA_NON_CERTIFIE": "L'organisme de formation ne dispose pas de la certification Qualiopi",
    "AUTRE": "Autre motif (précisé dans le commentaire)",
}

MOTIFS_REJET_FACTURE: dict[str, str] = {
    "MONTANT_SUPERIEUR_ACCORD": "Le montant facturé dépasse le montant pris en charge",
    "CERTIFICAT_REALISATION_MANQUANT": "Le certificat de réalisation est manquant ou incomplet",
    "DOUBLON": "Facture déjà déposée",
    "SIRET_ERRONE": "Le SIRET de l'émetteur ne correspond pas au dossier",
    "HORS_DELAI": "Facture hors délai",
    "PERIODE_NON_OUVERTE": "L'échéance facturée n'est pas encore ouverte",
    "AUTRE": "Autre motif (précisé dans le commentaire)",
}

PIECES_FACTURE: dict[str, str] = {
    "CERTIFICAT_REALISATION": "Certificat de réalisation",
    "FEUILLES_EMARGEMENT": "Feuilles d'émargement",
    "FACTURE_RECTIFIEE": "Facture rectifiée",
    "AUTRE": "Autre pièce (précisée dans le commentaire)",
}

# Motifs de rupture (codes DECA).
MOTIFS_RUPTURE: dict[str, str] = {
    "1": "Rupture à l'initiative de l'employeur pendant les 45 premiers jours",
    "2": "Rupture à l'initiative de l'apprenti pendant les 45 premiers jours",
    "3": "Rupture d'un commun accord",
    "4": "Licenciement (faute grave, inaptitude, force majeure)",
    "5": "Démission de l'apprenti après saisine du médiateur",
    "6": "Obtention du diplôme avant le terme du contrat",
    "7": "Liquidation judiciaire sans maintien d'activité",
    "8": "Décès de l'employeur maître d'apprentissage (entreprise unipersonnelle)",
    "9": "Exclusion définitive de l'apprenti du CFA",
}


def unknown_codes(codes: list[str], table: dict[str, str]) -> list[str]:
    return [code for code in codes if code not in table]
