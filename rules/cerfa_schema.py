"""The CERFA FA13 data model (contrat d'apprentissage, n°10103), declared as data.

Field paths are those of the inter-OPCO exchange norm (``employeur.siret``,
``apprenti.dateNaissance``, ``contrat.typeContratApp`` …). Fields are grouped in the blocks of the
M-Gestion form (employeur, apprenti, maitres, contrat, formation, synthese); a block may hold
fields of several norm objects (the synthesis holds ``contrat.lieuSignatureContrat`` and
``employeur.attestationPieces``). Two keys are the portal's own and are not part of the norm:
``synthese.attestationMandat`` (the sworn statement of the synthesis page) and
``synthese.commentaire``.

The same structure serves the form structure endpoint (:func:`form_structure`), the validation
(:mod:`rules.cerfa_rules`) and the documents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from rules import nir as nir_rules
from rules.cerfa_dates import ONE_DAY, add_months, add_years
from rules.identifiers import uai_complete
from rules.referentiels import code_lists_as_dict
from rules.remuneration import (
    BRACKET_LABELS,
    MINIMUM_RATES,
    SMIC_REFERENCE,
    SmicValue,
    remuneration_periods,
)

CERFA_VERSION = "10103*14"


# --- Reading a payload --------------------------------------------------------------------

_INDEX = re.compile(r"^(\w+)\[(\d+)\]$")


def get_path(payload: dict, path: str):
    """The value at a dotted path (``contrat.remunerationsAnnuelles[0].taux``), or None."""
    node = payload
    for part in path.split("."):
        match = _INDEX.match(part)
        key, index = (match.group(1), int(match.group(2))) if match else (part, None)
        if not isinstance(node, dict):
            return None
        node = node.get(key)
        if index is not None:
            if not isinstance(node, list) or index >= len(node):
                return None
            node = node[index]
    return node


# Years outside this range are not dates of a contract: refused as invalid, they also keep the
# calendar arithmetic of the rules (± months and years) inside what ``datetime.date`` can hold.
MIN_YEAR, MAX_YEAR = 1000, 8999


def parse_date(value) -> date | None:
    """An ISO date or date-time (``2026-09-01`` / ``2026-09-01T00:00:00+00:00``), or None."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        day = date.fromisoformat(value[:10])
    except ValueError:
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


# --- The model ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the CERFA.

    ``kind`` is one of: texte, nom, date, booleen, attestation, code, entier, montant, taux,
    siret, uai, nir, naf, idcc, rncp, cfd, deca, code_postal, telephone, courriel, periodes.
    ``required`` is unconditional; ``required_if`` describes (in French) when a conditional field
    becomes required — the condition itself is evaluated by :mod:`rules.cerfa_rules`.
    """

    path: str
    label: str
    kind: str = "texte"
    required: bool = False
    required_if: str = ""
    help: str = ""
    codes: str | None = None
    max_length: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    computed: bool = False
    items: tuple[Field, ...] = ()

    def as_dict(self) -> dict:
        data: dict = {"champ": self.path, "libelle": self.label, "type": self.kind, "obligatoire": self.required}
        optional = {
            "obligatoireSi": self.required_if,
            "aide": self.help,
            "liste": self.codes,
            "longueurMax": self.max_length,
            "min": self.minimum,
            "max": self.maximum,
            "calcule": self.computed or None,
        }
        data.update({k: v for k, v in optional.items() if v not in (None, "")})
        if self.items:
            data["elements"] = [item.as_dict() for item in self.items]
        return data


@dataclass(frozen=True, slots=True)
class Block:
    key: str
    number: int
    title: str
    help: tuple[str, ...]
    fields: tuple[Field, ...]

    def as_dict(self) -> dict:
        return {
            "cle": self.key,
            "numero": self.number,
            "titre": self.title,
            "aide": list(self.help),
            "champs": [f.as_dict() for f in self.fields],
        }


def _adresse(prefix: str, *, required: bool = True, required_if: str = "") -> tuple[Field, ...]:
    return (
        Field(f"{prefix}.adresse.adresse1", "N° et voie", required=required, required_if=required_if, max_length=255),
        Field(f"{prefix}.adresse.adresse2", "Complément d'adresse", max_length=255),
        Field(f"{prefix}.adresse.codePostal", "Code postal", "code_postal", required=required, required_if=required_if),
        Field(f"{prefix}.adresse.commune", "Commune", required=required, required_if=required_if, max_length=80),
    )


_MAITRE2_IF = "dès qu'un champ du maître d'apprentissage n°2 est renseigné"


def _maitre(number: int) -> tuple[Field, ...]:
    prefix = f"maitre{number}"
    first = number == 1
    cond = "" if first else _MAITRE2_IF
    title = f"Maître d'apprentissage n°{number}"
    return (
        Field(f"{prefix}.nom", f"{title} — nom de naissance", "nom", required=first, required_if=cond),
        Field(f"{prefix}.prenom", f"{title} — prénom", "nom", required=first, required_if=cond),
        Field(
            f"{prefix}.dateNaissance",
            f"{title} — date de naissance",
            "date",
            required=first,
            required_if=cond,
            help="Le maître d'apprentissage doit être majeur au début du contrat.",
        ),
        Field(f"{prefix}.nir", f"{title} — NIR", "nir"),
        Field(f"{prefix}.courriel", f"{title} — courriel", "courriel", required=first),
        Field(f"{prefix}.emploiOccupe", f"{title} — emploi occupé", required=first, max_length=255),
        Field(
            f"{prefix}.intituleDiplomeObtenu",
            f"{title} — diplôme ou titre le plus élevé obtenu",
            required=first,
            max_length=255,
        ),
        Field(
            f"{prefix}.niveauDiplomeObtenu",
            f"{title} — niveau de ce diplôme ou titre",
            "code",
            required=first,
            codes="niveauDiplomeMaitre",
        ),
    )


_RESPONSABLE_IF = "si l'apprenti(e) est mineur(e) non émancipé(e) à la signature ou au début du contrat"
_RESPONSABLE_ADRESSE_IF = _RESPONSABLE_IF + ", sauf s'il habite à la même adresse"
_LIEU_IF = "si le lieu principal de formation n'est pas celui du CFA responsable"

EMPLOYEUR = Block(
    "employeur",
    1,
    "L'employeur",
    (
        "Recherchez l'établissement par son SIRET (au moins les 9 chiffres du SIREN) et choisissez celui où "
        "le contrat est exécuté, qui n'est pas forcément le siège. Les données connues de l'OPCO sont reprises "
        "automatiquement ; si l'entreprise est inconnue, contactez votre délégation régionale OPCO Mobilités.",
        "Type d'employeur : choisissez parmi les employeurs privés (codes 11 à 16). OPCO Mobilités n'instruit "
        "pas les contrats d'apprentissage des employeurs du secteur public, qui se déposent sur la plateforme "
        "CELIA.",
        "Effectif : indiquez l'effectif salarié de toute l'entreprise, pas seulement celui de l'établissement.",
        "Convention collective : le code IDCC comporte 4 chiffres ; 9999 signifie qu'aucune convention ne "
        "s'applique, 9998 qu'elle est en cours de négociation.",
    ),
    (
        Field(
            "employeur.siret",
            "N° SIRET de l'établissement d'exécution du contrat",
            "siret",
            required=True,
            help="14 chiffres. L'établissement où l'apprenti(e) travaille, pas forcément le siège.",
        ),
        Field("employeur.denomination", "Nom et prénom ou dénomination", required=True, max_length=255),
        *_adresse("employeur"),
        Field("employeur.telephone", "Téléphone", "telephone", required=True),
        Field("employeur.courriel", "Courriel", "courriel", required=True),
        Field(
            "employeur.typeEmployeur",
            "Type d'employeur",
            "code",
            required=True,
            codes="typeEmployeur",
            help="Employeurs privés uniquement (11 à 16).",
        ),
        Field("employeur.employeurSpecifique", "Employeur spécifique", "code", codes="employeurSpecifique"),
        Field("employeur.naf", "Code activité de l'entreprise (NAF)", "naf", required=True, help="Ex. : 49.32Z."),
        Field(
            "employeur.nombreDeSalaries",
            "Effectif total salariés de l'entreprise",
            "entier",
            required=True,
            minimum=0,
            maximum=9_999_999,
        ),
        Field("employeur.codeIdcc", "Code IDCC de la convention collective", "idcc", required=True),
        Field(
            "employeur.libelleIdcc",
            "Convention collective applicable",
            required=True,
            required_if="sauf codes IDCC 9998 et 9999",
            max_length=500,
        ),
        Field(
            "employeur.regimeSpecifique",
            "Adhésion de l'apprenti(e) au régime spécifique d'assurance chômage",
            "booleen",
            help="Employeurs du secteur public uniquement.",
        ),
    ),
)

APPRENTI = Block(
    "apprenti",
    2,
    "L'apprenti(e)",
    (
        "Saisissez le nom de naissance et le premier prénom tels qu'ils figurent à l'état civil ; le nom "
        "d'usage est facultatif.",
        "Le NIR (numéro de sécurité sociale) est facultatif ; s'il est saisi, il doit correspondre au sexe, "
        "à l'année et au mois de naissance et au département de naissance (2A/2B pour la Corse, 971 à 976 "
        "pour l'outre-mer, 99 pour une naissance à l'étranger).",
        "Âge : l'apprenti(e) doit avoir entre 16 et 29 ans révolus au début du contrat. 15 ans sont possibles "
        "s'il (elle) a achevé le collège (dérogation 11). Jusqu'à 35 ans révolus pour un nouveau contrat vers "
        "un diplôme supérieur ou après une rupture indépendante de sa volonté (dérogation 12). Aucune limite "
        "pour une personne reconnue travailleur handicapé, un sportif de haut niveau ou un projet de création "
        "ou de reprise d'entreprise.",
        "Un(e) apprenti(e) mineur(e) non émancipé(e) doit avoir un représentant légal, qui signe le contrat.",
        "Nationalité hors Union européenne : l'autorisation de travail doit être obtenue avant le début du "
        "contrat (elle n'est pas jointe au CERFA).",
    ),
    (
        Field("apprenti.nom", "Nom de naissance", "nom", required=True),
        Field("apprenti.nomUsage", "Nom d'usage", "nom"),
        Field("apprenti.prenom", "Premier prénom selon l'état civil", "nom", required=True),
        Field("apprenti.sexe", "Sexe", "code", required=True, codes="sexe"),
        Field("apprenti.dateNaissance", "Date de naissance", "date", required=True),
        Field(
            "apprenti.departementNaissance",
            "Département de naissance",
            "code",
            required=True,
            codes="departement",
            help="99 pour une naissance à l'étranger.",
        ),
        Field("apprenti.communeNaissance", "Commune de naissance", required=True, max_length=80),
        Field("apprenti.nir", "NIR (numéro de sécurité sociale)", "nir", help="13 caractères, ou 15 avec la clé."),
        Field("apprenti.nationalite", "Nationalité", "code", required=True, codes="nationalite"),
        Field("apprenti.regimeSocial", "Régime social", "code", required=True, codes="regimeSocial"),
        *_adresse("apprenti"),
        Field("apprenti.telephone", "Téléphone", "telephone", required=True),
        Field("apprenti.courriel", "Courriel", "courriel", required=True),
        Field(
            "apprenti.handicap",
            "Déclare bénéficier de la reconnaissance de la qualité de travailleur handicapé (RQTH)",
            "booleen",
            required=True,
        ),
        Field(
            "apprenti.droitsRqthEquivalenceJeune",
            "Sans RQTH, bénéficie des droits attachés à la RQTH : équivalence jeunes",
            "booleen",
            help="Jeune de 15 à 20 ans bénéficiaire de l'AEEH, de la PCH ou d'un projet personnalisé de "
            "scolarisation (PPS).",
        ),
        Field(
            "apprenti.droitsRqthExtensionBOE",
            "Sans RQTH, bénéficie des droits attachés à la RQTH : extension BOE",
            "booleen",
            help="Bénéficiaire de l'obligation d'emploi des travailleurs handicapés (hors ayants droit).",
        ),
        Field(
            "apprenti.inscriptionSportifDeHautNiveau",
            "Déclare être inscrit(e) sur la liste des sportifs, entraîneurs, arbitres et juges sportifs de haut niveau",
            "booleen",
            required=True,
        ),
        Field(
            "apprenti.projetCreationRepriseEntreprise",
            "Déclare avoir un projet de création ou de reprise d'entreprise nécessitant le diplôme préparé",
            "booleen",
            required=True,
        ),
        Field(
            "apprenti.situationAvantContrat",
            "Situation avant ce contrat",
            "code",
            required=True,
            codes="situationAvantContrat",
        ),
        Field("apprenti.diplomePrepare", "Dernier diplôme ou titre préparé", "code", required=True, codes="diplome"),
        Field(
            "apprenti.derniereClasse",
            "Dernière classe ou année suivie",
            "code",
            required=True,
            codes="derniereClasse",
        ),
        Field(
            "apprenti.intituleDiplomePrepare",
            "Intitulé précis du dernier diplôme ou titre préparé",
            required=True,
            max_length=255,
        ),
        Field("apprenti.diplome", "Diplôme ou titre le plus élevé obtenu", "code", required=True, codes="diplome"),
        Field(
            "apprenti.apprentiMineurNonEmancipe",
            "Apprenti(e) mineur(e) non émancipé(e)",
            "booleen",
            help="Répondez non pour un(e) mineur(e) émancipé(e) : le représentant légal n'est alors pas demandé.",
        ),
        Field("apprenti.responsableLegal.nom", "Représentant légal — nom", "nom", required_if=_RESPONSABLE_IF),
        Field("apprenti.responsableLegal.prenom", "Représentant légal — prénom", "nom", required_if=_RESPONSABLE_IF),
        Field("apprenti.responsableLegal.courriel", "Représentant légal — courriel", "courriel"),
        Field(
            "apprenti.responsableLegal.memeAdresse",
            "Le représentant légal habite à la même adresse que l'apprenti(e)",
            "booleen",
        ),
        *_adresse("apprenti.responsableLegal", required=False, required_if=_RESPONSABLE_ADRESSE_IF),
    ),
)

MAITRES = Block(
    "maitres",
    3,
    "Le(s) maître(s) d'apprentissage",
    (
        "Le maître d'apprentissage est un salarié majeur de l'entreprise, ou l'employeur lui-même, qui "
        "accompagne l'apprenti(e). Il doit justifier d'un an d'expérience professionnelle en rapport avec la "
        "qualification préparée s'il est titulaire d'un diplôme ou titre de même domaine et d'un niveau au moins "
        "équivalent, sinon de deux ans ; la convention collective peut prévoir d'autres critères.",
        "Un second maître d'apprentissage est facultatif ; s'il est saisi, il doit être complet. Sans second "
        "maître déclaré, tout changement de maître en cours de contrat passe par un avenant.",
        "L'employeur atteste sur l'honneur que le(s) maître(s) d'apprentissage remplit (remplissent) les "
        "critères d'éligibilité à cette fonction.",
    ),
    (
        *_maitre(1),
        *_maitre(2),
        Field(
            "employeur.attestationEligibilite",
            "L'employeur atteste sur l'honneur que le(s) maître(s) d'apprentissage répond(ent) à l'ensemble des "
            "critères d'éligibilité à cette fonction",
            "attestation",
            required=True,
        ),
    ),
)

_PERIODE_ITEMS = (
    Field("ordre", "Période (1.1, 1.2, 2.1 …)", required=True),
    Field("dateDebut", "Du", "date", required=True),
    Field("dateFin", "Au", "date", required=True),
    Field("taux", "% du SMIC ou du SMC", "taux", required=True, help="Jamais inférieur au taux minimal."),
    Field("tauxMinimal", "Taux minimal légal", "taux", computed=True),
    Field("typeSalaire", "Base", "code", required=True, codes="typeSalaire"),
    Field("salaireBrut", "Salaire brut mensuel", "montant", computed=True),
)

CONTRAT = Block(
    "contrat",
    4,
    "Le contrat",
    (
        "Type de contrat : 11 pour un premier contrat, 21 à 23 pour un nouveau contrat qui suit un précédent "
        "contrat d'apprentissage, 31 à 38 pour un avenant. Pour un avenant, indiquez le numéro du contrat "
        "concerné et la date d'effet, comprise entre le début et la fin du contrat.",
        "Dates : la date de début est le premier jour d'exécution du contrat (en entreprise ou au CFA). Le "
        "contrat dure de 6 mois à 3 ans (4 ans pour un(e) apprenti(e) reconnu(e) travailleur handicapé), 54 "
        "mois au plus avec une prolongation ; il se termine au plus tard 3 mois après la fin de la formation, "
        "de façon à couvrir les dernières épreuves.",
        "Rémunération : elle est calculée par année d'exécution du contrat et selon l'âge de l'apprenti(e) "
        "(27 % à 100 % du SMIC, ou du salaire minimum conventionnel à partir de 21 ans s'il est plus "
        "favorable). Le nouveau taux s'applique le 1er jour du mois qui suit l'anniversaire. Les taux peuvent "
        "être augmentés, jamais diminués.",
        "Le contrat est à transmettre à l'OPCO au plus tard dans les 5 jours ouvrables qui suivent le début "
        "de son exécution.",
    ),
    (
        Field(
            "contrat.modeContractuel",
            "Mode contractuel de l'apprentissage",
            "code",
            required=True,
            codes="modeContractuel",
        ),
        Field("contrat.typeContratApp", "Type de contrat ou d'avenant", "code", required=True, codes="typeContratApp"),
        Field("contrat.typeDerogation", "Type de dérogation", "code", codes="typeDerogation"),
        Field(
            "contrat.numeroContratPrecedent",
            "Numéro du contrat précédent ou du contrat sur lequel porte l'avenant",
            "deca",
            required_if="pour un avenant (types 31 à 38)",
        ),
        Field(
            "contrat.dateConclusion",
            "Date de conclusion (signature du contrat par les parties)",
            "date",
            required=True,
        ),
        Field("contrat.dateDebutContrat", "Date de début d'exécution du contrat", "date", required=True),
        Field(
            "contrat.dateFormationPratiqueEmployeur",
            "Date de début de la formation pratique chez l'employeur",
            "date",
            required=True,
        ),
        Field(
            "contrat.dateEffetAvenant",
            "Date d'effet de l'avenant",
            "date",
            required_if="pour un avenant (types 31 à 38)",
        ),
        Field(
            "contrat.dateFinContrat",
            "Date de fin du contrat ou de la période d'apprentissage",
            "date",
            required=True,
        ),
        Field(
            "contrat.dureeTravailHebdoHeures",
            "Durée hebdomadaire du travail — heures",
            "entier",
            required=True,
            minimum=1,
            maximum=40,
        ),
        Field(
            "contrat.dureeTravailHebdoMinutes",
            "Durée hebdomadaire du travail — minutes",
            "entier",
            minimum=0,
            maximum=59,
        ),
        Field(
            "contrat.travailRisque",
            "Travail sur machines dangereuses ou exposition à des risques particuliers",
            "booleen",
            required=True,
        ),
        Field(
            "contrat.smc",
            "Salaire minimum conventionnel (SMC) mensuel",
            "montant",
            required_if="si l'apprenti(e) atteint 21 ans avant la fin du contrat (0 s'il n'y en a pas)",
            help="Il sert de base à la rémunération à partir de 21 ans lorsqu'il est supérieur au SMIC.",
        ),
        Field(
            "contrat.remunerationsAnnuelles",
            "Rémunération par période",
            "periodes",
            required=True,
            items=_PERIODE_ITEMS,
        ),
        Field("contrat.salaireEmbauche", "Salaire brut mensuel à l'embauche", "montant", required=True),
        Field(
            "employeur.caisseComplementaire",
            "Caisse de retraite complémentaire",
            "code",
            required=True,
            codes="caisseRetraite",
            max_length=80,
            help="Le rattachement à une caisse de retraite complémentaire est obligatoire dès le premier salarié.",
        ),
        Field(
            "contrat.avantageNourriture",
            "Avantage en nature — nourriture (€ par repas)",
            "montant",
            minimum=0,
            maximum=10_000,
        ),
        Field(
            "contrat.avantageLogement",
            "Avantage en nature — logement (€ par mois)",
            "montant",
            minimum=0,
            maximum=10_000,
        ),
        Field("contrat.autreAvantageEnNature", "Autre avantage en nature", "booleen"),
    ),
)

FORMATION = Block(
    "formation",
    5,
    "La formation",
    (
        "Le CFA responsable est l'organisme qui porte la formation et facture l'OPCO : indiquez son SIRET et "
        "son numéro UAI (7 chiffres et une lettre de contrôle). Si les cours ont lieu ailleurs, précisez le "
        "lieu principal de formation.",
        "Diplôme ou titre visé : code RNCP (RNCP suivi de 3 à 5 chiffres) et, pour les diplômes de "
        "l'Éducation nationale, code diplôme sur 8 caractères.",
        "Dates : la formation commence au plus tôt 3 mois avant et au plus tard 3 mois après le début du "
        "contrat ; sa fin correspond à la date prévue des dernières épreuves (au besoin estimée). La formation "
        "au CFA représente au moins 25 % de la durée du contrat (base 1 607 heures par an).",
    ),
    (
        Field("organismeFormation.formationInterne", "CFA d'entreprise", "booleen", required=True),
        Field("organismeFormation.denomination", "Dénomination du CFA responsable", required=True, max_length=255),
        Field("organismeFormation.siret", "N° SIRET du CFA responsable", "siret", required=True),
        Field("organismeFormation.uaiCfa", "N° UAI du CFA", "uai", required=True, help="7 chiffres et une lettre."),
        *_adresse("organismeFormation"),
        Field(
            "organismeFormation.lieuFormationIdentique",
            "Le lieu principal de formation est celui du CFA responsable",
            "booleen",
            required=True,
        ),
        Field(
            "organismeFormationLieuFormationPrincipal.denomination",
            "Lieu principal de formation — dénomination",
            required_if=_LIEU_IF,
            max_length=255,
        ),
        Field("organismeFormationLieuFormationPrincipal.siret", "Lieu principal de formation — SIRET", "siret"),
        Field("organismeFormationLieuFormationPrincipal.uaiCfa", "Lieu principal de formation — UAI", "uai"),
        *_adresse("organismeFormationLieuFormationPrincipal", required=False, required_if=_LIEU_IF),
        Field("formation.rncp", "Code RNCP", "rncp", required=True, help="Ex. : RNCP36542."),
        Field("formation.codeDiplome", "Code diplôme (Éducation nationale)", "cfd", required=True),
        Field("formation.typeDiplome", "Diplôme ou titre visé", "code", required=True, codes="diplome"),
        Field("formation.intituleQualification", "Intitulé précis", required=True, max_length=255),
        Field("formation.dateDebutFormation", "Date de début du cycle de formation", "date", required=True),
        Field("formation.dateFinFormation", "Date prévue de fin des épreuves ou examens", "date", required=True),
        Field(
            "formation.dureeFormation",
            "Durée de la formation au CFA (heures)",
            "entier",
            required=True,
            minimum=1,
            maximum=9999,
        ),
        Field("formation.nombreHeuresEnDistanciel", "Dont heures à distance", "entier", minimum=0, maximum=9999),
    ),
)

SYNTHESE = Block(
    "synthese",
    6,
    "La synthèse",
    (
        "Vérifiez la synthèse : les champs obligatoires manquants ou mal saisis sont signalés bloc par bloc. "
        "Le commentaire permet de transmettre une information au gestionnaire du dossier.",
        "Les deux attestations sont obligatoires. Le CERFA signé par toutes les parties n'est pas à "
        "transmettre à l'OPCO, mais l'organisme de formation doit le tenir à sa disposition.",
    ),
    (
        Field("synthese.commentaire", "Commentaire", max_length=2000),
        Field(
            "couts.montantPremierEquipement",
            "Frais de premier équipement demandés (€)",
            "montant",
            minimum=0,
            help="500 € au plus par contrat.",
        ),
        Field(
            "couts.nombreHebergementTotaux",
            "Nuitées d'hébergement demandées",
            "entier",
            minimum=0,
            maximum=9999,
            help="Prises en charge à 6 € par nuit au plus.",
        ),
        Field(
            "couts.nombreRepasTotaux",
            "Repas demandés",
            "entier",
            minimum=0,
            maximum=9999,
            help="Pris en charge à 3 € par repas au plus.",
        ),
        Field(
            "couts.montantMajorationRQTH",
            "Majoration RQTH demandée (€)",
            "montant",
            minimum=0,
            help="Pour un(e) apprenti(e) bénéficiant des droits attachés à la RQTH : 4 000 € par année d'exécution au "
            "plus.",
        ),
        Field("contrat.lieuSignatureContrat", "Fait à", required=True, max_length=80),
        Field(
            "employeur.attestationPieces",
            "L'organisme de formation atteste disposer de l'ensemble des pièces justificatives nécessaires au "
            "dépôt du contrat, fournies par l'entreprise",
            "attestation",
            required=True,
        ),
        Field(
            "synthese.attestationMandat",
            "J'atteste sur l'honneur que le contrat est signé par toutes les parties (employeur, apprenti(e) et "
            "son représentant légal s'il (elle) est mineur(e)), que je mettrai un exemplaire original à la "
            "disposition de l'OPCO s'il le demande et que je suis mandaté(e) par l'entreprise pour déposer ce "
            "contrat en son nom",
            "attestation",
            required=True,
        ),
    ),
)

BLOCKS: tuple[Block, ...] = (EMPLOYEUR, APPRENTI, MAITRES, CONTRAT, FORMATION, SYNTHESE)
BLOCK_KEYS: tuple[str, ...] = tuple(b.key for b in BLOCKS)
FIELDS: dict[str, Field] = {f.path: f for b in BLOCKS for f in b.fields}
BLOCK_OF_FIELD: dict[str, str] = {f.path: b.key for b in BLOCKS for f in b.fields}
_BLOCK_OF_ROOT = {
    "employeur": "employeur",
    "apprenti": "apprenti",
    "maitre1": "maitres",
    "maitre2": "maitres",
    "contrat": "contrat",
    "formation": "formation",
    "organismeFormation": "formation",
    "organismeFormationLieuFormationPrincipal": "formation",
    "synthese": "synthese",
    "couts": "synthese",
}
# Fields of the inter-OPCO norm's ``cerfa`` that the CERFA form does not hold but a payload may carry
# (the envelope, what the OPCO fills in, the employer's signing representative, the CFA's visa): kept
# as they are, without rules. Any other field is refused (:func:`unknown_paths`).
EXTRA_PATHS = frozenset(
    {
        "versionCERFA",
        "CERFASignatureProbante",
        "CERFAsignatureProbante",
        "etat",
        "commentaireEtat",
        "numeroInterne",
        "numeroExterne",
        "numeroDeca",
        "employeur.nom",
        "employeur.prenom",
        "organismeFormation.visaCfa",
        "contrat.noContrat",
        "contrat.noAvenant",
        "contrat.dateRupture",
    }
)
PERIODE_KEYS = frozenset(item.path for item in FIELDS["contrat.remunerationsAnnuelles"].items)
_KNOWN = frozenset(FIELDS) | EXTRA_PATHS
_KNOWN_BLOCKS = frozenset(path.rsplit(".", i)[0] for path in _KNOWN for i in range(1, path.count(".") + 1))


def unknown_paths(payload) -> list[str]:
    """The paths of a payload that are no field of the CERFA (nor of the norm's ``cerfa`` object)."""
    found: list[str] = []

    def walk(node: dict, prefix: str) -> None:
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if path == "contrat.remunerationsAnnuelles":
                for index, item in enumerate(value if isinstance(value, list) else []):
                    if isinstance(item, dict):
                        found.extend(f"{path}[{index}].{k}" for k in item if k not in PERIODE_KEYS)
            elif path in _KNOWN:
                continue
            elif path in _KNOWN_BLOCKS:
                if isinstance(value, dict):
                    walk(value, path)
            else:
                found.append(path)

    if isinstance(payload, dict):
        walk(payload, "")
    return found


_INDICES = re.compile(r"\[\d+\]")


def block_of(path: str) -> str:
    """The block a field path (``contrat.remunerationsAnnuelles[2].taux`` included) belongs to."""
    plain = _INDICES.sub("", path)
    while plain:
        if plain in BLOCK_OF_FIELD:
            return BLOCK_OF_FIELD[plain]
        plain = plain.rpartition(".")[0]
    return _BLOCK_OF_ROOT.get(path.split(".")[0].split("[")[0], "synthese")


def field_label(path: str) -> str:
    field = FIELDS.get(_INDICES.sub("", path))
    return field.label if field else path


# --- The form structure served to the UI --------------------------------------------------


def form_structure(*, smic_table: Sequence[SmicValue] = SMIC_REFERENCE) -> dict:
    """Blocks, fields, code lists, help texts and the pay grid, JSON-ready (French keys)."""
    return {
        "formulaire": "Contrat d'apprentissage",
        "cerfa": f"FA13 — n°{CERFA_VERSION}",
        "blocs": [b.as_dict() for b in BLOCKS],
        "listes": code_lists_as_dict(),
        "remuneration": {
            "tranchesAge": list(BRACKET_LABELS),
            "tauxMinimaux": {f"annee{year}": list(rates) for year, rates in MINIMUM_RATES.items()},
            "smic": [value.as_dict() for value in smic_table],
            "regles": [
                "Le taux change le 1er jour du mois qui suit l'anniversaire de l'apprenti(e).",
                "À partir de 21 ans, la base est le salaire minimum conventionnel s'il est supérieur au SMIC.",
                "Le salaire brut est arrondi au centime supérieur.",
            ],
        },
        "brouillon": {
            "champsObligatoires": ["employeur.siret", "organismeFormation.siret"],
            "aide": "Un brouillon peut être enregistré dès que le SIRET de l'entreprise et celui du CFA sont saisis.",
        },
    }


# --- A complete, valid payload for tests and demo data ----------------------------------


def example_payload(
    employeur_siret: str,
    of_siret: str,
    today: date,
    *,
    uai: str | None = None,
    smic_table: Sequence[SmicValue] = SMIC_REFERENCE,
) -> dict:
    """A complete CERFA that passes :func:`rules.cerfa_rules.validate_cerfa` on ``today``.

    Signed today, the two-year contract starts a week later; the apprentice is 18 at the start.
    """
    debut = today + timedelta(days=7)
    fin = add_months(debut, 24) - ONE_DAY
    naissance = add_years(debut, -18) - timedelta(days=45)
    debut_formation = debut + timedelta(days=7)
    fin_formation = add_months(fin, -1)
    nir_body = f"2{naissance.year % 100:02d}{naissance.month:02d}75056042"
    periods = remuneration_periods(
        date_naissance=naissance, date_debut_contrat=debut, date_fin_contrat=fin, smic_table=smic_table
    )
    adresse_cfa = {"adresse1": "12 rue des Apprentis", "codePostal": "75011", "commune": "PARIS"}
    payload = {
        "employeur": {
            "siret": employeur_siret,
            "denomination": "TRANSPORTS EXEMPLE",
            "adresse": {"adresse1": "1 avenue du Dépôt", "codePostal": "92310", "commune": "SEVRES"},
            "telephone": "01 23 45 67 89",
            "courriel": "rh@transports-exemple.fr",
            "typeEmployeur": 16,
            "employeurSpecifique": 0,
            "naf": "4941A",
            "nombreDeSalaries": 42,
            "codeIdcc": "0016",
            "libelleIdcc": "Transports routiers et activités auxiliaires du transport",
            "caisseComplementaire": "AGIRC-ARRCO",
            "attestationEligibilite": True,
            "attestationPieces": True,
        },
        "apprenti": {
            "nom": "MARTIN",
            "prenom": "Léa",
            "sexe": "F",
            "dateNaissance": naissance.isoformat(),
            "departementNaissance": "75",
            "communeNaissance": "PARIS",
            "nir": nir_rules.complete(nir_body),
            "nationalite": 1,
            "regimeSocial": 2,
            "adresse": {"adresse1": "5 rue des Lilas", "codePostal": "75020", "commune": "PARIS"},
            "telephone": "06 12 34 56 78",
            "courriel": "lea.martin@exemple.fr",
            "handicap": False,
            "inscriptionSportifDeHautNiveau": False,
            "projetCreationRepriseEntreprise": False,
            "situationAvantContrat": 1,
            "diplomePrepare": 41,
            "derniereClasse": 12,
            "intituleDiplomePrepare": "BAC PRO LOGISTIQUE",
            "diplome": 25,
        },
        "maitre1": {
            "nom": "DURAND",
            "prenom": "Paul",
            "dateNaissance": "1980-05-12",
            "courriel": "paul.durand@transports-exemple.fr",
            "emploiOccupe": "Chef d'équipe conduite",
            "intituleDiplomeObtenu": "CAP CONDUCTEUR ROUTIER MARCHANDISES",
            "niveauDiplomeObtenu": 3,
        },
        "contrat": {
            "modeContractuel": 1,
            "typeContratApp": 11,
            "dateConclusion": today.isoformat(),
            "dateDebutContrat": debut.isoformat(),
            "dateFormationPratiqueEmployeur": debut.isoformat(),
            "dateFinContrat": fin.isoformat(),
            "dureeTravailHebdoHeures": 35,
            "dureeTravailHebdoMinutes": 0,
            "travailRisque": False,
            "remunerationsAnnuelles": [p.as_payload() for p in periods],
            "lieuSignatureContrat": "PARIS",
        },
        "formation": {
            "rncp": "RNCP38216",
            "codeDiplome": "50031120",
            "typeDiplome": 33,
            "intituleQualification": "CAP CONDUCTEUR LIVREUR DE MARCHANDISES",
            "dateDebutFormation": debut_formation.isoformat(),
            "dateFinFormation": fin_formation.isoformat(),
            "dureeFormation": 840,
        },
        "organismeFormation": {
            "denomination": "CFA DES METIERS DU TRANSPORT",
            "formationInterne": False,
            "siret": of_siret,
            "uaiCfa": uai or uai_complete("0751234"),
            "adresse": adresse_cfa,
            "lieuFormationIdentique": True,
        },
        "synthese": {"attestationMandat": True},
    }
    if periods and periods[0].salaire_brut is not None:
        payload["contrat"]["salaireEmbauche"] = float(periods[0].salaire_brut)
    return payload
