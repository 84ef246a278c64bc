"""Demo data of Portail OF (``manage.py seed_demo``).

Two generators:

* :class:`DemoSeeder` — the small demo echoing the user guide (OF GENERIQUE, ENTREPRISE FICTIVE,
  LA CENTRALE AMBULANCES, dossier 3866466.1…). Every dossier, facture and règlement is created
  and moved **through the real services** with real actors, so the transition log, the courriers
  and the notifications are the ones the application itself writes.
* :class:`MassSeeder` — ``--scale N``: N more dossiers inserted with ``bulk_create`` in batches,
  number ranges reserved with ``next_numbers``, one ``creation`` log row per object.

Every établissement and user of the demo has an e-mail in the reserved ``.example`` top-level
domain (RFC 2606): that is how ``--reset`` recognises demo data, and it can never be real data.
"""

from __future__ import annotations

import copy
import logging
import random
import time
import unicodedata
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import reset_queries, transaction
from django.db.models import Q

from accounts.actors import Actor, Channel
from accounts.models import ApiKey, Etablissement, Habilitation, TypeEmployeur, User
from cases import services
from cases.models import (
    Compteur,
    Courrier,
    Dossier,
    Facture,
    LigneFinancement,
    LigneReglement,
    ModeReglement,
    NatureFinancement,
    Notification,
    PieceJointe,
    Reglement,
    StatutCourrier,
    TransitionLog,
)
from cases.services import Upload
from cases.services._common import next_numbers
from cases.services.courriers import courrier_issue
from common.errors import InvalidInput
from rules import cerfa
from rules.actions import PIECES_ACCEPTEES, Droit, Role
from rules.identifiers import luhn_complete, uai_complete, uai_is_valid
from rules.lifecycles import (
    DOSSIER_LIFECYCLES,
    FACTURE_LIFECYCLE,
    INITIAL_DOSSIER_STATE,
    INITIAL_FACTURE_STATE,
    Dispositif,
    EtatDossier,
    EtatFacture,
    Transition,
)

E = EtatDossier
F = EtatFacture
A = Dispositif.APPRENTISSAGE
PRO = Dispositif.PROFESSIONNALISATION
PRO_A = Dispositif.PRO_A
AF = Dispositif.ACTION_FORMATION
N = NatureFinancement

DEMO_TLD = ".example"
SCALE_CHANNEL = Channel.COMMANDE
SCALE_LOG_TRANSITION = "creation"
SCALE_ACTOR_LABEL = "seed_demo --scale (données de charge)"
SCALE_OF_DOMAIN = "@of-charge.example"
SCALE_ENTREPRISE_DOMAIN = "@entreprise-charge.example"
SHARED_FACTURE_PDF = "factures/demo/facture-de-demonstration.pdf"

# The guide's famous identifiers. 99999999900009 passes the 14-digit Luhn check (its SIREN
# 999999999 alone does not, and is not checked); 0070070X does *not* pass the UAI check letter
# (0070070 → N): both are kept as printed in the guide, saved without full_clean().
OF_GENERIQUE_SIRET = "99999999900009"
OF_GENERIQUE_UAI = "0070070X"
GUIDE_NUMERO_DEPOT = "076202209037237"  # marks the demo as already loaded
# A transmitted CERFA must carry a valid UAI: OF GENERIQUE's CERFAs get the same seven digits
# with their right check letter (0070070N).


def cerfa_uai(uai: str) -> str:
    return uai if uai_is_valid(uai) or len(uai) != 8 else uai_complete(uai[:7])


# First numbers handed out on an empty database, so that the demo shows the guide's numbers
# (dossier 3866466.1, facture 2168343, règlement 0063618). Counters are only ever raised.
GUIDE_COUNTERS = {"dossier": 3_866_466, "facture": 2_168_343, "reglement": 63_618}


def fr_int(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def euros(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",") + " €"


def dec(value: str | float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Lifecycle paths ------------------------------------------------------------------------


def lifecycle_path(transitions: Sequence[Transition], source: str, target: str) -> list[Transition]:
    """The shortest sequence of transitions from ``source`` to ``target`` (breadth first)."""
    if source == target:
        return []
    previous: dict[str, tuple[str, Transition] | None] = {source: None}
    queue = deque([source])
    while queue:
        state = queue.popleft()
        for t in transitions:
            if state not in t.sources or t.target in previous:
                continue
            previous[t.target] = (state, t)
            if t.target == target:
                path = []
                node = target
                while previous[node] is not None:
                    node, step = previous[node]
                    path.append(step)
                return path[::-1]
            queue.append(t.target)
    raise CommandError(f"État « {target} » inaccessible depuis « {source} ».")


def plan(transitions: Sequence[Transition], initial: str, target: str, via: Iterable[str] = ()) -> list[Transition]:
    path: list[Transition] = []
    current = initial
    for waypoint in (*via, target):
        path += lifecycle_path(transitions, current, waypoint)
        current = waypoint
    return path


def reachable_states(dispositif: Dispositif) -> list[EtatDossier]:
    """Every state a dossier of ``dispositif`` can reach from its initial state, in enum order."""
    transitions = DOSSIER_LIFECYCLES[dispositif]
    seen = {INITIAL_DOSSIER_STATE[dispositif]}
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for t in transitions:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    return [e for e in EtatDossier if e in seen]


# --- Files --------------------------------------------------------------------------------


def demo_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A small valid one-page PDF (Helvetica, WinAnsi) — enough for a viewer and the upload checks."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 16 Tf", "60 780 Td", "22 TL", f"({esc(title)}) Tj", "/F1 11 Tf", "16 TL", "() '"]
    ops += [f"({esc(line)}) '" for line in lines]
    ops += ["() '", "(Document de démonstration - Portail OF) '", "ET"]
    stream = "\n".join(ops).encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _courrier_pdf(courrier: Courrier) -> bytes:
    return demo_pdf(
        courrier.nom,
        [
            f"Destinataire : {courrier.destinataire_etablissement.raison_sociale}",
            f"SIRET : {courrier.destinataire_etablissement.siret}",
            f"Demandé le {courrier.created_at:%d/%m/%Y}",
        ],
    )


# --- Reference data -----------------------------------------------------------------------


@dataclass(frozen=True)
class EtabSpec:
    key: str
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    ville: str
    email: str
    of: bool = False
    entreprise: bool = False
    uai: str = ""
    nda: str = ""
    naf: str = ""
    idcc: str = ""
    libelle_idcc: str = ""
    effectif: int | None = None
    type_employeur: int | None = None
    public: bool = False
    telephone: str = ""


IDCC_1090 = (
    "Convention collective nationale du commerce et de la réparation de l'automobile, du cycle et du motocycle "
    "et des activités connexes, ainsi que du contrôle technique automobile"
)
IDCC_0016 = "Convention collective nationale des transports routiers et activités auxiliaires du transport"


def _siret(siren8: str, nic: str = "0001") -> str:
    return luhn_complete(luhn_complete(siren8) + nic)


ETABLISSEMENTS = (
    EtabSpec(
        "ofg",
        OF_GENERIQUE_SIRET,
        "OF GENERIQUE",
        "204 rue Sertorius",
        "92310",
        "SEVRES",
        "contact@of-generique.example",
        of=True,
        uai=OF_GENERIQUE_UAI,
        nda="11922345692",
        telephone="0145000000",
    ),
    EtabSpec(
        "ofg2",
        luhn_complete("999999999" + "0001"),
        "OF GENERIQUE - ANTENNE DE BOULOGNE",
        "15 rue de Paris",
        "92100",
        "BOULOGNE-BILLANCOURT",
        "antenne@of-generique.example",
        of=True,
        uai=uai_complete("0922345"),
        nda="11922345692",
    ),
    EtabSpec(
        "fictive",
        _siret("99999998"),
        "ENTREPRISE FICTIVE",
        "ADRESSE FICTIVE",
        "92310",
        "SEVRES",
        "contact@entreprise-fictive.example",
        entreprise=True,
        naf="4520A",
        idcc="1090",
        libelle_idcc=IDCC_1090,
        effectif=48,
        type_employeur=TypeEmployeur.RCS,
    ),
    EtabSpec(
        "ambulances",
        "82952592200011",
        "LA CENTRALE AMBULANCES",
        "ADRESSE FICTIVE",
        "92310",
        "SEVRES",
        "contact@centrale-ambulances.example",
        entreprise=True,
        naf="8690A",
        idcc="0016",
        libelle_idcc=IDCC_0016,
        effectif=23,
        type_employeur=TypeEmployeur.RCS,
    ),
    EtabSpec(
        "commune",
        _siret("99999996"),
        "COMMUNE DE SEVRES",
        "54 Grande Rue",
        "92310",
        "SEVRES",
        "mairie@sevres-demo.example",
        entreprise=True,
        naf="8411Z",
        effectif=420,
        type_employeur=TypeEmployeur.COMMUNE,
        public=True,
    ),
    EtabSpec(
        "cfa",
        _siret("99999997"),
        "CFA DU LITTORAL",
        "12 quai de la Douane",
        "29200",
        "BREST",
        "contact@cfa-littoral.example",
        of=True,
        uai=uai_complete("0292345"),
        nda="53290123429",
    ),
    EtabSpec(
        "iroise",
        _siret("99999995"),
        "TRANSPORTS DE L'IROISE",
        "ZA de Kergaradec",
        "29490",
        "GUIPAVAS",
        "contact@transports-iroise.example",
        entreprise=True,
        naf="4941A",
        idcc="0016",
        libelle_idcc=IDCC_0016,
        effectif=85,
        type_employeur=TypeEmployeur.RCS,
    ),
)


@dataclass(frozen=True)
class UserSpec:
    key: str
    email: str
    password: str
    prenom: str
    nom: str
    sexe: str
    role: str  # shown in the logins table
    habilitations: tuple[tuple[str, Role, bool, frozenset[Droit] | None], ...] = ()
    opco: bool = False
    superuser: bool = False


GESTION_SANS_FACTURES = frozenset({Droit.SAISIR_CONTRATS, Droit.DEPOSER_PIECES, Droit.CONSULTER_REGLEMENTS})

USERS = (
    UserSpec(
        "maryline",
        "maryline.gadras@of-generique.example",
        "admin-of-generique",
        "Maryline",
        "GADRAS",
        "F",
        "Administrateur OF — OF GENERIQUE (siège et antenne)",
        (("ofg", Role.ADMIN_OF, True, None), ("ofg2", Role.ADMIN_OF, False, None)),
    ),
    UserSpec(
        "raphael",
        "raphael.gandra@of-generique.example",
        "gestion-of-generique",
        "Raphael",
        "GANDRA",
        "M",
        "Gestionnaire OF — OF GENERIQUE (siège)",
        (("ofg", Role.GESTIONNAIRE_OF, True, None),),
    ),
    UserSpec(
        "celine",
        "celine.collie@of-generique.example",
        "gestion-antenne-of",
        "Céline",
        "COLLIE",
        "F",
        "Gestionnaire OF — antenne de Boulogne, sans dépôt de factures",
        (("ofg2", Role.GESTIONNAIRE_OF, True, GESTION_SANS_FACTURES),),
    ),
    UserSpec(
        "yann",
        "yann.le-goff@cfa-littoral.example",
        "admin-cfa-littoral",
        "Yann",
        "LE GOFF",
        "M",
        "Administrateur OF — CFA DU LITTORAL",
        (("cfa", Role.ADMIN_OF, True, None),),
    ),
    UserSpec(
        "gwen",
        "gwenaelle.morvan@cfa-littoral.example",
        "gestion-cfa-littoral",
        "Gwenaëlle",
        "MORVAN",
        "F",
        "Gestionnaire OF — CFA DU LITTORAL",
        (("cfa", Role.GESTIONNAIRE_OF, True, None),),
    ),
    UserSpec(
        "opco",
        "guillem.fondin@opco-mobilites.example",
        "gestion-opco-demo",
        "Guillem",
        "FONDIN",
        "M",
        "Gestionnaire OPCO (instruction, back-office)",
        opco=True,
    ),
    UserSpec(
        "admin",
        "admin@portail-of.example",
        "superadmin-demo",
        "Admin",
        "PORTAIL",
        "",
        "Superutilisateur (back-office complet)",
        superuser=True,
    ),
)

# Who acts for each OF: (drafts, pièces, avenants, ruptures) and (factures).
OF_ACTORS = {"ofg": ("raphael", "raphael"), "ofg2": ("celine", "maryline"), "cfa": ("gwen", "gwen")}


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
                FactureSpec("52134210242", "500.00", "500.00", F.DEPOSEE, commentaire="1er équipement de l'apprentie"),
            ),
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


# --- The small demo, through the services -------------------------------------------------


class Clock:
    """Monotonic demo time, never beyond ``limit`` (the command's ``now``)."""

    def __init__(self, start: datetime, limit: datetime) -> None:
        self.now = min(start, limit)
        self.limit = limit

    def tick(self, hours: float = 26) -> datetime:
        self.now = min(self.now + timedelta(hours=hours), self.limit)
        return self.now


@dataclass
class DemoReport:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    refus_public: str = ""
    erreur_courriers: str = ""


class DemoSeeder:
    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.start = now - timedelta(days=150)
        self.etabs: dict[str, Etablissement] = {}
        self.users: dict[str, User] = {}
        self.actors: dict[str, Actor] = {}
        self.to_pay: dict[str, list[int]] = defaultdict(list)

    # Entry point
    def run(self) -> DemoReport:
        with transaction.atomic():
            self._ensure_etablissements()
            self._ensure_users()
            if Dossier.objects.filter(of_etablissement=self.etabs["ofg"], numero_depot=GUIDE_NUMERO_DEPOT).exists():
                return DemoReport(created=False, counts=self.counts())
            self.actors = {key: Actor.for_user(user, channel=Channel.COMMANDE) for key, user in self.users.items()}
            self._raise_counters()
            refus = self._public_employer_refusal()
            for index, spec in enumerate(demo_scenarios()):
                self._play(spec, Clock(self.start + timedelta(hours=40 * index), self.now))
            self._pay(self.now - timedelta(days=20))
            erreur_courriers = self._issue_courriers()
            self._read_some_notifications()
        return DemoReport(created=True, counts=self.counts(), refus_public=refus, erreur_courriers=erreur_courriers)

    def counts(self) -> dict[str, int]:
        ofs = [e.pk for key, e in self.etabs.items() if key in OF_ACTORS]
        dossiers = Dossier.objects.filter(of_etablissement__in=ofs)
        courriers = Courrier.objects.filter(of_etablissement__in=ofs)
        notifications = Notification.objects.filter(courrier__of_etablissement__in=ofs)
        return {
            "dossiers": dossiers.count(),
            "factures": Facture.objects.filter(emetteur__in=ofs).count(),
            "reglements": Reglement.objects.filter(beneficiaire__in=ofs).count(),
            "courriers": courriers.count(),
            "courriers_emis": courriers.filter(statut=StatutCourrier.EMIS).count(),
            "notifications": notifications.count(),
            "notifications_non_lues": notifications.filter(read_at__isnull=True).count(),
            "pieces": PieceJointe.objects.filter(Q(dossier__in=dossiers) | Q(facture__emetteur__in=ofs)).count(),
            "journal": TransitionLog.objects.filter(
                Q(dossier__of_etablissement__in=ofs) | Q(facture__emetteur__in=ofs)
            ).count(),
        }

    # Reference data and users (get or create: a second run adds nothing)
    def _ensure_etablissements(self) -> None:
        for spec in ETABLISSEMENTS:
            # No full_clean(): the guide's UAI 0070070X is kept although its check letter is wrong.
            etab, _ = Etablissement.objects.get_or_create(
                siret=spec.siret,
                defaults={
                    "raison_sociale": spec.raison_sociale,
                    "adresse": spec.adresse,
                    "code_postal": spec.code_postal,
                    "ville": spec.ville,
                    "email": spec.email,
                    "telephone": spec.telephone,
                    "est_organisme_formation": spec.of,
                    "est_entreprise": spec.entreprise,
                    "uai": spec.uai,
                    "nda": spec.nda,
                    "naf": spec.naf,
                    "idcc": spec.idcc,
                    "libelle_idcc": spec.libelle_idcc,
                    "effectif": spec.effectif,
                    "type_employeur": spec.type_employeur,
                    "employeur_public": spec.public,
                },
            )
            self.etabs[spec.key] = etab

    def _ensure_users(self) -> None:
        for spec in USERS:
            user = User.objects.filter(email=spec.email).first()
            if user is None:
                fields = {"nom": spec.nom, "prenom": spec.prenom, "sexe": spec.sexe}
                if spec.superuser:
                    user = User.objects.create_superuser(spec.email, spec.password, **fields)
                else:
                    user = User.objects.create_user(
                        spec.email, spec.password, is_opco_gestionnaire=spec.opco, is_staff=spec.opco, **fields
                    )
            for etab_key, role, principal, droits in spec.habilitations:
                habilitation = Habilitation.objects.filter(user=user, etablissement=self.etabs[etab_key]).first()
                if habilitation is None:
                    habilitation = Habilitation(
                        user=user, etablissement=self.etabs[etab_key], role=role, principal=principal
                    )
                    habilitation.apply_default_droits()
                    if droits is not None:
                        for droit in Droit:
                            setattr(habilitation, droit.value, droit in droits)
                    habilitation.save()
            self.users[spec.key] = user

    def _raise_counters(self) -> None:
        for name, value in GUIDE_COUNTERS.items():
            row = Compteur.objects.select_for_update().filter(name=name).first()
            if row is None:
                Compteur.objects.create(name=name, value=value)
            elif row.value < value:
                row.value = value
                row.save(update_fields=["value"])

    def _public_employer_refusal(self) -> str:
        """Try an apprenticeship draft with the public employer: the service refuses it (nothing is kept)."""
        payload = {
            "employeur": {"siret": self.etabs["commune"].siret},
            "organismeFormation": {"siret": self.etabs["ofg"].siret},
        }
        try:
            with transaction.atomic():
                services.dossier_draft_save(actor=self.actors["raphael"], payload=payload, now=self.start)
                transaction.set_rollback(True)
        except InvalidInput as exc:
            return "; ".join(p.message for p in exc.problems)
        return ""

    # One dossier
    def _play(self, spec: DossierSpec, clock: Clock) -> None:
        deposant_key, facturier_key = OF_ACTORS[spec.of]
        of_actor = self.actors[spec.deposant or deposant_key]
        facturier = self.actors[facturier_key]
        opco = self.actors["opco"]
        debut = clock.now.date() - timedelta(days=20)
        fin = debut + timedelta(days=729)
        if spec.dispositif is A:
            # Signed a month before it is deposited: the contract has begun when the OF deposits it.
            payload = self._cerfa(spec, clock.now.date() - timedelta(days=30))
            dossier = services.dossier_draft_save(actor=of_actor, payload=payload, now=clock.now)
        else:
            nom, prenom, naissance = spec.salarie
            with_contract = spec.dispositif is not AF
            formation_fin = fin - timedelta(days=61) if with_contract else debut + timedelta(days=40)
            dossier = services.dossier_register(
                actor=opco,
                dispositif=spec.dispositif,
                of_etablissement_id=self.etabs[spec.of].pk,
                entreprise_id=self.etabs[spec.entreprise].pk,
                subroge=spec.subroge,
                salarie={"nom": nom, "prenom": prenom, "date_naissance": naissance},
                formation={
                    "intitule": spec.formation,
                    "date_debut": debut + timedelta(days=7),
                    "date_fin": formation_fin,
                },
                contrat={"date_debut": debut, "date_fin": fin} if with_contract else {},
                financements={nature: dec(amount) for nature, amount in spec.financements},
                numero_depot=spec.numero_depot,
                now=clock.now,
            )
        state = _State(dossier=dossier)
        steps = plan(DOSSIER_LIFECYCLES[spec.dispositif], INITIAL_DOSSIER_STATE[spec.dispositif], spec.etat, spec.via)
        pieces_done, factures_done = not spec.pieces, not spec.factures
        for position, step in enumerate(steps):
            self._dossier_step(spec, state, step, of_actor=of_actor, opco=opco, now=clock.tick())
            last = position == len(steps) - 1
            etat = state.dossier.etat
            if not pieces_done and (etat == E.EN_ATTENTE_PIECES or (last and etat in PIECES_ACCEPTEES)):
                self._add_pieces(state.dossier, spec.pieces, of_actor, clock.tick(3))
                pieces_done = True
            if not factures_done and spec.subroge and etat == E.ACCORDE:
                for facture in spec.factures:
                    self._play_facture(facture, state.dossier, facturier, clock)
                factures_done = True
        if not pieces_done and state.dossier.etat in PIECES_ACCEPTEES:
            self._add_pieces(state.dossier, spec.pieces, of_actor, clock.tick(3))
        final = Dossier.objects.get(pk=state.dossier.pk).etat
        if final != spec.etat or not factures_done:
            raise CommandError(
                f"Scénario de démonstration incohérent : {spec.dispositif} attendu {spec.etat}, obtenu {final}."
            )

    def _cerfa(self, spec: DossierSpec, signed: date) -> dict:
        """A complete CERFA (``rules.cerfa.example_payload``, valid on ``signed``) with the demo's parties."""
        of, employeur = self.etabs[spec.of], self.etabs[spec.entreprise]
        nom, prenom, _naissance = spec.salarie  # the example's birth date matches its pay periods
        payload = cerfa.example_payload(employeur.siret, of.siret, signed, uai=cerfa_uai(of.uai))
        payload["employeur"].update(
            denomination=employeur.raison_sociale,
            adresse=_adresse(employeur),
            courriel=employeur.email,
            naf=employeur.naf,
            codeIdcc=employeur.idcc,
            libelleIdcc=employeur.libelle_idcc,
            nombreDeSalaries=employeur.effectif,
            typeEmployeur=employeur.type_employeur,
        )
        apprenti = payload["apprenti"]
        apprenti.pop("nir", None)  # the example's NIR encodes its own apprentice's sex and birth
        apprenti.update(nom=nom, prenom=prenom, sexe=sexe_of(prenom), courriel=_courriel(prenom, nom))
        formation = payload["formation"]
        formation["intituleQualification"] = spec.formation
        formation["rncp"] = CERFA_RNCP.get(spec.formation, formation["rncp"])
        payload["organismeFormation"].update(denomination=of.raison_sociale, adresse=_adresse(of))
        return payload

    def _dossier_step(self, spec: DossierSpec, state: _State, step: Transition, *, of_actor, opco, now) -> None:
        d = state.dossier
        name = step.name
        if name == "transmettre":
            d = services.dossier_transmit(
                actor=of_actor, dossier_id=d.pk, now=now, montants_demandes={n: dec(a) for n, a in spec.financements}
            )
        elif name == "prendre_en_charge":
            services.dossier_take_charge(actor=opco, dossier_id=d.pk, now=now)
        elif name == "demander_pieces":
            services.dossier_request_pieces(
                actor=opco,
                dossier_id=d.pk,
                pieces=["CERFA_SIGNE", "CONVENTION_FORMATION"],
                commentaire="Merci de transmettre le CERFA signé par toutes les parties et la convention de formation.",
                now=now,
            )
        elif name == "reprendre_instruction":
            services.dossier_resume(actor=opco, dossier_id=d.pk, now=now)
        elif name == "accorder":
            services.dossier_grant(
                actor=opco,
                dossier_id=d.pk,
                montants_pris_en_charge=_amounts(d),
                numero_depot=spec.numero_depot or _deca(d, now),
                now=now,
            )
        elif name == "refuser":
            services.dossier_refuse(
                actor=opco,
                dossier_id=d.pk,
                motif=spec.refus,
                explication="Après instruction, le dossier ne peut pas être pris en charge.",
                now=now,
            )
        elif name == "annuler":
            services.dossier_cancel(
                actor=opco,
                dossier_id=d.pk,
                motif="L'employeur a renoncé à l'embauche avant le début du contrat.",
                now=now,
            )
        elif name == "ouvrir_avenant":
            payload = copy.deepcopy(d.donnees)
            payload.setdefault("maitre1", {}).update(
                nom="FONTAINE",
                prenom="Sophie",
                dateNaissance="1979-03-08",
                courriel="sophie.fontaine@maitre.example",
            )
            state.avenant = services.dossier_avenant_create(
                actor=of_actor,
                dossier_id=d.pk,
                payload=payload,
                motif="Changement de maître d'apprentissage.",
                type_avenant=36,
                date_effet=max(d.contrat_date_debut, now.date()),
                now=now,
            )
        elif name in ("remplacer_par_avenant", "abandonner_avenant"):
            avenant = state.avenant
            services.dossier_take_charge(actor=opco, dossier_id=avenant.pk, now=now)
            if name == "remplacer_par_avenant":
                services.dossier_grant(
                    actor=opco, dossier_id=avenant.pk, montants_pris_en_charge=_amounts(avenant), now=now
                )
            else:
                services.dossier_refuse(
                    actor=opco,
                    dossier_id=avenant.pk,
                    motif="MAITRE_NON_ELIGIBLE",
                    explication="La nouvelle maître d'apprentissage ne justifie pas de l'expérience requise.",
                    now=now,
                )
        elif name in ("declarer_rupture", "enregistrer_rupture"):
            debut = d.contrat_date_debut
            services.dossier_declare_rupture(
                actor=of_actor if name == "declarer_rupture" else opco,
                dossier_id=d.pk,
                date_rupture=min(debut + timedelta(days=60), now.date()),
                motif="3",
                initiateur="commun",
                formation_poursuivie=True,
                commentaire="Rupture d'un commun accord.",
                now=now,
            )
        elif name == "cloturer":
            services.dossier_close(actor=opco, dossier_id=d.pk, now=now)
        else:
            raise CommandError(f"Transition « {name} » : aucun service de démonstration ne la déclenche.")
        state.dossier = Dossier.objects.get(pk=d.pk)

    def _add_pieces(self, dossier: Dossier, names: Sequence[str], actor: Actor, now: datetime) -> None:
        uploads = [Upload(name, demo_pdf(name, [f"Dossier {dossier.reference}"])) for name in names]
        services.dossier_add_pieces(actor=actor, dossier_id=dossier.pk, uploads=uploads, now=now)

    def _play_facture(self, spec: FactureSpec, dossier: Dossier, actor: Actor, clock: Clock) -> None:
        now = clock.tick()
        facture = services.facture_deposit(
            actor=actor,
            dossier_id=dossier.pk,
            reference=spec.reference,
            date_facture=now.date(),
            montant_ht=dec(spec.montant_ht),
            montant_ttc=dec(spec.montant_ttc),
            commentaire=spec.commentaire,
            fichier=Upload(
                f"facture-{spec.reference}.pdf",
                demo_pdf(
                    f"Facture {spec.reference}",
                    [f"Dossier {dossier.reference}", f"Montant HT : {euros(dec(spec.montant_ht))}"],
                ),
            ),
            justificatifs=[Upload(name, demo_pdf(name, [f"Facture {spec.reference}"])) for name in spec.justificatifs],
            now=now,
        )
        opco = self.actors["opco"]
        steps = plan(FACTURE_LIFECYCLE, INITIAL_FACTURE_STATE, spec.etat, spec.via)
        for position, step in enumerate(steps):
            now = clock.tick()
            name = step.name
            if name == "instruire":
                services.facture_instruct(actor=opco, facture_id=facture.pk, now=now)
            elif name == "demander_pieces":
                services.facture_request_pieces(
                    actor=opco,
                    facture_id=facture.pk,
                    pieces=["CERTIFICAT_REALISATION"],
                    commentaire="Le certificat de réalisation de la période facturée est manquant.",
                    now=now,
                )
                if position < len(steps) - 1:
                    uploads = [Upload("certificat-de-realisation.pdf", demo_pdf("Certificat de réalisation"))]
                    services.facture_add_pieces(actor=actor, facture_id=facture.pk, uploads=uploads, now=clock.tick(4))
            elif name == "reprendre_instruction":
                services.facture_resume(actor=opco, facture_id=facture.pk, now=now)
            elif name == "valider":
                services.facture_validate(actor=opco, facture_id=facture.pk, now=now)
            elif name == "rejeter":
                services.facture_reject(
                    actor=opco,
                    facture_id=facture.pk,
                    motif="MONTANT_SUPERIEUR_ACCORD",
                    explication=f"Montant facturé supérieur au montant pris en charge (dossier {dossier.reference}).",
                    now=now,
                )
            elif name == "payer":
                self.to_pay[spec.reglement].append(facture.pk)
            else:
                raise CommandError(f"Transition de facture « {name} » : aucun service de démonstration.")

    def _pay(self, when: datetime) -> None:
        for key, facture_ids in self.to_pay.items():
            reference, mode = REGLEMENTS[key]
            services.reglement_create(
                actor=self.actors["opco"],
                facture_ids=facture_ids,
                date_paiement=when.date(),
                reference_virement=reference,
                mode=mode,
                now=when,
            )

    # Courriers and notifications
    def _issue_courriers(self) -> str:
        """Issue the outbox with a small PDF (the real renderer is the courrier flow's business);
        the two latest courriers stay « demandé » and one ends « en échec ». Returns the error that
        stopped the issuing, if any (the courriers then stay in the outbox)."""
        ofs = [e.pk for key, e in self.etabs.items() if key in OF_ACTORS]
        pending = list(
            Courrier.objects.filter(of_etablissement__in=ofs, statut=StatutCourrier.DEMANDE)
            .order_by("created_at", "pk")
            .values_list("pk", "created_at")
        )
        to_issue, failing = pending[:-3], pending[-3:-2]
        with _quiet("cases.services.courriers"):
            for pk, created_at in to_issue:
                when = min(created_at + timedelta(hours=2), self.now)
                if courrier_issue(courrier_id=pk, now=when, render=_courrier_pdf).echecs:
                    return Courrier.objects.get(pk=pk).erreur
            for pk, created_at in failing:
                for _ in range(10):
                    courrier_issue(courrier_id=pk, now=min(created_at + timedelta(hours=2), self.now), render=_fail)
                    if Courrier.objects.get(pk=pk).statut != StatutCourrier.DEMANDE:
                        break
        return ""

    def _read_some_notifications(self) -> None:
        """Each OF user has read everything but the three latest notifications."""
        read = []
        for key in OF_USER_KEYS:
            notifications = Notification.objects.filter(user=self.users[key]).order_by("-created_at", "-pk")[3:]
            for notification in notifications:
                notification.read_at = min(notification.created_at + timedelta(days=1), self.now)
                read.append(notification)
        Notification.objects.bulk_update(read, ["read_at"])


OF_USER_KEYS = tuple(spec.key for spec in USERS if spec.habilitations)


@dataclass
class _State:
    dossier: Dossier
    avenant: Dossier | None = None


def _demandes(dossier: Dossier) -> dict[str, Decimal]:
    return {line.nature: line.montant_demande for line in LigneFinancement.objects.filter(dossier=dossier)}


def _amounts(dossier: Dossier) -> dict[str, Decimal]:
    amounts = _demandes(dossier)
    if not amounts:
        raise CommandError(f"Dossier {dossier.reference} sans montant demandé.")
    return amounts


def _deca(dossier: Dossier, now: datetime) -> str:
    """A DECA number as the ministry gives one: département, year, month, then a sequence."""
    return f"092{now:%Y%m}{dossier.numero % 1_000_000:06d}"


def sexe_of(prenom: str) -> str:
    return "F" if prenom in FEMININS else "M"


def _adresse(etab: Etablissement) -> dict:
    return {"adresse1": etab.adresse, "codePostal": etab.code_postal, "commune": etab.ville}


def _courriel(prenom: str, nom: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{prenom}.{nom}").encode("ascii", "ignore").decode()
    return ascii_name.lower().replace(" ", "-") + "@apprenti.example"


def _fail(courrier: Courrier) -> bytes:
    raise RuntimeError("convertisseur PDF indisponible (échec simulé par les données de démonstration)")


@contextmanager
def _quiet(logger_name: str):
    logger = logging.getLogger(logger_name)
    disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = disabled


def cerfa_payload(
    *,
    of_siret: str,
    of_nom: str,
    of_uai: str,
    employeur_siret: str,
    employeur_nom: str,
    employeur_naf: str,
    employeur_idcc: str,
    nom: str,
    prenom: str,
    naissance: date,
    formation: str,
    debut: date,
    fin: date,
) -> dict:
    """The compact CERFA FA13 of the mass data (inter-OPCO norm names): what a transmission needs, no more."""
    return {
        "employeur": {
            "siret": employeur_siret,
            "denomination": employeur_nom,
            "naf": employeur_naf,
            "codeIdcc": employeur_idcc,
            "typeEmployeur": 12,
        },
        "apprenti": {"nom": nom, "prenom": prenom, "sexe": sexe_of(prenom), "dateNaissance": naissance.isoformat()},
        "formation": {
            "intituleQualification": formation,
            "dateDebutFormation": (debut + timedelta(days=7)).isoformat(),
            "dateFinFormation": (fin - timedelta(days=61)).isoformat(),
        },
        "contrat": {"typeContratApp": 11, "dateDebutContrat": debut.isoformat(), "dateFinContrat": fin.isoformat()},
        "organismeFormation": {"siret": of_siret, "denomination": of_nom}
        | ({"uaiCfa": of_uai} if uai_is_valid(of_uai) else {}),
    }


# --- Reset --------------------------------------------------------------------------------


def reset_demo(*, chunk: int = 20_000) -> dict[str, int]:
    """Delete every établissement and user of the demo (``.example`` e-mails) and all that hangs on them."""
    etabs = Etablissement.objects.filter(email__iendswith=DEMO_TLD)
    users = User.objects.filter(email__iendswith=DEMO_TLD)
    dossiers = Dossier.objects.filter(Q(of_etablissement__in=etabs) | Q(entreprise__in=etabs))
    factures = Facture.objects.filter(Q(emetteur__in=etabs) | Q(dossier__in=dossiers))
    reglements = Reglement.objects.filter(Q(beneficiaire__in=etabs) | Q(lignes__facture__in=factures))
    courriers = Courrier.objects.filter(
        Q(of_etablissement__in=etabs)
        | Q(destinataire_etablissement__in=etabs)
        | Q(dossier__in=dossiers)
        | Q(facture__in=factures)
        | Q(reglement__in=reglements)
    )
    pieces = PieceJointe.objects.filter(Q(dossier__in=dossiers) | Q(facture__in=factures))
    files: set[str] = set()
    for qs in (courriers, factures, pieces):
        files.update(qs.exclude(fichier="").values_list("fichier", flat=True).distinct())
    deleted: dict[str, int] = {}
    with transaction.atomic():
        steps = [
            ("notifications", Notification.objects.filter(Q(courrier__in=courriers) | Q(user__in=users))),
            ("courriers", courriers),
            ("règlements", reglements),  # with their lines
            ("lignes de règlement", LigneReglement.objects.filter(facture__in=factures)),
            ("pièces jointes", pieces),
            ("journal", TransitionLog.objects.filter(Q(dossier__in=dossiers) | Q(facture__in=factures))),
            ("factures", factures),
            ("lignes de financement", LigneFinancement.objects.filter(dossier__in=dossiers)),
        ]
        for label, qs in steps:
            deleted[label] = _delete(qs, chunk)
        # Avenants first: a version protects the one it replaces.
        versions = sorted(set(dossiers.values_list("version", flat=True).distinct()), reverse=True)
        deleted["dossiers"] = sum(_delete(dossiers.filter(version=v), chunk) for v in versions)
        deleted["clés API"] = _delete(
            ApiKey.objects.filter(Q(etablissement__in=etabs) | Q(created_by__in=users) | Q(revoked_by__in=users)), chunk
        )
        deleted["habilitations"] = _delete(
            Habilitation.objects.filter(Q(user__in=users) | Q(etablissement__in=etabs)), chunk
        )
        deleted["utilisateurs"] = _delete(users, chunk)
        deleted["établissements"] = _delete(etabs, chunk)
        if not (Dossier.objects.exists() or Facture.objects.exists() or Reglement.objects.exists()):
            Compteur.objects.filter(name__in=GUIDE_COUNTERS).delete()
    for name in files:
        default_storage.delete(name)
    return deleted


def _delete(qs, chunk: int) -> int:
    total = 0
    model = qs.model
    while True:
        ids = list(qs.values_list("pk", flat=True).distinct()[:chunk])
        if not ids:
            return total
        model.objects.filter(pk__in=ids).delete()
        total += len(ids)


# --- Mass generation (--scale) ------------------------------------------------------------

VILLES = (
    ("75012", "PARIS"),
    ("69007", "LYON"),
    ("13002", "MARSEILLE"),
    ("31200", "TOULOUSE"),
    ("33300", "BORDEAUX"),
    ("59000", "LILLE"),
    ("44000", "NANTES"),
    ("67000", "STRASBOURG"),
    ("35000", "RENNES"),
    ("76600", "LE HAVRE"),
    ("21000", "DIJON"),
    ("37000", "TOURS"),
    ("63000", "CLERMONT-FERRAND"),
    ("87000", "LIMOGES"),
    ("29200", "BREST"),
    ("34000", "MONTPELLIER"),
    ("06200", "NICE"),
    ("45000", "ORLEANS"),
    ("51100", "REIMS"),
    ("80000", "AMIENS"),
)
OF_PREFIXES = ("CFA DES MOBILITES", "INSTITUT DES METIERS DE LA ROUTE", "CFA TRANSPORT ET LOGISTIQUE", "ECOLE PRO")
ENTREPRISE_PREFIXES = (
    ("TRANSPORTS", "4941A", "0016"),
    ("AMBULANCES", "8690A", "0016"),
    ("TAXIS", "4932Z", "0016"),
    ("GARAGE", "4520A", "1090"),
    ("LOGISTIQUE", "5210B", "0016"),
    ("AUTOCARS", "4939B", "0016"),
)
# Relative frequency of each state in the mass data (a state absent here weighs 1).
STATE_WEIGHTS = {
    E.BROUILLON: 5,
    E.TRANSMIS: 8,
    E.EN_COURS: 10,
    E.EN_ATTENTE_PIECES: 6,
    E.ACCORDE: 40,
    E.AVENANT_EN_COURS: 2,
    E.REFUSE: 4,
    E.ANNULE: 5,
    E.RUPTURE: 6,
    E.REMPLACE: 2,
    E.SOLDE: 12,
}
DISPOSITIF_WEIGHTS = {A: 70, PRO: 15, PRO_A: 5, AF: 10}
FACTURE_WEIGHTS = {F.DEPOSEE: 10, F.EN_COURS: 10, F.EN_ATTENTE_PIECES: 6, F.VALIDEE: 12, F.PAYEE: 55, F.REJETEE: 7}
DECIDED = frozenset({E.ACCORDE, E.AVENANT_EN_COURS, E.RUPTURE, E.REMPLACE, E.SOLDE})
FACTURED = DECIDED
# A dossier in these states has a version 2 (its avenant), generated with it.
AVENANT_STATES = {
    E.AVENANT_EN_COURS: (E.TRANSMIS, E.EN_COURS, E.EN_ATTENTE_PIECES),
    E.REMPLACE: (E.ACCORDE, E.ACCORDE, E.ACCORDE, E.RUPTURE, E.SOLDE),
}
MOTIF_REJET = "Le montant facturé dépasse le montant pris en charge — montant à rectifier."


@dataclass(frozen=True)
class _Party:
    pk: int
    siret: str
    nom: str
    uai: str = ""
    naf: str = ""
    idcc: str = ""


@dataclass
class ScaleReport:
    dossiers: int = 0
    avenants: int = 0
    financements: int = 0
    factures: int = 0
    reglements: int = 0
    journal: int = 0
    etablissements: int = 0
    seconds: float = 0.0


class MassSeeder:
    """``bulk_create`` in batches; memory holds one batch at a time."""

    def __init__(self, *, now: datetime, seed: int, batch_size: int, out: Callable[[str], None]) -> None:
        self.now = now
        self.rng = random.Random(seed)
        self.batch_size = max(1, batch_size)
        self.out = out
        self.states = {
            d: ([s for s in reachable_states(d)], [STATE_WEIGHTS.get(s, 1) for s in reachable_states(d)])
            for d in Dispositif
        }
        self.dispositifs = list(DISPOSITIF_WEIGHTS)
        self.dispositif_weights = [DISPOSITIF_WEIGHTS[d] for d in self.dispositifs]
        self.facture_states = list(FACTURE_WEIGHTS)
        self.facture_weights = [FACTURE_WEIGHTS[s] for s in self.facture_states]

    def run(self, count: int) -> ScaleReport:
        report = ScaleReport()
        started = time.monotonic()
        ofs = self._pool(
            SCALE_OF_DOMAIN, kind="1", wanted=max(3, min(2_000, count // 400)), build=self._new_of, report=report
        )
        entreprises = self._pool(
            SCALE_ENTREPRISE_DOMAIN,
            kind="2",
            wanted=max(5, min(20_000, count // 20)),
            build=self._new_entreprise,
            report=report,
        )
        demo_of = Etablissement.objects.filter(siret=OF_GENERIQUE_SIRET).first()
        self.demo_of = _Party(demo_of.pk, demo_of.siret, demo_of.raison_sociale, demo_of.uai) if demo_of else None
        self._shared_pdf()
        batch_no = 0
        while report.dossiers < count:
            batch_no += 1
            size = min(self.batch_size, count - report.dossiers)
            with transaction.atomic():
                self._batch(size, ofs, entreprises, batch_no, report)
            reset_queries()  # under DEBUG, Django keeps every query's SQL: memory would grow with each batch
            elapsed = time.monotonic() - started
            self.out(f"  {fr_int(report.dossiers)} / {fr_int(count)} dossiers… ({elapsed:.1f} s)")
        report.seconds = time.monotonic() - started
        return report

    # Établissements
    def _pool(self, domain: str, *, kind: str, wanted: int, build, report: ScaleReport) -> list[_Party]:
        existing = Etablissement.objects.filter(email__endswith=domain).order_by("pk")
        have = existing.count()
        if have < wanted:
            Etablissement.objects.bulk_create((build(k) for k in range(have, wanted)), batch_size=2_000)
            report.etablissements += wanted - have
        return [
            _Party(pk, siret, nom, uai, naf, idcc)
            for pk, siret, nom, uai, naf, idcc in existing.values_list(
                "pk", "siret", "raison_sociale", "uai", "naf", "idcc"
            )
        ]

    def _ville(self, k: int) -> tuple[str, str]:
        return VILLES[k % len(VILLES)]

    def _new_of(self, k: int) -> Etablissement:
        code_postal, ville = self._ville(k)
        return Etablissement(
            siret=_siret(f"991{k:05d}"),
            raison_sociale=f"{OF_PREFIXES[k % len(OF_PREFIXES)]} - {ville} {k + 1}",
            adresse=f"{1 + k % 180} avenue de la Formation",
            code_postal=code_postal,
            ville=ville,
            email=f"contact-{k}{SCALE_OF_DOMAIN}",
            est_organisme_formation=True,
            uai=uai_complete(f"{code_postal[:2]}{k % 100_000:05d}"),
        )

    def _new_entreprise(self, k: int) -> Etablissement:
        code_postal, ville = self._ville(k * 7)
        prefix, naf, idcc = ENTREPRISE_PREFIXES[k % len(ENTREPRISE_PREFIXES)]
        return Etablissement(
            siret=_siret(f"992{k:05d}"),
            raison_sociale=f"{prefix} {NOMS[k % len(NOMS)]} {k + 1}",
            adresse=f"{1 + k % 250} rue des Entrepreneurs",
            code_postal=code_postal,
            ville=ville,
            email=f"contact-{k}{SCALE_ENTREPRISE_DOMAIN}",
            est_entreprise=True,
            naf=naf,
            idcc=idcc,
            effectif=5 + k % 400,
            type_employeur=TypeEmployeur.RCS,
        )

    def _shared_pdf(self) -> None:
        if not default_storage.exists(SHARED_FACTURE_PDF):
            default_storage.save(
                SHARED_FACTURE_PDF, ContentFile(demo_pdf("Facture (données de charge)", ["Fichier partagé."]))
            )

    # One batch
    def _after(self, moment: datetime, low: float, high: float) -> datetime:
        return min(moment + timedelta(days=self.rng.uniform(low, high)), self.now)

    def _batch(self, size: int, ofs: list[_Party], entreprises: list[_Party], batch_no: int, report: ScaleReport):
        rng = self.rng
        plans: list[tuple[Dispositif, EtatDossier, EtatDossier | None]] = []
        rows = 0
        while rows < size:
            dispositif = rng.choices(self.dispositifs, self.dispositif_weights)[0]
            states, weights = self.states[dispositif]
            etat = rng.choices(states, weights)[0]
            second = None
            if etat in AVENANT_STATES:
                if rows + 2 > size:
                    continue
                second = rng.choice([s for s in AVENANT_STATES[etat] if s in states])
            plans.append((dispositif, etat, second))
            rows += 2 if second else 1
        numbered = sum(1 for _, etat, _ in plans if etat != E.BROUILLON)
        numeros = iter(next_numbers("dossier", numbered)) if numbered else iter(())

        firsts: list[Dossier] = []
        amounts: dict[int, list[tuple[str, Decimal]]] = {}
        for index, (dispositif, etat, _second) in enumerate(plans):
            of = self.demo_of if self.demo_of and rng.random() < 0.02 else rng.choice(ofs)
            dossier = self._dossier(dispositif, etat, of, rng.choice(entreprises), numeros)
            firsts.append(dossier)
            amounts[index] = self._amounts(dispositif) if etat != E.BROUILLON else []
        # Avenants are built before their previous version is inserted (it takes their dates).
        pairs: list[tuple[Dossier, Dossier]] = []
        second_amounts: list[list[tuple[str, Decimal]]] = []
        for index, (_dispositif, _etat, second) in enumerate(plans):
            if second is not None:
                pairs.append((firsts[index], self._avenant(firsts[index], second)))
                second_amounts.append(amounts[index])
        Dossier.objects.bulk_create(firsts, batch_size=1_000)
        seconds = [avenant for _, avenant in pairs]
        if seconds:
            for previous, avenant in pairs:
                avenant.version_precedente_id = previous.pk
            Dossier.objects.bulk_create(seconds, batch_size=1_000)

        dossiers = firsts + seconds
        all_amounts = [amounts[i] for i in range(len(firsts))] + second_amounts
        lines = []
        for dossier, requested in zip(dossiers, all_amounts, strict=True):
            decided = dossier.etat in DECIDED
            lines += [
                LigneFinancement(
                    dossier_id=dossier.pk,
                    nature=nature,
                    montant_demande=amount,
                    montant_pris_en_charge=amount if decided else None,
                )
                for nature, amount in requested
            ]
        LigneFinancement.objects.bulk_create(lines, batch_size=2_000)
        logs = [self._log(batch_no, dossier=d) for d in dossiers]
        factures = self._factures(dossiers, all_amounts)
        if factures:
            Facture.objects.bulk_create(factures, batch_size=1_000)
            logs += [self._log(batch_no, facture=f) for f in factures]
            report.reglements += self._reglements(factures)
        TransitionLog.objects.bulk_create(logs, batch_size=2_000)

        report.dossiers += len(dossiers)
        report.avenants += len(seconds)
        report.financements += len(lines)
        report.factures += len(factures)
        report.journal += len(logs)

    def _dossier(self, dispositif: Dispositif, etat: EtatDossier, of: _Party, employeur: _Party, numeros) -> Dossier:
        rng = self.rng
        created = self.now - timedelta(days=rng.uniform(30, 1_100))
        brouillon = etat == E.BROUILLON
        transmitted = None if brouillon else (self._after(created, 0, 5) if dispositif is A else created)
        decided = None
        if etat in DECIDED or etat == E.REFUSE:
            decided = self._after(transmitted, 5, 40)
        updated = decided or transmitted or created
        if etat in (E.EN_COURS, E.EN_ATTENTE_PIECES, E.ANNULE):
            updated = self._after(transmitted, 2, 30)
        if etat in (E.RUPTURE, E.SOLDE):
            updated = self._after(decided, 60, 400)
        debut = (transmitted or created).date() - timedelta(days=rng.randint(0, 30))
        fin = debut + timedelta(days=rng.choice((364, 729, 1_094)) if dispositif is not AF else rng.randint(2, 60))
        nom, prenom = rng.choice(NOMS), rng.choice(PRENOMS)
        # Apprentices are 16 to 25 at the start of their contract; other trainees of any working age.
        age = rng.randint(16, 25) if dispositif is A else rng.randint(18, 58)
        naissance = debut - timedelta(days=365 * age + rng.randint(30, 330))
        formation = rng.choice(FORMATIONS[dispositif])
        donnees = {}
        if dispositif is A:
            donnees = cerfa_payload(
                of_siret=of.siret,
                of_nom=of.nom,
                of_uai=of.uai,
                employeur_siret=employeur.siret,
                employeur_nom=employeur.nom,
                employeur_naf=employeur.naf,
                employeur_idcc=employeur.idcc,
                nom=nom,
                prenom=prenom,
                naissance=naissance,
                formation=formation,
                debut=debut,
                fin=fin,
            )
        dossier = Dossier(
            numero=None if brouillon else next(numeros),
            version=1,
            dispositif=dispositif,
            etat=etat,
            # Apprenticeship dossiers are always subrogated (as dossier_draft_save makes them).
            subroge=dispositif is A or rng.random() < 0.5,
            numero_depot=self._numero_depot(debut) if dispositif is A and not brouillon else "",
            of_etablissement_id=of.pk,
            entreprise_id=employeur.pk,
            salarie_nom=nom,
            salarie_prenom=prenom,
            salarie_date_naissance=naissance,
            formation_intitule=formation,
            formation_date_debut=debut + timedelta(days=7) if dispositif is not AF else debut,
            formation_date_fin=fin - timedelta(days=61) if dispositif is not AF else fin,
            contrat_date_debut=debut if dispositif is not AF else None,
            contrat_date_fin=fin if dispositif is not AF else None,
            donnees=donnees,
            created_at=created,
            updated_at=updated,
            transmitted_at=transmitted,
            decided_at=decided,
        )
        if etat == E.RUPTURE:
            dossier.date_rupture = min(debut + timedelta(days=rng.randint(20, 300)), fin, updated.date())
            dossier.motif_rupture = rng.choice(("1", "2", "3", "3", "4", "6"))
        return dossier

    def _numero_depot(self, debut: date) -> str:
        """A DECA number: département of deposit, year and month, six digits."""
        departement = self.rng.choice(VILLES)[0][:2]
        return f"0{departement}{debut:%Y%m}{self.rng.randint(0, 999_999):06d}"

    def _avenant(self, previous: Dossier, etat: EtatDossier) -> Dossier:
        created = self._after(previous.decided_at or previous.updated_at, 30, 200)
        decided = self._after(created, 5, 30) if etat in DECIDED else None
        updated = decided or self._after(created, 0, 10)
        if etat in (E.RUPTURE, E.SOLDE):
            updated = self._after(decided, 30, 300)
        previous.updated_at = max(previous.updated_at, decided or created)
        donnees = copy.deepcopy(previous.donnees)
        if donnees:
            donnees["contrat"]["dateFinContrat"] = (previous.contrat_date_fin + timedelta(days=92)).isoformat()
        avenant = Dossier(
            numero=previous.numero,
            version=previous.version + 1,
            dispositif=previous.dispositif,
            etat=etat,
            subroge=previous.subroge,
            numero_depot=previous.numero_depot,
            of_etablissement_id=previous.of_etablissement_id,
            entreprise_id=previous.entreprise_id,
            salarie_nom=previous.salarie_nom,
            salarie_prenom=previous.salarie_prenom,
            salarie_date_naissance=previous.salarie_date_naissance,
            formation_intitule=previous.formation_intitule,
            formation_date_debut=previous.formation_date_debut,
            formation_date_fin=previous.formation_date_fin,
            contrat_date_debut=previous.contrat_date_debut,
            contrat_date_fin=previous.contrat_date_fin + timedelta(days=92) if previous.contrat_date_fin else None,
            donnees=donnees,
            created_at=created,
            updated_at=updated,
            transmitted_at=created,
            decided_at=decided,
        )
        if etat == E.RUPTURE:
            avenant.date_rupture = min(avenant.contrat_date_debut + timedelta(days=200), updated.date())
            avenant.motif_rupture = "3"
        return avenant

    def _amounts(self, dispositif: Dispositif) -> list[tuple[str, Decimal]]:
        rng = self.rng
        amount = dec(rng.choice(MONTANTS[dispositif]))
        if dispositif is not A:
            return [(N.COUT_PEDAGOGIQUE.value, amount)]
        lines = [(N.NPEC.value, amount)]
        if rng.random() < 0.3:
            lines.append((N.PREMIER_EQUIPEMENT.value, dec("500.00")))
        if rng.random() < 0.08:
            lines.append((N.HEBERGEMENT.value, dec(rng.choice(("600.00", "1200.00", "1800.00")))))
        return lines

    def _factures(self, dossiers: list[Dossier], amounts: list[list[tuple[str, Decimal]]]) -> list[Facture]:
        rng = self.rng
        picked = []
        for dossier, requested in zip(dossiers, amounts, strict=True):
            if dossier.subroge and dossier.etat in FACTURED and requested and rng.random() < 0.35:
                total = sum(amount for _, amount in requested)
                for _ in range(1 if rng.random() < 0.7 else 2):
                    picked.append((dossier, total))
        if not picked:
            return []
        numeros = iter(next_numbers("facture", len(picked)))
        factures = []
        for dossier, total in picked:
            etat = rng.choices(self.facture_states, self.facture_weights)[0]
            ht = dec(total * Decimal(str(round(rng.uniform(0.2, 0.5), 2))))
            deposited = self._after(dossier.decided_at or dossier.updated_at, 10, 200)
            numero = next(numeros)
            factures.append(
                Facture(
                    numero=numero,
                    dossier_id=dossier.pk,
                    emetteur_id=dossier.of_etablissement_id,
                    reference=f"FAC-{numero}",
                    date_facture=deposited.date() - timedelta(days=rng.randint(0, 5)),
                    montant_ht=ht,
                    montant_ttc=ht if rng.random() < 0.8 else dec(ht * Decimal("1.2")),
                    etat=etat,
                    fichier=SHARED_FACTURE_PDF,
                    motif_rejet=MOTIF_REJET if etat == F.REJETEE else "",
                    deposited_at=deposited,
                    updated_at=deposited if etat == F.DEPOSEE else self._after(deposited, 1, 40),
                )
            )
        return factures

    def _reglements(self, factures: list[Facture]) -> int:
        by_emetteur: dict[int, list[Facture]] = defaultdict(list)
        for facture in factures:
            if facture.etat == F.PAYEE:
                by_emetteur[facture.emetteur_id].append(facture)
        groups = [group[i : i + 8] for group in by_emetteur.values() for i in range(0, len(group), 8)]
        if not groups:
            return 0
        numeros = iter(next_numbers("reglement", len(groups)))
        reglements = []
        for group in groups:
            paid = max(f.updated_at for f in group)
            reglements.append(
                Reglement(
                    numero=f"{next(numeros):07d}",
                    reference_virement=self._reference_virement(),
                    date_paiement=paid.date(),
                    mode=ModeReglement.VIREMENT if self.rng.random() < 0.95 else ModeReglement.CHEQUE,
                    beneficiaire_id=group[0].emetteur_id,
                    montant_total_ttc=sum(f.montant_ttc for f in group),
                    created_at=paid,
                )
            )
        Reglement.objects.bulk_create(reglements, batch_size=1_000)
        LigneReglement.objects.bulk_create(
            (
                LigneReglement(reglement_id=r.pk, facture_id=f.pk, dossier_id=f.dossier_id, montant_ttc=f.montant_ttc)
                for r, group in zip(reglements, groups, strict=True)
                for f in group
            ),
            batch_size=2_000,
        )
        return len(reglements)

    def _reference_virement(self) -> str:
        return f"{self.rng.choice(('TLS', 'DFA', 'VIR'))}/{self.rng.randint(100_000, 9_999_999)}"

    def _log(self, batch_no: int, *, dossier: Dossier | None = None, facture: Facture | None = None) -> TransitionLog:
        obj = dossier or facture
        return TransitionLog(
            dossier_id=dossier.pk if dossier else None,
            facture_id=facture.pk if facture else None,
            transition=SCALE_LOG_TRANSITION,
            source="",
            target=obj.etat,
            actor_label=SCALE_ACTOR_LABEL,
            channel=SCALE_CHANNEL.value,
            reason="Créé en masse pour les mesures de charge.",
            details={"lot": batch_no},
            created_at=obj.updated_at,
        )
