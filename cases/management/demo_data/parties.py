"""The établissements and the users of the demo (e-mails in the reserved ``.example`` domain)."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import TypeEmployeur
from cases.management.demo_data.common import OF_GENERIQUE_SIRET, OF_GENERIQUE_UAI
from rules.actions import Droit, Role
from rules.identifiers import luhn_complete, uai_complete

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
