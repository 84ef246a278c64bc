"""Validation of a CERFA FA13 payload (contrat d'apprentissage): formats, code lists, dates, ages,
durations, maîtres d'apprentissage, consistency and minimum pay.

Entry point: :func:`validate_cerfa`. Pure: the date of the day is an argument (``today``; with
``None`` the rules that depend on it — birth dates in the future, contract already over, signature
in the future — are skipped). Problems are French and addressed to the norm's field paths
(``contrat.dateFinContrat``, ``contrat.remunerationsAnnuelles[1].taux``); blocking problems and
warnings (code ``avertissement``, never blocking) are grouped by block with a completeness figure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rules import formats, identifiers
from rules import nir as nir_rules
from rules.cerfa_dates import (
    ONE_DAY,
    add_months,
    age_on,
    french_date,
    lasts_at_least,
    lasts_at_most,
    months_covered,
)
from rules.cerfa_schema import BLOCKS, FIELDS, Field, block_of, field_label, get_path, parse_date, unknown_paths
from rules.npec import FraisDemandes, frais_annexes
from rules.referentiels import (
    AVENANT_TYPES,
    CODE_LISTS,
    DEPARTEMENT,
    FOLLOW_ON_CONTRACT_TYPES,
    IDCC_OPCO_MOBILITES,
    IDCC_SPECIAL,
    INITIAL_CONTRACT_TYPES,
    PUBLIC_EMPLOYER_TYPES,
    SEXE,
    type_diplome_of_cfd,
)
from rules.remuneration import (
    SMIC_REFERENCE,
    RemunerationPeriod,
    SmicValue,
    minimum_rate_between,
    remuneration_periods,
    salaire_brut,
    smic_in_force,
    to_decimal,
)
from rules.verdicts import Problem

WARNING = "avertissement"
MIN_AGE, NORMAL_MAX_AGE, EXTENDED_MAX_AGE, MAITRE_MIN_AGE, MAJORITY = 15, 29, 35, 18, 18
CONTRACT_MIN_MONTHS, CONTRACT_MAX_MONTHS, CONTRACT_USUAL_MAX_MONTHS = 6, 54, 36
FORMATION_MIN_MONTHS, FORMATION_MAX_MONTHS = 6, 48
FORMATION_WINDOW_MONTHS, END_AFTER_FORMATION_MONTHS, PRATIQUE_WINDOW_MONTHS = 3, 3, 3
HOURS_PER_YEAR, CFA_SHARE = 1607, Decimal("0.25")
MAX_WEEKLY_HOURS, MINOR_WEEKLY_HOURS = 40, 35
DEROGATION_UNDER_16, DEROGATION_OVER_29, DEROGATION_CUMUL, DEROGATION_LONGER = 11, 12, 50, 22
REMUNERATION_PATH = "contrat.remunerationsAnnuelles"
_ORDRE = re.compile(r"^[1-9]\.[12]$")
MAX_DIGITS = 18  # longer strings of digits are not numbers of a CERFA (and int() refuses > 4 300 digits)


# --- Value helpers --------------------------------------------------------------------------


def as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = value.strip() if isinstance(value, str) else ""
    digits = text[1:] if text.startswith("-") else text
    if digits.isdecimal() and len(digits) <= MAX_DIGITS:
        return int(text)
    return None


def as_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"oui": True, "true": True, "non": False, "false": False}.get(value.strip().lower())
    return None


def euros(amount: Decimal) -> str:
    whole, _, cents = f"{amount:.2f}".partition(".")
    return f"{int(whole):,}".replace(",", " ") + f",{cents} €"


def percent(rate: Decimal | int) -> str:
    text = f"{Decimal(rate).normalize():f}".replace(".", ",")
    return f"{text} %"


# --- Verdicts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockVerdict:
    key: str
    title: str
    required: tuple[str, ...]
    satisfied: tuple[str, ...]
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def completeness(self) -> int:
        """Share (%) of the block's required fields that are filled and valid, rounded down."""
        return 100 if not self.required else len(self.satisfied) * 100 // len(self.required)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(p for p in self.required if p not in self.satisfied)

    @property
    def is_complete(self) -> bool:
        return len(self.satisfied) == len(self.required)

    @property
    def is_valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "cle": self.key,
            "titre": self.title,
            "completude": self.completeness,
            "champsObligatoires": len(self.required),
            "champsValides": len(self.satisfied),
            "champsManquants": list(self.missing),
            "erreurs": [p.as_dict() for p in self.problems],
            "avertissements": [p.as_dict() for p in self.warnings],
        }


@dataclass(frozen=True, slots=True)
class CerfaVerdict:
    blocks: tuple[BlockVerdict, ...]
    remuneration: tuple[RemunerationPeriod, ...] = ()
    age_debut_contrat: int | None = None

    def block(self, key: str) -> BlockVerdict:
        return next(b for b in self.blocks if b.key == key)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for b in self.blocks for p in b.problems)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for b in self.blocks for p in b.warnings)

    @property
    def problems_by_block(self) -> dict[str, tuple[Problem, ...]]:
        return {b.key: b.problems for b in self.blocks}

    @property
    def completeness_by_block(self) -> dict[str, int]:
        return {b.key: b.completeness for b in self.blocks}

    @property
    def completeness(self) -> int:
        required = sum(len(b.required) for b in self.blocks)
        satisfied = sum(len(b.satisfied) for b in self.blocks)
        return 100 if not required else satisfied * 100 // required

    @property
    def is_complete(self) -> bool:
        """Every required field is filled and valid (consistency problems may remain)."""
        return all(b.is_complete for b in self.blocks)

    @property
    def is_valid(self) -> bool:
        """No blocking problem at all: the CERFA can be transmitted."""
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "valide": self.is_valid,
            "complet": self.is_complete,
            "completude": self.completeness,
            "ageDebutContrat": self.age_debut_contrat,
            "blocs": [b.as_dict() for b in self.blocks],
            "remuneration": [p.as_payload() for p in self.remuneration],
        }


# --- The check context ----------------------------------------------------------------------


class _Check:
    def __init__(self, payload: dict, today: date | None, smic_table: Sequence[SmicValue]):
        self.payload = payload if isinstance(payload, dict) else {}
        self.today = today
        self.smic_table = smic_table
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.required: list[str] = [f.path for f in FIELDS.values() if f.required]
        self.remuneration: tuple[RemunerationPeriod, ...] = ()
        self.age: int | None = None

    # reading
    def value(self, path: str):
        return get_path(self.payload, path)

    def date(self, path: str) -> date | None:
        return parse_date(self.value(path))

    def code(self, path: str):
        field = FIELDS[path]
        return CODE_LISTS[field.codes].normalise(self.value(path)) if field.codes else None

    def flag(self, path: str) -> bool | None:
        return as_bool(self.value(path))

    def filled(self, path: str) -> bool:
        value = self.value(path)
        field = FIELDS.get(path)
        if field is not None and field.kind == "attestation":
            return as_bool(value) is True
        if field is not None and field.kind == "periodes":
            return isinstance(value, list) and bool(value)
        return not formats.is_blank(value)

    # writing
    def add(self, field: str, message: str, code: str = "invalide") -> None:
        self.problems.append(Problem(field, message, code))

    def warn(self, field: str, message: str) -> None:
        self.warnings.append(Problem(field, message, WARNING))

    def require(self, *paths: str) -> None:
        for path in paths:
            if path not in self.required:
                self.required.append(path)

    # shared facts
    @property
    def naissance(self) -> date | None:
        return self.date("apprenti.dateNaissance")

    @property
    def debut(self) -> date | None:
        return self.date("contrat.dateDebutContrat")

    @property
    def fin(self) -> date | None:
        return self.date("contrat.dateFinContrat")

    @property
    def type_contrat(self) -> int | None:
        return self.code("contrat.typeContratApp")

    @property
    def derogation(self) -> int | None:
        return self.code("contrat.typeDerogation")

    @property
    def is_avenant(self) -> bool:
        return self.type_contrat in AVENANT_TYPES

    @property
    def exempt_from_age_limit_rqth(self) -> bool:
        """The RQTH, or the rights attached to it (équivalence jeunes, extension BOE)."""
        flags = ("apprenti.handicap", "apprenti.droitsRqthEquivalenceJeune", "apprenti.droitsRqthExtensionBOE")
        return any(self.flag(path) is True for path in flags)

    @property
    def exempt_from_age_limit(self) -> bool:
        flags = ("apprenti.inscriptionSportifDeHautNiveau", "apprenti.projetCreationRepriseEntreprise")
        return self.exempt_from_age_limit_rqth or any(self.flag(path) is True for path in flags)


# --- Formats --------------------------------------------------------------------------------

_FORMAT_CHECKS = {
    "nom": formats.check_name,
    "naf": formats.check_naf,
    "idcc": formats.check_idcc,
    "rncp": formats.check_rncp,
    "cfd": formats.check_code_diplome,
    "deca": formats.check_numero_deca,
    "code_postal": formats.check_postal_code,
    "telephone": formats.check_phone,
    "courriel": formats.check_email,
}


def _format_problems(ck: _Check, field: Field, path: str, value) -> list[Problem]:
    kind = field.kind
    if kind in _FORMAT_CHECKS:
        return _FORMAT_CHECKS[kind](value, field=path)
    if kind == "texte":
        return formats.check_text(value, field=path, max_length=field.max_length or 255)
    if kind == "date":
        return [] if parse_date(value) else [Problem(path, "La date est invalide (format attendu : aaaa-mm-jj).")]
    if kind in ("booleen", "attestation"):
        return [] if as_bool(value) is not None else [Problem(path, "Répondez par oui ou par non.")]
    if kind == "code":
        codes = CODE_LISTS[field.codes]
        if codes.open:
            return formats.check_text(value, field=path, max_length=field.max_length or 80)
        if not codes.contains(value):
            return [Problem(path, f"La valeur « {value} » ne figure pas dans la liste « {codes.title} ».")]
        return []
    if kind == "entier":
        number = as_int(value)
        if number is None:
            return [Problem(path, "Un nombre entier est attendu.")]
        return _bounds(path, Decimal(number), field)
    if kind in ("montant", "taux"):
        amount = to_decimal(value)
        if amount is None:
            return [Problem(path, "Un nombre est attendu (ex. : 1234.56).")]
        if amount < 0:
            return [Problem(path, "La valeur ne peut pas être négative.")]
        if kind == "montant" and amount != amount.quantize(Decimal("0.01")):
            return [Problem(path, "Un montant ne peut pas avoir plus de 2 décimales.")]
        return _bounds(path, amount, field)
    if kind == "siret":
        return identifiers.check_siret(formats.text_of(value), field=path, required=False)
    if kind == "uai":
        return identifiers.check_uai(formats.text_of(value), field=path, required=False)
    if kind == "nir":
        return _nir_problems(ck, path, value)
    return []


def _bounds(path: str, number: Decimal, field: Field) -> list[Problem]:
    low, high = field.minimum, field.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            return [Problem(path, f"La valeur doit être comprise entre {low} et {high}.")]
        if low is not None:
            return [Problem(path, f"La valeur doit être au moins égale à {low}.")]
        return [Problem(path, f"La valeur ne peut pas dépasser {high}.")]
    return []


def _nir_problems(ck: _Check, path: str, value) -> list[Problem]:
    person = path.rpartition(".")[0]
    birth = ck.date(f"{person}.dateNaissance")
    if person == "apprenti":
        sexe = SEXE.normalise(ck.value("apprenti.sexe"))
        departement = DEPARTEMENT.normalise(ck.value("apprenti.departementNaissance"))
        return nir_rules.check_nir(value, field=path, sexe=sexe, date_naissance=birth, departement=departement)
    return nir_rules.check_nir(value, field=path, date_naissance=birth)


UNKNOWN_MESSAGE = "Ce champ ne fait pas partie du CERFA n° 10103*14 : il n'est pas accepté."


def _check_unknown(ck: _Check) -> None:
    """A field the CERFA does not have is refused with its path (never silently dropped)."""
    for path in unknown_paths(ck.payload):
        ck.add(path, UNKNOWN_MESSAGE, "inconnu")


def _check_formats(ck: _Check) -> None:
    for field in FIELDS.values():
        value = ck.value(field.path)
        if field.kind == "periodes" or formats.is_blank(value):
            continue
        ck.problems.extend(_format_problems(ck, field, field.path, value))


# --- Employeur ------------------------------------------------------------------------------


def _check_employeur(ck: _Check) -> None:
    type_employeur = ck.code("employeur.typeEmployeur")
    if type_employeur in PUBLIC_EMPLOYER_TYPES:
        ck.add(
            "employeur.typeEmployeur",
            "Employeur du secteur public : OPCO Mobilités n'est pas habilité à instruire ses contrats "
            "d'apprentissage (ils se déposent sur la plateforme CELIA).",
            "employeur_public",
        )
    idcc = formats.normalise_idcc(ck.value("employeur.codeIdcc"))
    if idcc in IDCC_SPECIAL:
        ck.required.remove("employeur.libelleIdcc")
    elif idcc is not None and idcc not in IDCC_OPCO_MOBILITES:
        ck.warn(
            "employeur.codeIdcc",
            f"La convention collective {idcc} ne relève pas habituellement d'OPCO Mobilités : vérifiez l'OPCO "
            "compétent pour cet employeur.",
        )


# --- Apprenti: age, minority, nationality ----------------------------------------------------


def _check_birth_dates(ck: _Check) -> None:
    if ck.today is None:
        return
    for person in ("apprenti", "maitre1", "maitre2"):
        birth = ck.date(f"{person}.dateNaissance")
        if birth is not None and birth > ck.today:
            ck.add(f"{person}.dateNaissance", "La date de naissance ne peut pas être dans le futur.")


def _check_age(ck: _Check) -> None:
    naissance, debut = ck.naissance, ck.debut
    if naissance is None or debut is None:
        return
    age = ck.age = age_on(naissance, debut)
    derogation = ck.derogation
    if age < MIN_AGE:
        ck.add(
            "apprenti.dateNaissance",
            f"L'apprenti(e) aurait {age} ans au début du contrat : l'âge minimum est de {MIN_AGE} ans.",
            "age",
        )
        return
    if age < 16 and derogation not in (DEROGATION_UNDER_16, DEROGATION_CUMUL):
        ck.add(
            "contrat.typeDerogation",
            "L'apprenti(e) a 15 ans au début du contrat : indiquez la dérogation 11 (âge inférieur à 16 ans, "
            "premier cycle de l'enseignement secondaire achevé) ou 50 (cumul de dérogations).",
            "age",
        )
    if derogation == DEROGATION_UNDER_16 and age >= 16:
        ck.add(
            "contrat.typeDerogation",
            f"La dérogation 11 est réservée aux apprenti(e)s de moins de 16 ans ; l'apprenti(e) a {age} ans "
            "au début du contrat.",
            "incoherent",
        )
    if derogation == DEROGATION_OVER_29 and age <= NORMAL_MAX_AGE:
        ck.add(
            "contrat.typeDerogation",
            f"La dérogation 12 concerne les apprenti(e)s de plus de 29 ans révolus ; l'apprenti(e) a {age} ans "
            "au début du contrat.",
            "incoherent",
        )
    if age <= NORMAL_MAX_AGE or ck.exempt_from_age_limit:
        return
    exemptions = (
        "une personne reconnue travailleur handicapé, un sportif de haut niveau ou un projet de création ou "
        "de reprise d'entreprise"
    )
    if age > EXTENDED_MAX_AGE:
        ck.add(
            "apprenti.dateNaissance",
            f"L'apprenti(e) a {age} ans au début du contrat : au-delà de {EXTENDED_MAX_AGE} ans révolus, le "
            f"contrat n'est possible que pour {exemptions}.",
            "age",
        )
        return
    if derogation not in (DEROGATION_OVER_29, DEROGATION_CUMUL):
        ck.add(
            "contrat.typeDerogation",
            f"L'apprenti(e) a {age} ans au début du contrat : au-delà de 29 ans révolus, indiquez la dérogation "
            f"12 (cas prévus par le code du travail) ou 50, ou déclarez {exemptions}.",
            "age",
        )
    if ck.type_contrat == 11:
        ck.add(
            "contrat.typeContratApp",
            f"Au-delà de 29 ans révolus, un premier contrat (type 11) n'est possible que pour {exemptions} ; "
            "jusqu'à 35 ans, les autres cas concernent un nouveau contrat qui suit un précédent contrat "
            "(types 21 à 23).",
            "age",
        )


def _minority_reference_date(ck: _Check) -> date | None:
    dates = [d for d in (ck.date("contrat.dateConclusion"), ck.debut) if d is not None]
    return min(dates) if dates else None


def _check_minor(ck: _Check) -> None:
    naissance, reference = ck.naissance, _minority_reference_date(ck)
    if naissance is None or reference is None:
        return
    minor = age_on(naissance, reference) < MAJORITY
    declared = ck.flag("apprenti.apprentiMineurNonEmancipe")
    if declared is True and not minor:
        ck.add(
            "apprenti.apprentiMineurNonEmancipe",
            f"L'apprenti(e) est majeur(e) le {french_date(reference)} : il (elle) ne peut pas être déclaré(e) "
            "mineur(e) non émancipé(e).",
            "incoherent",
        )
    if not minor or declared is False:
        return
    prefix = "apprenti.responsableLegal"
    ck.require(f"{prefix}.nom", f"{prefix}.prenom")
    if ck.flag(f"{prefix}.memeAdresse") is not True:
        ck.require(f"{prefix}.adresse.adresse1", f"{prefix}.adresse.codePostal", f"{prefix}.adresse.commune")
    if not ck.filled(f"{prefix}.nom"):
        ck.add(
            f"{prefix}.nom",
            f"L'apprenti(e) est mineur(e) le {french_date(reference)} : un représentant légal doit être renseigné.",
            "obligatoire",
        )


def _check_nationality(ck: _Check) -> None:
    if ck.code("apprenti.nationalite") != 3:
        return
    ck.warn(
        "apprenti.nationalite",
        "Apprenti(e) de nationalité hors Union européenne : l'autorisation de travail doit être obtenue avant "
        "le début du contrat.",
    )
    naissance, debut, fin = ck.naissance, ck.debut, ck.fin
    if naissance and debut and fin and age_on(naissance, debut) < MAJORITY <= age_on(naissance, fin):
        ck.warn(
            "apprenti.nationalite",
            "L'apprenti(e) devient majeur(e) pendant le contrat : un titre de séjour devra être obtenu à sa "
            "majorité pour poursuivre le contrat.",
        )


# --- Maîtres d'apprentissage ---------------------------------------------------------------


def _maitre_started(ck: _Check, prefix: str) -> bool:
    return any(not formats.is_blank(ck.value(p)) for p in FIELDS if p.startswith(prefix + "."))


def _check_maitres(ck: _Check) -> None:
    if _maitre_started(ck, "maitre2"):
        missing = [p for p in ("maitre2.nom", "maitre2.prenom", "maitre2.dateNaissance") if not ck.filled(p)]
        ck.require("maitre2.nom", "maitre2.prenom", "maitre2.dateNaissance")
        if missing:
            ck.add(
                "maitre2",
                "Le maître d'apprentissage n°2 est incomplet : renseignez son nom, son prénom et sa date de "
                "naissance, ou videz ses champs.",
                "incomplet",
            )
        identity = ("nom", "prenom", "dateNaissance")
        same = [formats.text_of(ck.value(f"maitre1.{k}")).upper() for k in identity] == [
            formats.text_of(ck.value(f"maitre2.{k}")).upper() for k in identity
        ]
        if same and not missing:
            ck.add("maitre2.nom", "Les deux maîtres d'apprentissage doivent être des personnes différentes.")
    debut = ck.debut
    for number in (1, 2):
        birth = ck.date(f"maitre{number}.dateNaissance")
        if debut is None or birth is None:
            continue
        age = age_on(birth, debut)
        if age < MAITRE_MIN_AGE:
            ck.add(
                f"maitre{number}.dateNaissance",
                f"Le maître d'apprentissage n°{number} aurait {age} ans au début du contrat : il doit être majeur.",
                "age",
            )


# --- Contrat ----------------------------------------------------------------------------------


def _check_contract_type(ck: _Check) -> None:
    type_contrat = ck.type_contrat
    if type_contrat in AVENANT_TYPES:
        ck.require("contrat.numeroContratPrecedent", "contrat.dateEffetAvenant")
        effet, debut, fin = ck.date("contrat.dateEffetAvenant"), ck.debut, ck.fin
        if effet and debut and effet < debut:
            ck.add(
                "contrat.dateEffetAvenant",
                f"La date d'effet de l'avenant ne peut pas précéder le début du contrat ({french_date(debut)}).",
                "incoherent",
            )
        if effet and fin and effet > fin:
            ck.add(
                "contrat.dateEffetAvenant",
                f"La date d'effet de l'avenant ne peut pas être postérieure à la fin du contrat ({french_date(fin)}).",
                "incoherent",
            )
    elif type_contrat in FOLLOW_ON_CONTRACT_TYPES and not ck.filled("contrat.numeroContratPrecedent"):
        ck.warn(
            "contrat.numeroContratPrecedent",
            "Nouveau contrat après un précédent contrat d'apprentissage : indiquez si possible le numéro du "
            "contrat précédent.",
        )


def _check_contract_dates(ck: _Check) -> None:
    debut, fin, conclusion = ck.debut, ck.fin, ck.date("contrat.dateConclusion")
    initial = ck.type_contrat in INITIAL_CONTRACT_TYPES or ck.type_contrat is None
    if ck.today is not None:
        if fin is not None and fin < ck.today:
            ck.add("contrat.dateFinContrat", "Le contrat est déjà terminé : il ne peut plus être déposé.", "hors_delai")
        if conclusion is not None and conclusion > ck.today:
            ck.add(
                "contrat.dateConclusion",
                "La date de conclusion ne peut pas être postérieure à la date du jour : le contrat se dépose une "
                "fois signé.",
            )
    if initial and conclusion and debut and conclusion > debut:
        ck.add(
            "contrat.dateConclusion",
            f"Le contrat doit être signé au plus tard le jour de son début d'exécution ({french_date(debut)}).",
            "incoherent",
        )
    if debut is None or fin is None:
        return
    if fin < debut:
        ck.add("contrat.dateFinContrat", "La date de fin du contrat précède sa date de début.", "incoherent")
        return
    if not lasts_at_least(debut, fin, CONTRACT_MIN_MONTHS):
        earliest = add_months(debut, CONTRACT_MIN_MONTHS) - ONE_DAY
        ck.add(
            "contrat.dateFinContrat",
            f"Le contrat doit durer au moins {CONTRACT_MIN_MONTHS} mois : il ne peut pas se terminer avant le "
            f"{french_date(earliest)}.",
            "duree",
        )
    elif not lasts_at_most(debut, fin, CONTRACT_MAX_MONTHS):
        latest = add_months(debut, CONTRACT_MAX_MONTHS) - ONE_DAY
        ck.add(
            "contrat.dateFinContrat",
            f"Le contrat ne peut pas dépasser {CONTRACT_MAX_MONTHS} mois (4 ans et 6 mois) : il doit se terminer "
            f"au plus tard le {french_date(latest)}.",
            "duree",
        )
    elif not lasts_at_most(debut, fin, CONTRACT_USUAL_MAX_MONTHS):
        justified = (
            ck.exempt_from_age_limit_rqth
            or ck.type_contrat in (33, 34)
            or ck.derogation in (DEROGATION_LONGER, DEROGATION_CUMUL)
        )
        if not justified:
            ck.warn(
                "contrat.dateFinContrat",
                "Le contrat dépasse 3 ans : cette durée n'est possible que pour un(e) apprenti(e) reconnu(e) "
                "travailleur handicapé, après une prolongation ou avec une dérogation d'allongement (22).",
            )
    pratique = ck.date("contrat.dateFormationPratiqueEmployeur")
    if pratique is None:
        return
    path = "contrat.dateFormationPratiqueEmployeur"
    if pratique < debut:
        ck.add(path, "La formation pratique chez l'employeur ne peut pas commencer avant le début du contrat.")
    elif pratique > add_months(debut, PRATIQUE_WINDOW_MONTHS):
        ck.add(
            path,
            "La formation pratique chez l'employeur doit commencer au plus tard 3 mois après le début du contrat "
            f"(le {french_date(add_months(debut, PRATIQUE_WINDOW_MONTHS))}).",
        )
    if pratique > fin:
        ck.add(path, "La formation pratique chez l'employeur ne peut pas commencer après la fin du contrat.")
    if initial and conclusion and pratique < conclusion:
        ck.add(path, "La formation pratique chez l'employeur ne peut pas commencer avant la signature du contrat.")


def _check_working_time(ck: _Check) -> None:
    hours = as_int(ck.value("contrat.dureeTravailHebdoHeures"))
    minutes = as_int(ck.value("contrat.dureeTravailHebdoMinutes")) or 0
    if hours is None:
        return
    if hours == MAX_WEEKLY_HOURS and minutes > 0:
        ck.add("contrat.dureeTravailHebdoMinutes", "La durée hebdomadaire du travail ne peut pas dépasser 40 heures.")
    naissance, debut = ck.naissance, ck.debut
    if naissance and debut and age_on(naissance, debut) < MAJORITY and (hours, minutes) > (MINOR_WEEKLY_HOURS, 0):
        ck.warn(
            "contrat.dureeTravailHebdoHeures",
            "Un(e) apprenti(e) mineur(e) ne peut pas travailler plus de 35 heures par semaine, sauf dérogation "
            "prévue pour certaines activités.",
        )


def _check_remuneration(ck: _Check) -> None:
    naissance, debut, fin = ck.naissance, ck.debut, ck.fin
    if naissance and fin and age_on(naissance, fin) >= 21:
        ck.require("contrat.smc")
    items = ck.value(REMUNERATION_PATH)
    if items is not None and not isinstance(items, list):
        ck.add(REMUNERATION_PATH, "Les périodes de rémunération doivent être fournies sous forme de liste.")
        items = []
    items = items or []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            ck.add(f"{REMUNERATION_PATH}[{index}]", "Chaque période de rémunération doit être un objet.")
    if not (naissance and debut and fin) or fin < debut:
        return
    mayotte = formats.text_of(ck.value("employeur.adresse.codePostal")).startswith("976")
    smic = smic_in_force(debut, table=ck.smic_table, mayotte=mayotte)
    if smic is None:
        ck.warn(
            REMUNERATION_PATH,
            f"Aucune valeur du SMIC n'est connue au {french_date(debut)} : les montants n'ont pas pu être contrôlés.",
        )
    rates = {str(item.get("ordre")): item.get("taux") for item in items if isinstance(item, dict) and item.get("ordre")}
    computed = remuneration_periods(
        date_naissance=naissance,
        date_debut_contrat=debut,
        date_fin_contrat=fin,
        smic_table=ck.smic_table,
        mayotte=mayotte,
        smc=ck.value("contrat.smc"),
        taux=rates,
    )
    ck.remuneration = computed
    valid_items = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            period = _check_period(ck, index, item, computed)
            if period is not None:
                valid_items.append(period)
    _check_coverage(ck, sorted(valid_items), debut, fin)
    embauche = to_decimal(ck.value("contrat.salaireEmbauche"))
    first = computed[0] if computed else None
    if embauche is not None and first is not None and first.base is not None:
        minimum = salaire_brut(first.base, first.taux_minimal)
        if embauche < minimum:
            ck.add(
                "contrat.salaireEmbauche",
                f"Le salaire à l'embauche ({euros(embauche)}) est inférieur au minimum légal de {euros(minimum)} "
                f"({percent(first.taux_minimal)} du {first.type_salaire}, {first.description}).",
                "taux_minimal",
            )


def _check_period(
    ck: _Check, index: int, item: dict, computed: tuple[RemunerationPeriod, ...]
) -> tuple[date, date, int] | None:
    """Checks one period; returns (start, end, index) when its dates are usable."""
    prefix = f"{REMUNERATION_PATH}[{index}]"
    ordre = formats.text_of(item.get("ordre"))
    for key in ("ordre", "dateDebut", "dateFin", "taux"):
        if formats.is_blank(item.get(key)):
            ck.add(f"{prefix}.{key}", f"Période {index + 1} : ce champ est obligatoire.", "obligatoire")
    if ordre and not _ORDRE.match(ordre):
        ck.add(f"{prefix}.ordre", "Le numéro de période doit être de la forme 1.1, 1.2, 2.1 …")
    start, end = parse_date(item.get("dateDebut")), parse_date(item.get("dateFin"))
    for key, value in (("dateDebut", start), ("dateFin", end)):
        if value is None and not formats.is_blank(item.get(key)):
            ck.add(f"{prefix}.{key}", "La date est invalide (format attendu : aaaa-mm-jj).")
    if start and end and end < start:
        ck.add(f"{prefix}.dateFin", "La fin de la période précède son début.", "incoherent")
        start = end = None
    type_salaire = item.get("typeSalaire")
    if not formats.is_blank(type_salaire) and not CODE_LISTS["typeSalaire"].contains(type_salaire):
        ck.add(f"{prefix}.typeSalaire", "La base de la rémunération doit être SMIC ou SMC.")
    taux = to_decimal(item.get("taux"))
    if taux is None and not formats.is_blank(item.get("taux")):
        ck.add(f"{prefix}.taux", "Le taux doit être un nombre (pourcentage).")
    reference = (
        minimum_rate_between(computed, start, end)
        if start and end
        else next((p for p in computed if p.ordre == ordre), None)
    )
    label = f"Période {ordre or index + 1}"
    if reference is not None and taux is not None and taux < reference.taux_minimal:
        ck.add(
            f"{prefix}.taux",
            f"{label} : le taux de {percent(taux)} est inférieur au minimum légal de "
            f"{percent(reference.taux_minimal)} ({reference.description}).",
            "taux_minimal",
        )
    brut = to_decimal(item.get("salaireBrut"))
    if reference is not None and brut is not None and reference.base is not None:
        minimum = salaire_brut(reference.base, reference.taux_minimal)
        if brut < minimum:
            ck.add(
                f"{prefix}.salaireBrut",
                f"{label} : le salaire brut de {euros(brut)} est inférieur au minimum légal de {euros(minimum)} "
                f"({percent(reference.taux_minimal)} du {reference.type_salaire}).",
                "taux_minimal",
            )
    return (start, end, index) if start and end else None


def _check_coverage(ck: _Check, periods: list[tuple[date, date, int]], debut: date, fin: date) -> None:
    if not periods:
        return
    if periods[0][0] != debut:
        ck.add(
            REMUNERATION_PATH,
            f"Les périodes de rémunération doivent commencer le {french_date(debut)}, premier jour du contrat.",
            "incoherent",
        )
    for (_, end, _), (start, _, _) in zip(periods, periods[1:], strict=False):
        if start != end + ONE_DAY:
            ck.add(
                REMUNERATION_PATH,
                "Les périodes de rémunération doivent se suivre sans interruption ni chevauchement : après le "
                f"{french_date(end)}, la période suivante commence le {french_date(start)}.",
                "incoherent",
            )
    if max(end for _, end, _ in periods) != fin:
        ck.add(
            REMUNERATION_PATH,
            f"Les périodes de rémunération doivent se terminer le {french_date(fin)}, dernier jour du contrat.",
            "incoherent",
        )


# --- RQTH rights and frais annexes ------------------------------------------------------------------

EQUIVALENCE_JEUNES_AGES = (15, 20)


def _check_rqth(ck: _Check) -> None:
    """The rights attached to the RQTH without the RQTH itself (CERFA 10103*13 and later): « équivalence
    jeunes » (15 to 20 years old, AEEH, PCH or PPS) and « extension BOE » (bénéficiaire de l'obligation
    d'emploi, ayants droit excepted) — only for an apprentice who is not recognised as a disabled worker."""
    rights = [p for p in ("apprenti.droitsRqthEquivalenceJeune", "apprenti.droitsRqthExtensionBOE") if ck.flag(p)]
    if ck.flag("apprenti.handicap") is True:
        for path in rights:
            ck.add(
                path,
                "L'apprenti(e) est déclaré(e) reconnu(e) travailleur handicapé : les droits attachés à la RQTH au "
                "titre de l'équivalence jeunes ou de l'extension BOE ne se déclarent que sans RQTH.",
                "incoherent",
            )
    naissance, debut = ck.naissance, ck.debut
    if "apprenti.droitsRqthEquivalenceJeune" in rights and naissance and debut:
        age = age_on(naissance, debut)
        low, high = EQUIVALENCE_JEUNES_AGES
        if not low <= age <= high:
            ck.add(
                "apprenti.droitsRqthEquivalenceJeune",
                f"L'équivalence jeunes concerne les apprenti(e)s de {low} à {high} ans ; l'apprenti(e) a {age} ans au "
                "début du contrat.",
                "incoherent",
            )


def _check_couts(ck: _Check) -> None:
    debut, fin = ck.debut, ck.fin
    if not debut or not fin or fin < debut:
        return
    frais = FraisDemandes(
        premier_equipement=_positive(ck.value("couts.montantPremierEquipement")),
        nuitees=as_int(ck.value("couts.nombreHebergementTotaux")),
        repas=as_int(ck.value("couts.nombreRepasTotaux")),
        majoration_rqth=_positive(ck.value("couts.montantMajorationRQTH")),
    )
    _, problems = frais_annexes(
        frais,
        date_conclusion=ck.date("contrat.dateConclusion") or debut,
        date_debut=debut,
        date_fin=fin,
        droits_rqth=ck.exempt_from_age_limit_rqth,
    )
    ck.problems.extend(problems)


def _positive(value) -> Decimal | None:
    amount = to_decimal(value)
    return amount if amount is not None and amount >= 0 else None


# --- Formation ------------------------------------------------------------------------------


def _check_formation(ck: _Check) -> None:
    debut, fin = ck.debut, ck.fin
    start, end = ck.date("formation.dateDebutFormation"), ck.date("formation.dateFinFormation")
    pratique = ck.date("contrat.dateFormationPratiqueEmployeur")
    if start and debut:
        earliest, latest = add_months(debut, -FORMATION_WINDOW_MONTHS), add_months(debut, FORMATION_WINDOW_MONTHS)
        if start < earliest:
            ck.add(
                "formation.dateDebutFormation",
                "La formation ne peut pas commencer plus de 3 mois avant le début du contrat (au plus tôt le "
                f"{french_date(earliest)}).",
                "incoherent",
            )
        elif start > latest:
            ck.add(
                "formation.dateDebutFormation",
                "La formation doit commencer au plus tard 3 mois après le début du contrat (le "
                f"{french_date(latest)}).",
                "incoherent",
            )
        elif pratique and start < add_months(pratique, -FORMATION_WINDOW_MONTHS):
            ck.add(
                "formation.dateDebutFormation",
                "La formation ne peut pas commencer plus de 3 mois avant le début de la formation pratique chez "
                "l'employeur.",
                "incoherent",
            )
    if start and end:
        if end <= start:
            ck.add("formation.dateFinFormation", "La fin de la formation doit être postérieure à son début.")
        elif not lasts_at_least(start, end, FORMATION_MIN_MONTHS):
            ck.add("formation.dateFinFormation", "La formation doit durer au moins 6 mois.", "duree")
        elif not lasts_at_most(start, end, FORMATION_MAX_MONTHS):
            ck.add("formation.dateFinFormation", "La formation ne peut pas durer plus de 4 ans.", "duree")
    if end and debut and end < debut:
        ck.add("formation.dateFinFormation", "La formation ne peut pas se terminer avant le début du contrat.")
    if end and fin and debut and fin >= debut:
        if end > fin:
            ck.add(
                "formation.dateFinFormation",
                f"La formation doit se terminer au plus tard à la fin du contrat ({french_date(fin)}).",
                "incoherent",
            )
        latest_end = add_months(end, END_AFTER_FORMATION_MONTHS)
        if fin > latest_end:
            ck.add(
                "contrat.dateFinContrat",
                "Le contrat doit se terminer au plus tard 3 mois après la fin de la formation (le "
                f"{french_date(latest_end)}).",
                "incoherent",
            )
    _check_formation_hours(ck)
    _check_diploma(ck)
    if ck.flag("organismeFormation.lieuFormationIdentique") is False:
        prefix = "organismeFormationLieuFormationPrincipal"
        ck.require(
            f"{prefix}.denomination",
            f"{prefix}.adresse.adresse1",
            f"{prefix}.adresse.codePostal",
            f"{prefix}.adresse.commune",
        )


def _check_formation_hours(ck: _Check) -> None:
    hours = as_int(ck.value("formation.dureeFormation"))
    remote = as_int(ck.value("formation.nombreHeuresEnDistanciel"))
    if hours is not None and remote is not None and remote > hours:
        ck.add(
            "formation.nombreHeuresEnDistanciel",
            "Les heures à distance ne peuvent pas dépasser la durée totale de la formation.",
            "incoherent",
        )
    debut, fin = ck.debut, ck.fin
    if hours is None or debut is None or fin is None or fin < debut:
        return
    minimum = math.ceil(CFA_SHARE * HOURS_PER_YEAR * months_covered(debut, fin) / 12)
    if hours < minimum:
        ck.warn(
            "formation.dureeFormation",
            f"La formation au CFA doit représenter au moins 25 % de la durée du contrat, soit environ {minimum} "
            "heures (base 1 607 heures par an), sauf aménagement (RQTH, sportif de haut niveau).",
        )


def _check_diploma(ck: _Check) -> None:
    code = formats.text_of(ck.value("formation.codeDiplome"))
    declared = ck.code("formation.typeDiplome")
    suggested = type_diplome_of_cfd(code) if code else None
    if suggested is not None and declared is not None and suggested != declared:
        ck.warn(
            "formation.typeDiplome",
            f"Le code diplôme {code} correspond habituellement au type « {CODE_LISTS['diplome'].label_of(suggested)} » "
            f"(code {suggested}) : vérifiez le diplôme visé.",
        )


# --- Assembly -------------------------------------------------------------------------------


def _required_problems(ck: _Check) -> None:
    flagged = {p.field for p in ck.problems}
    for path in ck.required:
        if ck.filled(path) or path in flagged:
            continue
        field = FIELDS.get(path)
        if field is not None and field.kind == "attestation":
            ck.add(path, "Cette attestation est obligatoire.", "obligatoire")
        else:
            ck.add(path, f"Le champ « {field_label(path)} » est obligatoire.", "obligatoire")


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for problem in problems:
        if (problem.field, problem.message) not in seen:
            seen.add((problem.field, problem.message))
            unique.append(problem)
    return unique


def _satisfied(ck: _Check, path: str, bad_fields: set[str]) -> bool:
    if not ck.filled(path):
        return False
    return not any(f == path or f.startswith(path + ".") or f.startswith(path + "[") for f in bad_fields)


def validate_cerfa(
    payload: dict,
    *,
    today: date | None,
    smic_table: Sequence[SmicValue] = SMIC_REFERENCE,
) -> CerfaVerdict:
    """Every rule of the CERFA FA13 on ``payload``; see the module docstring."""
    ck = _Check(payload, today, smic_table)
    _check_unknown(ck)
    _check_formats(ck)
    _check_employeur(ck)
    _check_birth_dates(ck)
    _check_age(ck)
    _check_minor(ck)
    _check_nationality(ck)
    _check_maitres(ck)
    _check_contract_type(ck)
    _check_contract_dates(ck)
    _check_working_time(ck)
    _check_remuneration(ck)
    _check_formation(ck)
    _check_rqth(ck)
    _check_couts(ck)
    _required_problems(ck)
    problems, warnings = _dedupe(ck.problems), _dedupe(ck.warnings)
    bad_fields = {p.field for p in problems}
    blocks = []
    for block in BLOCKS:
        required = tuple(p for p in ck.required if block_of(p) == block.key)
        blocks.append(
            BlockVerdict(
                key=block.key,
                title=block.title,
                required=required,
                satisfied=tuple(p for p in required if _satisfied(ck, p, bad_fields)),
                problems=tuple(p for p in problems if block_of(p.field) == block.key),
                warnings=tuple(p for p in warnings if block_of(p.field) == block.key),
            )
        )
    return CerfaVerdict(blocks=tuple(blocks), remuneration=ck.remuneration, age_debut_contrat=ck.age)
