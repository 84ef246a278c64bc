"""The inter-OPCO « API CFA » exchange norm (CFA ⇄ OPCO), as pure mappings between its vocabulary and ours.

What is known of the norm is in ``shared/domain/api-cfa-norm.md``. This module holds only what the
norm and our model disagree on, in both directions:

- dates: the norm sends and expects ISO 8601 date-times with an offset (``2026-09-01T00:00:00+02:00``);
  the dates of a CERFA are civil dates of Europe/Paris (:func:`date_from_norme`, :func:`date_to_norme`);
- the ``cerfa`` object: its envelope (``versionCERFA``, ``etat``, ``numeroInterne`` …) and the few
  fields the OPCO fills in are not part of our CERFA payload (:func:`cerfa_from_norme`,
  :func:`cerfa_to_norme`);
- states: our lifecycles (:mod:`rules.lifecycles`) read in the norm's codes (:func:`etat_dossier`,
  :func:`etat_facture`);
- the natural keys that make a repeated deposit answer the first result (:func:`cle_contrat`);
- the natures of the financing lines (:data:`NATURE_FRAIS`, :data:`NATURE_LIGNE`).

Pure: no Django, no clock.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from zoneinfo import ZoneInfo

from rules.cerfa_rules import as_bool, as_int
from rules.cerfa_schema import FIELDS, MAX_YEAR, MIN_YEAR, get_path
from rules.lifecycles import EtatDossier, EtatFacture
from rules.referentiels import CODE_LISTS
from rules.remuneration import to_decimal
from rules.verdicts import Problem

PARIS = ZoneInfo("Europe/Paris")
PAGE_SIZE = 100  # items per page of the state feeds (numeroPage)

# --- Dates ----------------------------------------------------------------------------------

DATE_MESSAGE = (
    "Date invalide : une date ISO 8601 avec son décalage horaire est attendue (ex. : 2026-09-01T00:00:00+02:00)."
)
_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_from_norme(value) -> date | None:
    """The civil date (Europe/Paris) of a norm date-time, or None when it is not one.

    ``2026-09-01T00:00:00+02:00`` and ``2026-08-31T22:00:00+00:00`` are both the 1st of September in
    Paris; a plain date (``2026-09-01``) is taken as it is, a date-time without offset as Paris time.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            if _PLAIN_DATE.match(text):
                day = date.fromisoformat(text)
                return day if MIN_YEAR <= day.year <= MAX_YEAR else None
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    day = moment.astimezone(PARIS).date() if moment.tzinfo is not None else moment.date()
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def moment_from_norme(value, *, end: bool = False) -> datetime | None:
    """A moment of a query (``dateDebut``/``dateFin``): a date-time with offset as it is, one without
    offset in Paris time, a plain date as midnight in Paris — of the next day when it ends a window
    (``end``), so that the whole day is in it. None when it is not a date."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if _PLAIN_DATE.match(text):
            day = date.fromisoformat(text)
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                return None
            moment = datetime.combine(day, time(0, 0), tzinfo=PARIS)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)


def date_to_norme(value: date | str | None) -> str | None:
    """A civil date as the norm writes it: midnight in Paris, with its offset."""
    if isinstance(value, str):
        value = date_from_norme(value)
    if value is None:
        return None
    if isinstance(value, datetime):
        return datetime_to_norme(value)
    return datetime.combine(value, time(0, 0), tzinfo=PARIS).isoformat()


def datetime_to_norme(value: datetime | None) -> str | None:
    """A moment as the norm writes it: Paris time, to the second, with its offset."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=PARIS)
    return value.astimezone(PARIS).isoformat(timespec="seconds")


# --- The cerfa object ----------------------------------------------------------------------

# The envelope of the norm's ``cerfa`` object: not fields of the CERFA itself.
ENVELOPE = ("versionCERFA", "CERFASignatureProbante", "CERFAsignatureProbante", "etat", "commentaireEtat")
# Filled in by the OPCO, never by the CFA: ignored on a deposit (our own values are answered on a read).
OPCO_FIELDS = ("numeroInterne", "numeroExterne", "numeroDeca")
OPCO_CONTRAT_FIELDS = ("noContrat", "noAvenant", "dateRupture")
VERSIONS_CERFA = re.compile(r"^10103\*\d{2}$")
# Our date fields: every CERFA field of kind « date », and the periods of pay.
DATE_PATHS = tuple(path for path, f in FIELDS.items() if f.kind == "date")
PERIOD_DATE_KEYS = ("dateDebut", "dateFin")
SEXE_CODES = {1: "M", 2: "F", "1": "M", "2": "F"}
AVENANT_TYPES = range(31, 39)


@dataclass(frozen=True)
class CerfaRecu:
    """A norm ``cerfa`` read into our CERFA payload, with what the envelope said."""

    payload: dict
    version_cerfa: str | None
    signature_probante: bool | None
    problems: tuple[Problem, ...]


def _set_path(payload: dict, path: str, value) -> None:
    node = payload
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.get(part)
        if not isinstance(node, dict):
            return
    node[parts[-1]] = value


def cerfa_from_norme(cerfa: dict) -> CerfaRecu:
    """Our CERFA payload from the norm's ``cerfa`` object (the field names are the same).

    - the envelope and the OPCO's own fields are set aside; ``employeurV2`` (protocol V2 readers)
      is read as ``employeur`` when ``employeur`` is absent; a null block (``maitre2: null``) is absent;
    - every date is converted to its civil date in Paris; one that is not a date is a problem;
    - ``apprenti.sexe`` 1/2 (AGECAP coding) becomes M/F;
    - the norm has no sworn statement of mandate (``synthese.attestationMandat``, the portal's): the
      CFA's software deposits under the employer's mandate, so it is taken as given unless the
      payload says otherwise.
    """
    source = cerfa if isinstance(cerfa, dict) else {}
    problems: list[Problem] = []
    payload = copy.deepcopy({k: v for k, v in source.items() if k not in ENVELOPE and k not in OPCO_FIELDS})
    if "employeur" not in payload and isinstance(payload.get("employeurV2"), dict):
        payload["employeur"] = payload.pop("employeurV2")
    for key in [k for k, v in payload.items() if v is None or v == {}]:
        del payload[key]
    contrat = payload.get("contrat")
    if isinstance(contrat, dict):
        no_contrat = contrat.get("noContrat")
        for key in OPCO_CONTRAT_FIELDS:
            contrat.pop(key, None)
        kind = contrat.get("typeContratApp")
        if (
            no_contrat not in (None, "", 0, "0")
            and not contrat.get("numeroContratPrecedent")
            and _as_int(kind) in AVENANT_TYPES
        ):
            contrat["numeroContratPrecedent"] = str(no_contrat)
    version = source.get("versionCERFA")
    if version not in (None, "") and not (isinstance(version, str) and VERSIONS_CERFA.match(version.strip())):
        problems.append(Problem("versionCERFA", "Version du CERFA inconnue (ex. : 10103*14)."))
    for path in DATE_PATHS:
        value = get_path(payload, path)
        if value in (None, ""):
            continue
        day = date_from_norme(value)
        if day is None:
            problems.append(Problem(path, DATE_MESSAGE))
        else:
            _set_path(payload, path, day.isoformat())
    periods = get_path(payload, "contrat.remunerationsAnnuelles")
    if isinstance(periods, list):
        for index, period in enumerate(periods):
            if not isinstance(period, dict):
                continue
            for key in PERIOD_DATE_KEYS:
                if period.get(key) in (None, ""):
                    continue
                day = date_from_norme(period[key])
                if day is None:
                    problems.append(Problem(f"contrat.remunerationsAnnuelles[{index}].{key}", DATE_MESSAGE))
                else:
                    period[key] = day.isoformat()
    apprenti = payload.get("apprenti")
    if isinstance(apprenti, dict) and not isinstance(apprenti.get("sexe"), bool):
        sexe = apprenti.get("sexe")
        if sexe in SEXE_CODES:
            apprenti["sexe"] = SEXE_CODES[sexe]
    synthese = payload.setdefault("synthese", {})
    if isinstance(synthese, dict):
        synthese.setdefault("attestationMandat", True)
    signature = source.get("CERFASignatureProbante", source.get("CERFAsignatureProbante"))
    return CerfaRecu(
        payload=payload,
        version_cerfa=version.strip() if isinstance(version, str) and version.strip() else None,
        signature_probante=signature if isinstance(signature, bool) else None,
        problems=tuple(problems),
    )


def _typed(field, value):
    """A stored value in the norm's type: codes of numeric lists and integers as integers, amounts and rates
    as numbers, booleans as booleans; a value that cannot be is left as it is."""
    kind = field.kind
    if kind == "code" and field.codes in CODE_LISTS and not CODE_LISTS[field.codes].open:
        code = CODE_LISTS[field.codes].normalise(value)
        return code if code is not None else value
    if kind == "entier":
        number = as_int(value)
        return number if number is not None else value
    if kind in ("montant", "taux") and not isinstance(value, bool):
        number = to_decimal(value)
        return float(number) if number is not None else value
    if kind in ("booleen", "attestation"):
        flag = as_bool(value)
        return flag if flag is not None else value
    return value


def cerfa_to_norme(payload: dict) -> dict:
    """Our CERFA payload in the norm's shape: dates with their offset, codes and numbers typed, without the
    portal's own block."""
    data = copy.deepcopy(payload if isinstance(payload, dict) else {})
    data.pop("synthese", None)
    for path, field in FIELDS.items():
        value = get_path(data, path)
        if value not in (None, "") and field.kind not in ("date", "periodes"):
            _set_path(data, path, _typed(field, value))
    items = {item.path: item for item in FIELDS["contrat.remunerationsAnnuelles"].items}
    for period in get_path(data, "contrat.remunerationsAnnuelles") or []:
        if isinstance(period, dict):
            for key, value in period.items():
                if key in items and value not in (None, "") and items[key].kind != "date":
                    period[key] = _typed(items[key], value)
    for path in DATE_PATHS:
        value = get_path(data, path)
        if isinstance(value, str) and value:
            converted = date_to_norme(value)
            if converted is not None:
                _set_path(data, path, converted)
    periods = get_path(data, "contrat.remunerationsAnnuelles")
    if isinstance(periods, list):
        for period in periods:
            if isinstance(period, dict):
                for key in PERIOD_DATE_KEYS:
                    if isinstance(period.get(key), str) and date_to_norme(period[key]) is not None:
                        period[key] = date_to_norme(period[key])
    return data


# --- Natural keys ---------------------------------------------------------------------------


def _as_int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 4:
        return int(value.strip())
    return None


def _digits(value) -> str:
    return re.sub(r"[\s.\-]", "", str(value)).upper() if value not in (None, "") else ""


def cle_contrat(payload: dict) -> tuple | None:
    """The natural key of a contract in our CERFA payload: employer's SIRET, apprentice's NIR, start
    date and type of contract (and, for an avenant, its date of effect); None when one is missing.

    Two deposits with the same key are the same contract: the second answers the first.
    """
    siret = _digits(get_path(payload, "employeur.siret"))
    nir = _digits(get_path(payload, "apprenti.nir"))
    debut = date_from_norme(get_path(payload, "contrat.dateDebutContrat"))
    kind = _as_int(get_path(payload, "contrat.typeContratApp"))
    if not siret or not nir or debut is None or kind is None:
        return None
    effet = date_from_norme(get_path(payload, "contrat.dateEffetAvenant")) if kind in AVENANT_TYPES else None
    return (siret, nir[:13], debut, kind, effet)


# --- States ---------------------------------------------------------------------------------


class EtatDossierNorme(StrEnum):
    TRANSMIS = "TRANSMIS"
    EN_COURS_INSTRUCTION = "EN_COURS_INSTRUCTION"
    ENGAGE = "ENGAGE"
    REFUSE = "REFUSE"
    ANNULE = "ANNULE"
    RUPTU = "RUPTU"
    SOLDE = "SOLDE"


class EtatFactureNorme(StrEnum):
    TRANSMIS = "TRANSMIS"
    EN_COURS_INSTRUCTION = "EN_COURS_INSTRUCTION"
    REGLE = "REGLE"
    REJETE = "REJETE"


E, F, N, NF = EtatDossier, EtatFacture, EtatDossierNorme, EtatFactureNorme

# Our state → (the norm's code, the comment that says more when the code says less).
ETATS_DOSSIER: dict[str, tuple[EtatDossierNorme, str]] = {
    E.TRANSMIS: (N.TRANSMIS, ""),
    E.EN_COURS: (N.EN_COURS_INSTRUCTION, ""),
    E.EN_ATTENTE_PIECES: (N.EN_COURS_INSTRUCTION, "En attente de pièces demandées par l'OPCO."),
    E.ACCORDE: (N.ENGAGE, ""),
    E.AVENANT_EN_COURS: (N.ENGAGE, "Un avenant à ce contrat est en cours d'instruction."),
    E.REFUSE: (N.REFUSE, ""),
    E.ANNULE: (N.ANNULE, ""),
    E.RUPTURE: (N.RUPTU, ""),
    E.REMPLACE: (N.ANNULE, "Remplacé par un avenant accordé : le dossier de l'avenant porte désormais le contrat."),
    E.SOLDE: (N.SOLDE, ""),
}
# A draft is not deposited: it is never shown through the norm.
HIDDEN_DOSSIER_STATES = frozenset({E.BROUILLON})

ETATS_FACTURE: dict[str, tuple[EtatFactureNorme, str]] = {
    F.DEPOSEE: (NF.TRANSMIS, ""),
    F.EN_COURS: (NF.EN_COURS_INSTRUCTION, ""),
    F.EN_ATTENTE_PIECES: (NF.EN_COURS_INSTRUCTION, "En attente de pièces demandées par l'OPCO."),
    F.VALIDEE: (NF.EN_COURS_INSTRUCTION, "Facture validée, en attente de règlement."),
    F.PAYEE: (NF.REGLE, ""),
    F.REJETEE: (NF.REJETE, ""),
}


def etat_dossier(etat: str) -> tuple[str, str]:
    """The norm's ``etat`` of a dossier in our state ``etat``, and its default ``commentaireEtat``."""
    code, comment = ETATS_DOSSIER[etat]
    return code.value, comment


def etat_facture(etat: str) -> tuple[str, str]:
    """The norm's ``etatFacture`` of an invoice in our state ``etat``, and its default ``commentaire``."""
    code, comment = ETATS_FACTURE[etat]
    return code.value, comment


def our_dossier_states(code: str) -> frozenset[str]:
    """Our states that the norm's code ``code`` stands for (empty when unknown)."""
    return frozenset(state for state, (norm, _) in ETATS_DOSSIER.items() if norm.value == code)


# --- Financing natures ------------------------------------------------------------------------

# Our natures of the accord de financement (cases.models.NatureFinancement values) that the norm
# lists as frais annexes (``engagementsFraisAnnexe[].natureFrais``).
NATURE_FRAIS = {
    "premier_equipement": "Premierequipement",
    "hebergement": "Hebergement",
    "restauration": "Restauration",
    "mobilite": "Mobilite",
}
# The norm's ``natureLigne`` of an invoice line → our nature of invoice line (cases.models.NatureLigneFacture).
NATURE_LIGNE = {
    "PEDAGOGIE": "pedagogie",
    "PREMIEREQUIPEMENT": "premier_equipement",
    "PREMIER_EQUIPEMENT": "premier_equipement",
    "MOBILITE": "mobilite",
    "HEBERGEMENT": "hebergement",
    "RESTAURATION": "restauration",
    "MAJORATION_RQTH": "majoration_rqth",
}


def nature_ligne(value) -> str | None:
    """Our nature for a norm ``natureLigne`` (case and spelling variants accepted), or None."""
    if not isinstance(value, str):
        return None
    return NATURE_LIGNE.get(value.strip().upper().replace(" ", "_"))


def nature_frais(nature: str) -> str | None:
    return NATURE_FRAIS.get(nature)


# --- Invoices -----------------------------------------------------------------------------------

LAST_ECHEANCE = 99  # sent by some software for « the last échéance » (meaning unconfirmed by the norm)
_CODIFICATION = re.compile(r"^E(\d{1,3})$", re.IGNORECASE)
MAX_LIGNES = 500


@dataclass(frozen=True)
class LigneRecue:
    """One line of a norm invoice, read: its dossier reference, nature, amount and échéance."""

    index: int
    nature: str
    montant: Decimal
    quantite: int
    numero_echeance: int | None
    numero_dossier: str
    numero_deca: str


@dataclass(frozen=True)
class FactureRecue:
    numero: str
    date_emission: date | None
    montant_total: Decimal | None
    siret_emetteur: str
    iban: str
    certificat_realisation: bool
    lignes: tuple[LigneRecue, ...]
    problems: tuple[Problem, ...]


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _echeance_number(ligne: dict) -> int | None:
    numero = ligne.get("numeroEcheance")
    if numero not in (None, ""):
        return _as_int(numero)
    match = _CODIFICATION.match(str(ligne.get("codificationEcheance") or "").strip())
    return int(match.group(1)) if match else None


def facture_from_norme(facture: dict) -> FactureRecue:
    """A norm invoice (``POST /v1/factures``, part ``facture``) read, with what is wrong in its own terms:
    a number, a date of issue, lines (known nature, positive amount, a dossier named by ``numeroDossier`` or
    ``numeroDeca``) whose sum is ``montantTotal``. The rules of invoicing itself are the deposit's."""
    source = facture if isinstance(facture, dict) else {}
    problems: list[Problem] = []
    numero = str(source.get("numero") or "").strip()
    if not numero:
        problems.append(Problem("numero", "Le numéro de la facture est obligatoire.", "obligatoire"))
    raw_date = source.get("dateEmission")
    emission = date_from_norme(raw_date)
    if raw_date in (None, ""):
        problems.append(Problem("dateEmission", "La date d'émission est obligatoire.", "obligatoire"))
    elif emission is None:
        problems.append(Problem("dateEmission", DATE_MESSAGE))
    total = _number(source.get("montantTotal"))
    if total is None:
        problems.append(Problem("montantTotal", "Le montant total est obligatoire (nombre).", "obligatoire"))
    siret = str(source.get("siretEmetteur") or "").strip()
    if not siret:
        problems.append(Problem("siretEmetteur", "Le SIRET de l'émetteur est obligatoire.", "obligatoire"))
    certificat = source.get("estCertificatRealisation", False)
    if not isinstance(certificat, bool):
        problems.append(Problem("estCertificatRealisation", "Valeur booléenne attendue (true ou false)."))
    raw_lines = source.get("lignes")
    lignes: list[LigneRecue] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        problems.append(Problem("lignes", "Une facture comporte au moins une ligne.", "obligatoire"))
        raw_lines = []
    elif len(raw_lines) > MAX_LIGNES:
        problems.append(Problem("lignes", f"{MAX_LIGNES} lignes au plus par facture."))
        raw_lines = []
    for index, ligne in enumerate(raw_lines):
        path = f"lignes[{index}]"
        if not isinstance(ligne, dict):
            problems.append(Problem(path, "Un objet JSON est attendu."))
            continue
        nature = nature_ligne(ligne.get("natureLigne"))
        if nature is None:
            problems.append(
                Problem(
                    f"{path}.natureLigne",
                    "Nature de ligne inconnue (PEDAGOGIE, PREMIEREQUIPEMENT, MOBILITE, HEBERGEMENT, RESTAURATION, "
                    "MAJORATION_RQTH).",
                )
            )
        montant = _number(ligne.get("montant"))
        if montant is None or montant <= 0:
            problems.append(Problem(f"{path}.montant", "Un montant strictement positif est attendu."))
        quantite = _as_int(ligne.get("quantite", 1) if ligne.get("quantite") is not None else 1)
        if quantite is None or quantite < 1:
            problems.append(Problem(f"{path}.quantite", "La quantité est un entier positif."))
        echeance = _echeance_number(ligne)
        has_echeance = ligne.get("numeroEcheance") not in (None, "") or ligne.get("codificationEcheance")
        if has_echeance and (echeance is None or echeance < 1):
            problems.append(Problem(f"{path}.numeroEcheance", "Numéro d'échéance invalide (1, 2 … ou E1, E2 …)."))
        dossier = str(ligne.get("numeroDossier") or "").strip()
        deca = str(ligne.get("numeroDeca") or "").strip().upper()
        if not dossier and not deca:
            problems.append(
                Problem(f"{path}.numeroDossier", "Indiquez le dossier (numeroDossier ou numeroDeca).", "obligatoire")
            )
        if nature is not None and montant is not None and montant > 0 and quantite and (dossier or deca):
            lignes.append(LigneRecue(index, nature, montant, quantite, echeance, dossier, deca))
    if total is not None and len(lignes) == len(raw_lines) and lignes:
        somme = sum((ligne.montant for ligne in lignes), Decimal("0"))
        if somme != total:
            problems.append(
                Problem("montantTotal", f"Le montant total ({total}) n'est pas la somme des lignes ({somme}).")
            )
    return FactureRecue(
        numero=numero,
        date_emission=emission,
        montant_total=total,
        siret_emetteur=siret,
        iban=str(source.get("ibanEmetteur") or "").strip().replace(" ", "").upper(),
        certificat_realisation=certificat if isinstance(certificat, bool) else False,
        lignes=tuple(lignes),
        problems=tuple(problems),
    )


def parse_numero_externe(value: str) -> tuple[int, int | None] | None:
    """``3866466.1`` → (3866466, 1); ``3866466`` → (3866466, None); None when it is not a dossier number."""
    match = re.match(r"^(\d{1,12})(?:\.(\d{1,4}))?$", (value or "").strip())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None
