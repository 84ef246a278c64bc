"""The dossiers of the small demo: one scenario per dispositif and state, with its factures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cases.management.demo_data.common import AF, GUIDE_NUMERO_DEPOT, PRO, PRO_A, A, E, F, N, reachable_states
from cases.models import ModeReglement
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture

# --- Scenarios of the small demo ----------------------------------------------------------


@dataclass(frozen=True)
class FactureSpec:
    reference: str
    montant_ht: str
    montant_ttc: str
    etat: EtatFacture
    via: tuple[EtatFacture, ...] = ()
    reglement: str = ""  # key of REGLEMENTS, for payée factures
    justificatifs: tuple[str, ...] = ()
    commentaire: str = ""
    # « pedagogie »: charged to the first open échéance of an apprenticeship dossier's échéancier (up to its
    # rest); a frais annexe's nature (« premier_equipement »…) is charged within the accord.
    nature: str = "pedagogie"


@dataclass(frozen=True)
class DossierSpec:
    dispositif: Dispositif
    etat: EtatDossier
    of: str
    entreprise: str
    salarie: tuple[str, str, date]
    formation: str
    financements: tuple[tuple[str, str], ...]
    subroge: bool = True
    via: tuple[EtatDossier, ...] = ()
    factures: tuple[FactureSpec, ...] = ()
    pieces: tuple[str, ...] = ()
    numero_depot: str = ""
    refus: str = "FORMATION_NON_ELIGIBLE"
    deposant: str = ""  # user key; OF_ACTORS by default
    # An apprenticeship contract's NPEC is computed at transmission from the referential (the sample of
    # France compétences' file); the guide's dossier keeps the guide's amount.
    npec_du_referentiel: bool = True


REGLEMENTS = {
    "tls": ("TLS/237081", ModeReglement.VIREMENT),
    "dfa": ("DFA/1565042", ModeReglement.VIREMENT),
}

NOMS = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY ROUX "
    "DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER FAURE ANDRE "
    "MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT MORIN "
    "NICOLAS HENRY ROUSSEL MATHIEU MASSON LE GALL KERBRAT"
).split()
PRENOMS = (
    "Léa Lucas Chloé Hugo Manon Louis Emma Nathan Inès Enzo Camille Théo Sarah Mathis Jade Tom Lina Noah Zoé "
    "Yanis Clara Maxime Julie Antoine Océane Baptiste Anaïs Kylian Maëlle Rayan"
).split()
FEMININS = frozenset(
    "Léa Chloé Manon Emma Inès Camille Sarah Jade Lina Zoé Clara Julie Océane Anaïs Maëlle Maryline Sophie".split()
)
FORMATIONS = {
    A: (
        "AMBULANCIER (DIPLOME D'ETAT)",
        "CAP CONDUCTEUR LIVREUR DE MARCHANDISES",
        "TP CONDUCTEUR DU TRANSPORT ROUTIER DE MARCHANDISES SUR TOUS VEHICULES",
        "CAP MAINTENANCE DES VEHICULES OPTION VOITURES PARTICULIERES",
        "BTS GESTION DES TRANSPORTS ET LOGISTIQUE ASSOCIEE",
        "BAC PRO LOGISTIQUE",
        "TP AGENT MAGASINIER",
        "BTS MAINTENANCE DES VEHICULES OPTION VOITURES PARTICULIERES",
        "TP TECHNICIEN SUPERIEUR DU TRANSPORT TERRESTRE DE MARCHANDISES",
    ),
    PRO: (
        "TP SECRETAIRE COMPTABLE",
        "TP CONDUCTEUR DE TRANSPORT EN COMMUN SUR ROUTE",
        "TP TECHNICIEN EN LOGISTIQUE D'ENTREPOSAGE",
        "TP AGENT D'ACCUEIL ET DE VENTE EN TRANSPORT",
    ),
    PRO_A: (
        "TP RESPONSABLE EN LOGISTIQUE",
        "LICENCE PRO METIERS DU TRANSPORT ET DE LA LOGISTIQUE",
        "TP TECHNICIEN SUPERIEUR EN METHODES ET EXPLOITATION LOGISTIQUE",
    ),
    AF: (
        "FIMO MARCHANDISES",
        "FCO VOYAGEURS",
        "CACES R489 CATEGORIES 1A, 3 ET 5",
        "SAUVETEUR SECOURISTE DU TRAVAIL",
        "ECO-CONDUITE POIDS LOURDS",
        "HABILITATION ELECTRIQUE B0 H0V",
    ),
}
MONTANTS = {
    A: ("6795.83", "7250.00", "8500.00", "5900.00", "9650.00", "11000.00", "7800.00"),
    PRO: ("7497.00", "5600.00", "9100.00", "4320.00"),
    PRO_A: ("6200.00", "8400.00", "5150.00"),
    AF: ("890.00", "1450.00", "2380.00", "420.00", "3150.00"),
}


def _default_financements(dispositif: Dispositif, index: int) -> tuple[tuple[str, str], ...]:
    amount = MONTANTS[dispositif][index % len(MONTANTS[dispositif])]
    if dispositif is A:
        lines = [(N.NPEC.value, amount)]
        if index % 3 == 0:
            lines.append((N.PREMIER_EQUIPEMENT.value, "500.00"))
        return tuple(lines)
    return ((N.COUT_PEDAGOGIQUE.value, amount),)


# The small demo's apprenticeship dossiers are transmitted with a complete CERFA: two
# certifications only, with the codes of rules.cerfa.example_payload (CAP) and, for the
# guide's ambulancier, the RNCP code the project's examples use (its other codes are the CAP's).
CERFA_FORMATIONS = ("AMBULANCIER (DIPLOME D'ETAT)", "CAP CONDUCTEUR LIVREUR DE MARCHANDISES")
CERFA_RNCP = {"AMBULANCIER (DIPLOME D'ETAT)": "RNCP36542"}


def demo_scenarios() -> list[DossierSpec]:
    """The guide's dossiers first (the first one transmitted gets n° 3866466), then one dossier per
    (dispositif, reachable state) for OF GENERIQUE, then CFA DU LITTORAL's own dossiers."""
    ambulancier, cap_livreur = CERFA_FORMATIONS
    specs = [
        DossierSpec(
            A,
            E.ACCORDE,
            "ofg",
            "ambulances",
            ("TEST", "Maryline", date(1992, 10, 7)),
            ambulancier,
            ((N.NPEC.value, "6795.83"), (N.PREMIER_EQUIPEMENT.value, "500.00")),
            via=(E.EN_ATTENTE_PIECES,),
            numero_depot=GUIDE_NUMERO_DEPOT,
            deposant="maryline",
            pieces=("convention-de-formation.pdf",),
            factures=(
                FactureSpec("52134210241", "3262.00", "3262.00", F.EN_COURS),
                FactureSpec(
                    "52134210242",
                    "500.00",
                    "500.00",
                    F.DEPOSEE,
                    commentaire="1er équipement de l'apprentie",
                    nature="premier_equipement",
                ),
            ),
            npec_du_referentiel=False,
        ),
        DossierSpec(
            A,
            E.SOLDE,
            "ofg",
            "fictive",
            ("DUPONT", "Lucas", date(2003, 5, 2)),
            cap_livreur,
            ((N.NPEC.value, "8500.00"),),
            factures=(
                FactureSpec(
                    "52134210236",
                    "6695.00",
                    "6695.00",
                    F.PAYEE,
                    reglement="tls",
                    justificatifs=("certificat-de-realisation.pdf",),
                ),
            ),
        ),
        DossierSpec(
            A,
            E.RUPTURE,
            "ofg",
            "ambulances",
            ("BERNARD", "Chloé", date(2004, 1, 21)),
            ambulancier,
            ((N.NPEC.value, "7250.00"),),
            factures=(
                FactureSpec("52134210237", "6570.00", "6570.00", F.PAYEE, via=(F.EN_ATTENTE_PIECES,), reglement="tls"),
            ),
        ),
        DossierSpec(
            PRO,
            E.ACCORDE,
            "ofg",
            "fictive",
            ("MEP", "TEST", date(1993, 7, 14)),
            "TP SECRETAIRE COMPTABLE",
            ((N.COUT_PEDAGOGIQUE.value, "7497.00"),),
            pieces=("Interaction entre outil.pdf",),
            factures=(
                FactureSpec("52134210238", "4077.50", "4077.50", F.EN_ATTENTE_PIECES),
                FactureSpec("52134210239", "2500.00", "3000.00", F.VALIDEE),
                FactureSpec("52134210240", "9000.00", "9000.00", F.REJETEE),
            ),
        ),
        # A public employer: apprenticeship drafts are refused outright; its contrat de
        # professionnalisation, registered by the OPCO, ends refused.
        DossierSpec(
            PRO,
            E.REFUSE,
            "ofg",
            "commune",
            ("ROUX", "Nathan", date(2001, 2, 11)),
            "TP AGENT D'ACCUEIL ET DE VENTE EN TRANSPORT",
            ((N.COUT_PEDAGOGIQUE.value, "5600.00"),),
            subroge=False,
            via=(E.EN_COURS,),
            refus="EMPLOYEUR_PUBLIC",
        ),
        # An avenant refused: the previous version goes back to accordé.
        DossierSpec(
            A,
            E.ACCORDE,
            "ofg",
            "fictive",
            ("LAMBERT", "Hugo", date(2005, 9, 30)),
            cap_livreur,
            ((N.NPEC.value, "7800.00"),),
            via=(E.AVENANT_EN_COURS,),
        ),
    ]
    index = 0
    for dispositif in Dispositif:
        formations = CERFA_FORMATIONS if dispositif is A else FORMATIONS[dispositif]
        for etat in reachable_states(dispositif):
            of = "ofg2" if index % 3 == 2 else "ofg"
            specs.append(
                DossierSpec(
                    dispositif,
                    etat,
                    of,
                    "fictive" if index % 2 == 0 else "ambulances",
                    (
                        NOMS[index % len(NOMS)],
                        PRENOMS[index % len(PRENOMS)],
                        date(1995 + index % 11, 1 + index % 12, 3),
                    ),
                    formations[index % len(formations)],
                    _default_financements(dispositif, index),
                    subroge=dispositif is A or index % 2 == 0,
                    pieces=("cerfa-signe.pdf",) if index % 4 == 0 else (),
                )
            )
            index += 1
    specs += [
        DossierSpec(
            A,
            E.ACCORDE,
            "cfa",
            "iroise",
            ("LE GALL", "Maëlle", date(2004, 6, 18)),
            cap_livreur,
            ((N.NPEC.value, "9650.00"), (N.HEBERGEMENT.value, "1200.00")),
            factures=(
                FactureSpec("CDL-2025-0012", "1890.00", "1890.00", F.PAYEE, reglement="dfa"),
                FactureSpec("CDL-2025-0013", "2100.00", "2100.00", F.DEPOSEE),
            ),
        ),
        DossierSpec(A, E.BROUILLON, "cfa", "iroise", ("KERBRAT", "Yanis", date(2006, 3, 2)), ambulancier, ()),
        DossierSpec(
            PRO,
            E.EN_ATTENTE_PIECES,
            "cfa",
            "iroise",
            ("MORVAN", "Anaïs", date(1999, 12, 5)),
            FORMATIONS[PRO][1],
            ((N.COUT_PEDAGOGIQUE.value, "9100.00"),),
        ),
        DossierSpec(
            AF,
            E.TRANSMIS,
            "cfa",
            "iroise",
            ("GUERIN", "Baptiste", date(1988, 4, 27)),
            "FIMO MARCHANDISES",
            ((N.COUT_PEDAGOGIQUE.value, "2380.00"),),
            subroge=False,
        ),
    ]
    return specs
