"""Formulaire de saisie – Contrat d'apprentissage: a new contract, a draft resumed, its deletion, its
transmission, and the avenant of an accordé contract.

The form is drawn from the CERFA as data (:data:`rules.cerfa_schema.BLOCKS`: blocks, labels, kinds,
code lists, help texts) and every verdict comes from the rule set through
:func:`cases.selectors.cerfa_verification` (the back office's SMIC table, the one transmission uses)
or from the services (:func:`dossier_draft_save`, :func:`dossier_transmit`,
:func:`dossier_avenant_create`): nothing here decides whether a value is right.

Without JavaScript the form is a plain POST whose buttons say what to do (``_action``: « Vérifier »,
« Bloc suivant », « Rechercher », « Choisir », « Reprendre le barème minimal », « Sauvegarder le
brouillon », « Transmettre »). htmx adds the live behaviours on small endpoints of this module: the
verification of the whole form on each change (out-of-band swaps of the error slots, the block
statuses, the rémunération table and the synthèse), the employer search and choice, the periods.

Which errors are shown: a problem about a value the user typed, always; « champ obligatoire » only
for a field the user has been through (``_vus``), a block they have left (``_blocs``), or after
« Vérifier » / a refused transmission (everything).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases.permissions import ensure_dossier_action, has_droit
from cases.selectors import cerfa_verification, dossier_get, entreprises_search, etablissement_get
from cases.selectors_financement import financement_demande
from cases.services import dossier_avenant_create, dossier_draft_delete, dossier_draft_save, dossier_transmit
from common.errors import Forbidden, InvalidInput
from portal.context import Viewer, portal_view
from rules.actions import Action, Droit
from rules.cerfa import CerfaVerdict
from rules.cerfa_schema import BLOCKS, FIELDS, Block, Field, block_of, get_path
from rules.lifecycles import Dispositif
from rules.referentiels import AVENANT_TYPES, CODE_LISTS, CodeList
from rules.remuneration import RemunerationPeriod
from rules.verdicts import Problem

PERIODES = "contrat.remunerationsAnnuelles"
PERIODE_KEYS = ("ordre", "dateDebut", "dateFin", "taux", "typeSalaire")
MAX_PERIODES = 20
PERIODE_ITEMS = {item.path: item for item in FIELDS[PERIODES].items}
_PERIODE_NAME = re.compile(r"^contrat\.remunerationsAnnuelles\[(\d{1,2})\]\.(\w+)$")
_PERIODE_PATH = re.compile(r"^(contrat\.remunerationsAnnuelles\[\d+\])(?:\.(\w+))?$")
MOTIF = Field("motif", "Objet de l'avenant", "zone", required=True, max_length=2000)
MOTIF_HELP = "Décrivez ce qui change (maître d'apprentissage, durée de travail, diplôme préparé…)."
# Fields of the avenant section (drawn there, not in block 4, when an avenant is being written).
AVENANT_FIELDS = ("contrat.typeContratApp", "contrat.dateEffetAvenant")
# Service field names that are not CERFA paths → the form field showing them.
ALIASES = {"type_avenant": "contrat.typeContratApp", "date_effet": "contrat.dateEffetAvenant"}
# Sub-headings of the blocks (presentation only), by the start of the field path.
GROUPES = {
    "apprenti": "Identité et situation de l'apprenti(e)",
    "apprenti.responsableLegal": "Représentant légal",
    "maitre1": "Maître d'apprentissage n°1",
    "maitre2": "Maître d'apprentissage n°2 (facultatif)",
    "employeur.attestationEligibilite": "Attestation de l'employeur",
    "organismeFormation": "Le CFA responsable",
    "organismeFormationLieuFormationPrincipal": "Lieu principal de formation (s'il diffère du CFA)",
    "formation": "Le diplôme ou titre visé",
    "couts": "Frais annexes demandés à l'OPCO (facultatif)",
}
NUMERIC_INPUT = {"siret": "numeric", "code_postal": "numeric", "entier": "numeric", "montant": "decimal"}
NUL_MESSAGE = "Ce champ contenait des caractères nuls, qui ne sont pas acceptés : ils ont été retirés."


def dom_id(path_: str) -> str:
    """``contrat.remunerationsAnnuelles[0].taux`` → ``c-contrat-remunerationsAnnuelles-0-taux``."""
    return "c-" + re.sub(r"[^0-9A-Za-z]+", "-", path_).strip("-")


# --- The form as data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class OptGroup:
    label: str
    options: tuple[Option, ...]


def _option_label(codes: CodeList, code, label: str) -> str:
    text = str(code)
    if (codes.is_numeric or codes.name == "departement") and not label.startswith(text.zfill(2)):
        return f"{text} — {label}"
    return label


def _groups(codes: CodeList, only=None) -> tuple[OptGroup, ...]:
    groups: list[OptGroup] = []
    for c in codes.codes:
        if only is not None and c.code not in only:
            continue
        option = Option(str(c.code), _option_label(codes, c.code, c.label))
        if groups and groups[-1].label == c.group:
            groups[-1] = OptGroup(c.group, (*groups[-1].options, option))
        else:
            groups.append(OptGroup(c.group, (option,)))
    return tuple(groups)


@dataclass(frozen=True)
class Spec:
    """How one CERFA field is drawn: its widget, its id, its options."""

    field: Field
    path: str
    widget: str  # texte, zone, date, select, liste, oui_non, case
    input_type: str = "text"
    inputmode: str = ""
    groups: tuple[OptGroup, ...] = ()

    @property
    def id(self) -> str:
        return dom_id(self.path)

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def codes(self) -> CodeList | None:
        return CODE_LISTS[self.field.codes] if self.field.codes else None


def spec_of(f: Field, path_: str | None = None, *, only=None) -> Spec:
    kind = f.kind
    where = path_ or f.path
    if kind == "booleen":
        return Spec(f, where, "oui_non")
    if kind == "attestation":
        return Spec(f, where, "case")
    if kind == "date":
        return Spec(f, where, "date", "date")
    if kind == "zone" or (f.max_length or 0) > 1000:
        return Spec(f, where, "zone")
    if kind == "code":
        codes = CODE_LISTS[f.codes]
        if codes.open:
            return Spec(f, where, "liste")
        if path_ is not None:  # a cell of the periods table: the codes are their own labels (SMIC, SMC)
            return Spec(
                f, where, "select", groups=(OptGroup("", tuple(Option(str(c), str(c)) for c in codes.values())),)
            )
        return Spec(f, where, "select", groups=_groups(codes, only))
    if kind == "telephone":
        return Spec(f, where, "texte", "tel")
    if kind == "courriel":
        return Spec(f, where, "texte", "email")
    if kind == "taux":
        return Spec(f, where, "texte", inputmode="decimal")
    return Spec(f, where, "texte", inputmode=NUMERIC_INPUT.get(kind, ""))


SPECS: dict[str, Spec] = {p: spec_of(f) for p, f in FIELDS.items() if f.kind != "periodes"}
TYPE_AVENANT_SPEC = spec_of(FIELDS["contrat.typeContratApp"], only=AVENANT_TYPES)
MOTIF_SPEC = Spec(MOTIF, "motif", "zone")


def _group_key(path_: str) -> str:
    for prefix in sorted(GROUPES, key=len, reverse=True):
        if path_ == prefix or path_.startswith(prefix + "."):
            return prefix
    return ""


# --- Reading the form -------------------------------------------------------------------------------


def _set(payload: dict, path_: str, value) -> None:
    node = payload
    *parents, last = path_.split(".")
    for key in parents:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[last] = value


_INTEGER = re.compile(r"^-?\d{1,18}$")
_DECIMAL = re.compile(r"^-?\d{1,12}(?:\.\d{1,12})?$")
_FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _number(text: str):
    compact = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    if _DECIMAL.match(compact):
        return int(compact) if "." not in compact else float(compact)
    return text


def convert(f: Field, text: str):
    """What was typed, as the norm's JSON holds it; a value that is not of the kind is kept as typed
    (the rules then say why, in French, on the field). None: nothing typed."""
    text = text.strip()
    if not text:
        return None
    kind = f.kind
    if kind in ("booleen", "attestation"):
        return {"oui": True, "non": False, "on": True}.get(text.lower(), text)
    if kind == "code":
        codes = CODE_LISTS[f.codes]
        if codes.is_numeric and text.isdecimal() and len(text) <= 9:
            return int(text)
        return text
    if kind == "entier":
        return int(text) if _INTEGER.match(text) else text
    if kind in ("montant", "taux"):
        return _number(text)
    if kind == "date":
        match = _FRENCH_DATE.match(text)
        return f"{match.group(3)}-{int(match.group(2)):02d}-{int(match.group(1)):02d}" if match else text
    if kind == "siret":
        compact = re.sub(r"\s", "", text)
        return compact if compact.isdecimal() else text
    return text


@dataclass
class Lu:
    """A submitted form: the payload, and what could not be taken as typed."""

    payload: dict
    problems: list[Problem] = field(default_factory=list)
    motif: str = ""


def read_form(post: QueryDict, *, avenant: bool = False) -> Lu:
    lu = Lu(payload={})

    def text(name: str) -> str | None:
        raw = post.get(name)
        if raw is None:
            return None
        if "\x00" in raw:
            lu.problems.append(Problem(name, NUL_MESSAGE))
            raw = raw.replace("\x00", "")
        return raw

    for path_, f in FIELDS.items():
        if f.kind == "periodes":
            continue
        raw = text(path_)
        value = convert(f, raw) if raw is not None else None
        if value is not None:
            _set(lu.payload, path_, value)
    rows: dict[int, dict] = {}
    for name in post:
        match = _PERIODE_NAME.match(name)
        if not match or match.group(2) not in PERIODE_KEYS or int(match.group(1)) >= MAX_PERIODES:
            continue
        value = convert(PERIODE_ITEMS[match.group(2)], text(name) or "")
        if value is not None:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    if rows:
        _set(lu.payload, PERIODES, [rows[i] for i in sorted(rows)])
    if avenant:
        lu.motif = (text("motif") or "").strip()
        if len(lu.motif) > MOTIF.max_length:
            lu.problems.append(Problem("motif", f"Ce champ ne doit pas dépasser {MOTIF.max_length} caractères."))
    return lu


def _words(post: QueryDict, name: str) -> set[str]:
    return {w for w in post.get(name, "").split() if len(w) < 80}


# --- Referential data: the employer and the CFA ---------------------------------------------------

EMPLOYEUR_REFERENTIEL = (
    ("employeur.denomination", "raison_sociale"),
    ("employeur.adresse.adresse1", "adresse"),
    ("employeur.adresse.codePostal", "code_postal"),
    ("employeur.adresse.commune", "ville"),
    ("employeur.naf", "naf"),
    ("employeur.nombreDeSalaries", "effectif"),
    ("employeur.codeIdcc", "idcc"),
    ("employeur.libelleIdcc", "libelle_idcc"),
    ("employeur.typeEmployeur", "type_employeur"),
)
CFA_REFERENTIEL = (
    ("organismeFormation.denomination", "raison_sociale"),
    ("organismeFormation.uaiCfa", "uai"),
    ("organismeFormation.adresse.adresse1", "adresse"),
    ("organismeFormation.adresse.codePostal", "code_postal"),
    ("organismeFormation.adresse.commune", "ville"),
)


def _fill(payload: dict, etab, pairs) -> set[str]:
    filled = set()
    for path_, attribute in pairs:
        value = getattr(etab, attribute)
        if value not in (None, ""):
            _set(payload, path_, value)
            filled.add(path_)
    return filled


def _employer(viewer: Viewer, siret) -> object | None:
    if not isinstance(siret, str) or len(siret) != 14 or not siret.isdecimal():
        return None
    found = entreprises_search(actor=viewer.actor, siret=siret, limit=1)
    return found[0] if found and found[0].siret == siret else None


def apply_referentials(viewer: Viewer, payload: dict) -> set[str]:
    """The fields the OPCO's referential knows for the chosen employer and CFA, written into the
    payload (« Les champs grisés sont autocomplétés »); returns their paths (drawn read-only)."""
    filled: set[str] = set()
    employeur = _employer(viewer, get_path(payload, "employeur.siret"))
    if employeur is not None:
        filled |= {"employeur.siret"} | _fill(payload, employeur, EMPLOYEUR_REFERENTIEL)
    siret = get_path(payload, "organismeFormation.siret")
    choice = next((c for c in cfa_choices(viewer) if c.siret == siret), None)
    if choice is not None:
        cfa = etablissement_get(actor=viewer.actor, etablissement_id=choice.id)
        if cfa.est_organisme_formation:
            filled |= _fill(payload, cfa, CFA_REFERENTIEL)
    return filled


def cfa_choices(viewer: Viewer):
    """The viewer's établissements where they may « saisir des contrats »."""
    return [c for c in viewer.choices if has_droit(viewer.actor, c.id, Droit.SAISIR_CONTRATS)]


def require_saisie(viewer: Viewer) -> None:
    if not cfa_choices(viewer):
        raise Forbidden("Vous n'avez pas le droit de saisir des contrats d'apprentissage.")


def new_payload(viewer: Viewer) -> dict:
    """A new contract: the CFA is the établissement chosen in the header, when it is an OF."""
    choices = cfa_choices(viewer)
    chosen = next((c for c in choices if c.id == viewer.etablissement_id), None)
    if chosen is None:
        return {}
    etab = etablissement_get(actor=viewer.actor, etablissement_id=chosen.id)
    if not etab.est_organisme_formation:
        return {}
    return {"organismeFormation": {"siret": etab.siret}}


# --- Periods ------------------------------------------------------------------------------------


def minimal_periods(payload: dict, today: date) -> list[dict]:
    """« Reprendre le barème minimal »: the periods the rules compute, at the minimum rates."""
    bare = copy.deepcopy(payload)
    if isinstance(bare.get("contrat"), dict):
        bare["contrat"].pop("remunerationsAnnuelles", None)
    verdict = cerfa_verification(payload=bare, today=today)
    return [p.as_payload() for p in verdict.remuneration][:MAX_PERIODES]


def prefill(payload: dict, verdict: CerfaVerdict) -> set[str]:
    """The rémunération computed for the user: when no period is typed yet and the rules can compute
    them (birth date and contract dates known), the periods at the minimum rates; and the salary at
    hiring, when empty, from the first period. Returns the paths filled in (the user may then raise a
    rate — never below the minimum, which the rules check)."""
    filled: set[str] = set()
    computed = [p for p in verdict.remuneration]
    if not computed or len(computed) > MAX_PERIODES:
        return filled
    items = get_path(payload, PERIODES)
    if not isinstance(items, list) or not [i for i in items if isinstance(i, dict) and any(i.values())]:
        _set(payload, PERIODES, [p.as_payload() for p in computed])
        filled.add(PERIODES)
    salary = get_path(payload, "contrat.salaireEmbauche")
    if (salary is None or (isinstance(salary, str) and not salary.strip())) and computed[0].salaire_brut is not None:
        _set(payload, "contrat.salaireEmbauche", float(computed[0].salaire_brut))
        filled.add("contrat.salaireEmbauche")
    return filled


def verify_and_prefill(payload: dict, today: date) -> tuple[CerfaVerdict, set[str]]:
    verdict = cerfa_verification(payload=payload, today=today)
    filled = prefill(payload, verdict)
    if filled:
        verdict = cerfa_verification(payload=payload, today=today)
    return verdict, filled


def enrich_periods(payload: dict, verdict: CerfaVerdict) -> None:
    """Each period the user kept gets its minimum rate and gross pay as the rules computed them
    (with the user's rate), so that the saved CERFA carries them; stale values are dropped."""
    items = get_path(payload, PERIODES)
    if not isinstance(items, list):
        return
    computed = {p.ordre: p for p in verdict.remuneration}
    for item in items:
        if not isinstance(item, dict):
            continue
        item.pop("tauxMinimal", None)
        item.pop("salaireBrut", None)
        period = computed.get(str(item.get("ordre")))
        same = period is not None and (item.get("dateDebut"), item.get("dateFin")) == (
            period.date_debut.isoformat(),
            period.date_fin.isoformat(),
        )
        if same:
            item["tauxMinimal"] = period.taux_minimal
            if period.salaire_brut is not None:
                item["salaireBrut"] = float(period.salaire_brut)


# --- What the page shows --------------------------------------------------------------------------


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_iso_date(text: str) -> bool:
    if not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _as_text(value, kind: str = "") -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float) and kind in ("montant", "taux"):
        return str(value).replace(".", ",")  # as a French user types it (read back by :func:`convert`)
    return str(value)


@dataclass
class Champ:
    spec: Spec
    value: str
    erreurs: list[str]
    avertissements: list[str]
    readonly: bool = False
    help: str = ""
    libelle: str = ""
    rafraichir: str = ""  # a block whose referential fields follow this field (htmx)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def label(self) -> str:
        return self.libelle or self.spec.label

    @property
    def name(self) -> str:
        return self.spec.path

    @property
    def requis(self) -> bool:
        return self.spec.field.required

    @property
    def condition(self) -> str:
        return self.spec.field.required_if if not self.spec.field.required else ""

    @property
    def aide(self) -> str:
        return self.help or self.spec.field.help

    @property
    def affichage(self) -> str:
        """The read-only text of a field (a code's label)."""
        codes = self.spec.codes
        if codes is not None and not codes.open and codes.label_of(self.value):
            return _option_label(codes, codes.normalise(self.value), codes.label_of(self.value))
        return self.value

    @property
    def inconnue(self) -> bool:
        """A select's value that is not one of its options (kept so that nothing typed is lost)."""
        return bool(self.value) and all(o.value != self.value for g in self.spec.groups for o in g.options)

    @property
    def type_saisie(self) -> str:
        """The input's type; a date that is not one stays a text box, so that what was typed is kept."""
        if self.spec.input_type == "date" and self.value and not _is_iso_date(self.value):
            return "text"
        return self.spec.input_type

    @property
    def describedby(self) -> str:
        ids = [f"aide-{self.id}"] if self.aide or self.condition else []
        return " ".join([*ids, f"err-{self.id}"])


@dataclass
class Groupe:
    titre: str
    champs: list[Champ]


@dataclass
class Statut:
    key: str
    completude: int
    erreurs: int
    complet: bool

    @property
    def texte(self) -> str:
        if self.complet and not self.erreurs:
            return "Complet"
        text = f"{self.completude} % complété"
        if self.erreurs:
            text += f" · {self.erreurs} erreur{'s' if self.erreurs > 1 else ''}"
        return text

    @property
    def classe(self) -> str:
        return "erreur" if self.erreurs else "complet" if self.complet else "en-cours"


@dataclass
class LignePeriode:
    index: int
    champs: list[Champ]
    taux_minimal: object = None
    salaire_brut: object = None


@dataclass(frozen=True)
class PeriodeCalculee:
    """A period of the rules' pay grid, as the table shows it."""

    period: RemunerationPeriod

    def __getattr__(self, name):
        return getattr(self.period, name)

    @property
    def taux_texte(self) -> str:
        return f"{self.period.taux.normalize():f}".replace(".", ",") + " %"


@dataclass
class Bloc:
    block: Block
    groupes: list[Groupe]
    statut: Statut
    slot: Slot
    suivant: Block | None

    @property
    def ancre(self) -> str:
        return f"bloc-{self.block.key}"


@dataclass
class Lien:
    href: str
    libelle: str
    message: str


@dataclass
class Slot:
    """Where the errors of a field (or of a block) are shown: swapped out of band by the verification."""

    id: str
    erreurs: list[str]
    avertissements: list[str] = field(default_factory=list)


@dataclass
class Vue:
    """Everything the templates need, computed once per request."""

    blocs: list[Bloc]
    statuts: list[Statut]
    periodes: list[LignePeriode]
    periodes_erreurs: Slot
    remuneration: tuple
    remuneration_trop_longue: bool
    synthese: list[tuple[Bloc, list[Lien], list[Lien]]]
    resume: list[Lien]
    champs: dict[str, Champ]
    avenant: list[Champ]
    slots: list[Slot]
    annonce: str = ""


class Affichage:
    """Which problem goes on which field, and which are shown now."""

    def __init__(self, problems, *, rendered: dict[str, None], tout: bool, vus: set[str], blocs: set[str]):
        self.rendered, self.tout, self.vus, self.blocs = rendered, tout, vus, blocs
        self.erreurs: dict[str, list[str]] = {}
        self.avertissements: dict[str, list[str]] = {}
        self.tous: list[tuple[str, Problem]] = []
        for problem, warning in problems:
            slot = self.slot_of(problem.field)
            if not warning:
                self.tous.append((slot, problem))
            if warning or self.visible(problem, slot):
                target = self.avertissements if warning else self.erreurs
                messages_ = target.setdefault(slot, [])
                if problem.message not in messages_:
                    messages_.append(problem.message)

    def slot_of(self, path_: str) -> str:
        path_ = ALIASES.get(path_, path_)
        if path_ in self.rendered:
            return path_
        match = _PERIODE_PATH.match(path_)
        if match and f"{match.group(1)}.taux" in self.rendered:
            return f"{match.group(1)}.taux"
        if match:
            return PERIODES
        inside = next((p for p in self.rendered if p.startswith(path_ + ".")), None)
        return inside or f"bloc:{block_of(path_)}"

    def visible(self, problem: Problem, slot: str) -> bool:
        if self.tout or problem.code != "obligatoire":
            return True
        return slot in self.vus or problem.field in self.vus or block_of(slot.removeprefix("bloc:")) in self.blocs


# Whose field it is, for labels that several parties share (« N° et voie », « Téléphone »…).
OWNERS = {
    "employeur": "Employeur",
    "apprenti": "Apprenti(e)",
    "apprenti.responsableLegal": "Représentant légal",
    "organismeFormation": "CFA",
    "organismeFormationLieuFormationPrincipal": "Lieu principal de formation",
}
_LABELS = [f.label for f in FIELDS.values()]
SHARED_LABELS = {label for label in _LABELS if _LABELS.count(label) > 1}


def _qualified(path_: str) -> str:
    label = FIELDS[path_].label
    if label not in SHARED_LABELS:
        return label
    owner = path_.rpartition(".")[0].removesuffix(".adresse")
    return f"{OWNERS.get(owner, owner)} — {label}"


def _label_of(slot: str) -> str:
    if slot.startswith("bloc:"):
        key = slot.removeprefix("bloc:")
        return next((b.title for b in BLOCKS if b.key == key), "Formulaire")
    if slot == "motif":
        return MOTIF.label
    match = _PERIODE_NAME.match(slot)
    if match:
        return f"Période {int(match.group(1)) + 1} — {PERIODE_ITEMS[match.group(2)].label}"
    return _qualified(slot) if slot in FIELDS else slot


def _href(slot: str) -> str:
    if slot.startswith("bloc:"):
        return f"#bloc-{slot.removeprefix('bloc:')}"
    if slot == PERIODES:
        return "#periodes"
    return f"#{dom_id(slot)}"


def build_view(
    viewer: Viewer,
    payload: dict,
    verdict: CerfaVerdict,
    *,
    readonly: set[str],
    tout: bool = False,
    vus: set[str] = frozenset(),
    blocs: set[str] = frozenset(),
    extra: list[Problem] = (),
    avenant: bool = False,
    motif: str = "",
    dernier: str = "",
) -> Vue:
    items = get_path(payload, PERIODES)
    items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
    rendered = dict.fromkeys(
        [*SPECS, PERIODES, "motif", *(f"{PERIODES}[{i}].{k}" for i in range(len(items)) for k in PERIODE_KEYS)]
    )
    problems = [(p, False) for p in [*extra, *verdict.problems]] + [(w, True) for w in verdict.warnings]
    shown = Affichage(problems, rendered=rendered, tout=tout, vus=set(vus), blocs=set(blocs))

    def champ(spec: Spec, value=None, *, help_: str = "", libelle: str = "") -> Champ:
        raw = get_path(payload, spec.path) if value is None else value
        return Champ(
            spec,
            _as_text(raw, spec.field.kind),
            shown.erreurs.get(spec.path, []),
            shown.avertissements.get(spec.path, []),
            readonly=spec.path in readonly,
            help=help_,
            libelle=libelle,
        )

    cfa = SPECS["organismeFormation.siret"]
    options = [Option(c.siret, f"{c.raison_sociale} — {c.siret}") for c in cfa_choices(viewer)]
    specs = {
        **SPECS,
        cfa.path: Spec(cfa.field, cfa.path, "select", groups=(OptGroup("", tuple(options)),)),
    }
    champs: dict[str, Champ] = {}
    statuts = []
    bad_by_block: dict[str, int] = {}
    for slot, messages_ in shown.erreurs.items():
        if slot != "motif":  # the avenant's own field belongs to no block
            bad_by_block[_block_key(slot)] = bad_by_block.get(_block_key(slot), 0) + len(messages_)
    for b in verdict.blocks:
        statuts.append(Statut(b.key, b.completeness, bad_by_block.get(b.key, 0), b.is_complete and not b.problems))
    by_key = {s.key: s for s in statuts}
    blocs_vue: list[Bloc] = []
    for index, block in enumerate(BLOCKS):
        groupes: list[Groupe] = []
        for f in block.fields:
            if f.kind == "periodes" or (avenant and f.path in AVENANT_FIELDS):
                continue
            c = champs[f.path] = champ(specs[f.path])
            titre = GROUPES.get(_group_key(f.path), "")
            if groupes and groupes[-1].titre == titre:
                groupes[-1].champs.append(c)
            else:
                groupes.append(Groupe(titre, [c]))
        suivant = BLOCKS[index + 1] if index + 1 < len(BLOCKS) else None
        slot = Slot(
            f"err-bloc-{block.key}",
            shown.erreurs.get(f"bloc:{block.key}", []),
            shown.avertissements.get(f"bloc:{block.key}", []),
        )
        blocs_vue.append(Bloc(block, groupes, by_key[block.key], slot, suivant))
    champs[cfa.path].rafraichir = "formation"
    avenant_champs = []
    if avenant:
        avenant_champs = [
            champ(TYPE_AVENANT_SPEC),
            champ(SPECS["contrat.dateEffetAvenant"]),
            champ(MOTIF_SPEC, motif, help_=MOTIF_HELP),
        ]
        champs.update({c.name: c for c in avenant_champs})
    computed = {p.ordre: p for p in verdict.remuneration}
    periodes = []
    for i, item in enumerate(items):
        row = []
        for key in PERIODE_KEYS:
            spec = spec_of(PERIODE_ITEMS[key], f"{PERIODES}[{i}].{key}")
            c = champ(spec, item.get(key, ""), libelle=_label_of(spec.path))
            champs[spec.path] = c
            row.append(c)
        period = computed.get(str(item.get("ordre")))
        periodes.append(
            LignePeriode(i, row, period.taux_minimal if period else None, period.salaire_brut if period else None)
        )
    blocks_by_key = {b.block.key: b for b in blocs_vue}
    synthese = []
    for b in verdict.blocks:
        errors = [Lien(_href(slot), _label_of(slot), p.message) for slot, p in shown.tous if _block_key(slot) == b.key]
        warnings = [
            Lien(_href(shown.slot_of(w.field)), _label_of(shown.slot_of(w.field)), w.message) for w in b.warnings
        ]
        synthese.append((blocks_by_key[b.key], errors, warnings))
    resume = []
    if tout or extra:
        resume = [
            Lien(_href(slot), _label_of(slot), message)
            for slot, messages_ in shown.erreurs.items()
            for message in messages_
        ]
    annonce = ""
    if dernier:
        slot = shown.slot_of(dernier)
        if shown.erreurs.get(slot):
            annonce = f"{_label_of(slot)} : {' '.join(shown.erreurs[slot])}"
    slots = [Slot(f"err-{c.id}", c.erreurs, c.avertissements) for c in champs.values()]
    slots += [b.slot for b in blocs_vue]
    slots.append(Slot("err-periodes", shown.erreurs.get(PERIODES, []), shown.avertissements.get(PERIODES, [])))
    too_long = len(verdict.remuneration) > MAX_PERIODES
    return Vue(
        blocs=blocs_vue,
        statuts=statuts,
        periodes=periodes,
        periodes_erreurs=slots[-1],
        remuneration=() if too_long else tuple(PeriodeCalculee(p) for p in verdict.remuneration),
        remuneration_trop_longue=too_long,
        synthese=synthese,
        resume=resume,
        champs=champs,
        avenant=avenant_champs,
        slots=slots,
        annonce=annonce,
    )


def _block_key(slot: str) -> str:
    if slot.startswith("bloc:"):
        return slot.removeprefix("bloc:")
    return block_of(ALIASES.get(slot, slot))


# --- The page ------------------------------------------------------------------------------------


@dataclass
class Page:
    """One screen of the form: a new contract, a draft, or an avenant."""

    request: HttpRequest
    dossier: object = None  # the draft being resumed, or the contract being amended
    avenant: bool = False

    @property
    def viewer(self) -> Viewer:
        return self.request.viewer

    @property
    def action_url(self) -> str:
        if self.avenant:
            return reverse("portal:avenant", args=[self.dossier.pk])
        if self.dossier is not None:
            return reverse("portal:saisie_modifier", args=[self.dossier.pk])
        return reverse("portal:saisie_nouveau")

    def render(
        self,
        payload: dict,
        *,
        status: int = 200,
        tout: bool = False,
        vus=frozenset(),
        blocs=frozenset(),
        extra=(),
        motif: str = "",
        recherche: dict | None = None,
        readonly: set[str] | None = None,
        auto: bool = True,
    ) -> HttpResponse:
        today = timezone.localdate()
        if readonly is None:
            readonly = apply_referentials(self.viewer, payload)
        if auto:
            verdict, _ = verify_and_prefill(payload, today)
        else:
            verdict = cerfa_verification(payload=payload, today=today)
        view = build_view(
            self.viewer,
            payload,
            verdict,
            readonly=readonly,
            tout=tout,
            vus=set(vus),
            blocs=set(blocs),
            extra=list(extra),
            avenant=self.avenant,
            motif=motif,
        )
        context = {
            "nav": "dossiers",
            "page": self,
            "vue": view,
            "verdict": verdict,
            "dossier": self.dossier,
            "avenant": self.avenant,
            "action_url": self.action_url,
            "vus": " ".join(sorted(vus)),
            "blocs_vus": " ".join(sorted(blocs)),
            "recherche": recherche or {},
            "brouillons_url": reverse("portal:dossiers", args=[Dispositif.APPRENTISSAGE]) + "?vue=brouillon",
            "financement": financement_demande(payload=payload),
        }
        return render(self.request, "portal/saisie/formulaire.html", context, status=status)


def _readonly_and_verdict(viewer: Viewer, payload: dict) -> tuple[set[str], CerfaVerdict]:
    readonly = apply_referentials(viewer, payload)
    verdict, _ = verify_and_prefill(payload, timezone.localdate())
    enrich_periods(payload, verdict)
    return readonly, verdict


def handle(page: Page, payload_initial: dict | None) -> HttpResponse:
    """GET: the form; POST: the button the user pressed (``_action``)."""
    request = page.request
    if request.method == "GET":
        return page.render(copy.deepcopy(payload_initial or {}))
    lu = read_form(request.POST, avenant=page.avenant)
    payload = lu.payload
    action = request.POST.get("_action", "verifier")
    vus, blocs = _words(request.POST, "_vus"), _words(request.POST, "_blocs")
    readonly = apply_referentials(page.viewer, payload)
    common = {"vus": vus, "blocs": blocs, "extra": lu.problems, "motif": lu.motif}

    if request.POST.get("_choisir"):
        problems = choose_employer(page.viewer, payload, request.POST["_choisir"])
        readonly = apply_referentials(page.viewer, payload)
        return page.render(
            payload,
            status=422 if problems else 200,
            readonly=readonly,
            recherche=chosen(payload, problems),
            **{**common, "extra": lu.problems + problems},
        )
    if action == "entree":  # Enter in a field, without JavaScript: a search when one is typed, else « Vérifier »
        action = "rechercher" if request.POST.get("_recherche", "").strip() else "verifier"
    if action == "rechercher":
        recherche = search(page.viewer, request.POST.get("_recherche", ""))
        return page.render(payload, status=recherche["status"], recherche=recherche, readonly=readonly, **common)
    if action in ("bareme", "ajouter_periode") or action.startswith("retirer:"):
        change_periods(payload, action)
        return page.render(payload, readonly=readonly, auto=False, **common)
    if action.startswith("suivant:"):
        return page.render(payload, readonly=readonly, **{**common, "blocs": blocs | {action.split(":", 1)[1]}})
    if action == "brouillon" and not page.avenant:
        return save_draft(page, payload, lu, common)
    if action == "transmettre":
        return transmit_avenant(page, payload, lu, common) if page.avenant else transmit(page, payload, lu, common)
    return page.render(payload, readonly=readonly, **{**common, "tout": True})


def save_draft(page: Page, payload: dict, lu: Lu, common: dict) -> HttpResponse:
    if lu.problems:
        return page.render(payload, status=422, **common)
    _, verdict = _readonly_and_verdict(page.viewer, payload)
    try:
        dossier = dossier_draft_save(
            actor=page.viewer.actor,
            payload=payload,
            now=timezone.now(),
            dossier_id=page.dossier.pk if page.dossier is not None else None,
        )
    except InvalidInput as exc:
        return page.render(payload, status=422, **{**common, "extra": list(exc.problems)})
    remaining = len(verdict.problems)
    text = "Le brouillon a été enregistré."
    if remaining:
        text += (
            f" Il reste {remaining} point{'s' if remaining > 1 else ''} à compléter ou corriger avant de pouvoir "
            "transmettre le contrat."
        )
    messages.success(page.request, text)
    return redirect("portal:saisie_modifier", dossier_id=dossier.pk)


def transmit(page: Page, payload: dict, lu: Lu, common: dict) -> HttpResponse:
    if lu.problems:
        return page.render(payload, status=422, **{**common, "tout": True})
    _readonly_and_verdict(page.viewer, payload)
    actor = page.viewer.actor
    try:
        draft = dossier_draft_save(
            actor=actor,
            payload=payload,
            now=timezone.now(),
            dossier_id=page.dossier.pk if page.dossier is not None else None,
        )
    except InvalidInput as exc:
        return page.render(payload, status=422, **{**common, "tout": True, "extra": list(exc.problems)})
    try:
        dossier = dossier_transmit(actor=actor, dossier_id=draft.pk, now=timezone.now())
    except InvalidInput as exc:
        # The draft keeps everything typed; the page now edits it.
        page.dossier = draft
        messages.warning(
            page.request,
            "Le brouillon a été enregistré, mais le contrat ne peut pas encore être transmis : corrigez les "
            "points signalés.",
        )
        return page.render(payload, status=422, **{**common, "tout": True, "extra": list(exc.problems)})
    messages.success(page.request, f"Le contrat {dossier.reference} a été transmis.")
    return redirect("portal:dossier", dossier_id=dossier.pk)


def transmit_avenant(page: Page, payload: dict, lu: Lu, common: dict) -> HttpResponse:
    if lu.problems:
        return page.render(payload, status=422, **{**common, "tout": True})
    _readonly_and_verdict(page.viewer, payload)
    type_avenant = get_path(payload, "contrat.typeContratApp")
    effet = get_path(payload, "contrat.dateEffetAvenant")
    try:
        date_effet = date.fromisoformat(effet) if isinstance(effet, str) else None
    except ValueError:
        date_effet = None
    try:
        avenant = dossier_avenant_create(
            actor=page.viewer.actor,
            dossier_id=page.dossier.pk,
            payload=payload,
            motif=lu.motif,
            now=timezone.now(),
            type_avenant=type_avenant if isinstance(type_avenant, int) else None,
            date_effet=date_effet,
        )
    except InvalidInput as exc:
        return page.render(payload, status=422, **{**common, "tout": True, "extra": list(exc.problems)})
    messages.success(page.request, f"L'avenant {avenant.reference} a été transmis.")
    return redirect("portal:dossier", dossier_id=avenant.pk)


# --- Employer search and choice ------------------------------------------------------------------


def search(viewer: Viewer, text: str) -> dict:
    """« Sélectionner un établissement »: the referential's établissements whose SIRET starts with
    the digits typed (9 at least)."""
    typed = text.replace("\x00", "").strip()[:40]
    try:
        found = entreprises_search(actor=viewer.actor, siret=typed)
    except InvalidInput as exc:
        return {"texte": typed, "erreurs": [exc.problems[0].message], "status": 422, "resultats": None}
    resultats = [
        {
            "etab": e,
            "type": CODE_LISTS["typeEmployeur"].label_of(e.type_employeur) if e.type_employeur else "",
            "public": bool(e.employeur_public),
        }
        for e in found
    ]
    return {"texte": typed, "erreurs": [], "status": 200, "resultats": resultats}


def choose_employer(viewer: Viewer, payload: dict, siret: str) -> list[Problem]:
    siret = siret.strip()
    if _employer(viewer, siret) is None:
        return [
            Problem(
                "employeur.siret", "Établissement introuvable dans le référentiel de l'OPCO : relancez la recherche."
            )
        ]
    clear(payload, [p for p, _ in EMPLOYEUR_REFERENTIEL])  # another employer: none of the previous one's data
    _set(payload, "employeur.siret", siret)
    return []


def clear(payload: dict, paths) -> None:
    for path_ in paths:
        *parents, last = path_.split(".")
        node = payload
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)


def chosen(payload: dict, problems: list[Problem]) -> dict:
    """What the search area says once an établissement has been chosen."""
    if problems:
        return {"texte": "", "erreurs": [], "resultats": None, "echec": " ".join(p.message for p in problems)}
    return {
        "texte": "",
        "erreurs": [],
        "resultats": None,
        "choisi": get_path(payload, "employeur.denomination"),
        "siret": get_path(payload, "employeur.siret"),
    }


def change_periods(payload: dict, action: str) -> None:
    items = get_path(payload, PERIODES)
    items = list(items) if isinstance(items, list) else []
    if action == "bareme":
        items = minimal_periods(payload, timezone.localdate())
    elif action == "ajouter_periode" and len(items) < MAX_PERIODES:
        items.append({})
    elif action.startswith("retirer:"):
        index = action.split(":", 1)[1]
        if index.isdecimal() and int(index) < len(items):
            items.pop(int(index))
    _set(payload, PERIODES, items)


# --- Views ---------------------------------------------------------------------------------------


@portal_view
@require_http_methods(["GET", "POST"])
def nouveau(request: HttpRequest) -> HttpResponse:
    require_saisie(request.viewer)
    page = Page(request)
    return handle(page, new_payload(request.viewer) if request.method == "GET" else None)


@portal_view
@require_http_methods(["GET", "POST"])
def modifier(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = dossier_get(actor=request.viewer.actor, dossier_id=dossier_id)
    ensure_dossier_action(request.viewer.actor, dossier, Action.MODIFIER_BROUILLON)
    return handle(Page(request, dossier), dossier.donnees if isinstance(dossier.donnees, dict) else {})


@portal_view
@require_http_methods(["GET", "POST"])
def supprimer(request: HttpRequest, dossier_id: int) -> HttpResponse:
    actor = request.viewer.actor
    dossier = dossier_get(actor=actor, dossier_id=dossier_id)
    if request.method == "POST":
        dossier_draft_delete(actor=actor, dossier_id=dossier.pk, confirm=True)
        messages.success(request, "Le brouillon a été supprimé.")
        return redirect(reverse("portal:dossiers", args=[Dispositif.APPRENTISSAGE]) + "?vue=brouillon")
    ensure_dossier_action(actor, dossier, Action.SUPPRIMER_BROUILLON)
    return render(request, "portal/saisie/supprimer.html", {"nav": "dossiers", "dossier": dossier})


@portal_view
@require_http_methods(["GET", "POST"])
def avenant(request: HttpRequest, dossier_id: int) -> HttpResponse:
    dossier = dossier_get(actor=request.viewer.actor, dossier_id=dossier_id)
    ensure_dossier_action(request.viewer.actor, dossier, Action.CREER_AVENANT)
    initial = copy.deepcopy(dossier.donnees) if isinstance(dossier.donnees, dict) else {}
    contrat = initial.setdefault("contrat", {}) if isinstance(initial.get("contrat", {}), dict) else {}
    if contrat.get("typeContratApp") not in AVENANT_TYPES:
        contrat.pop("typeContratApp", None)
    contrat.pop("dateEffetAvenant", None)
    if dossier.numero_depot and not contrat.get("numeroContratPrecedent"):
        contrat["numeroContratPrecedent"] = dossier.numero_depot
    return handle(Page(request, dossier, avenant=True), initial)


# --- htmx endpoints ---------------------------------------------------------------------------------


def _fragment(
    request: HttpRequest, payload: dict, *, prefilled: set[str] | None = None, auto: bool = True, **kwargs
) -> tuple[Vue, CerfaVerdict, set[str]]:
    readonly = apply_referentials(request.viewer, payload)
    if auto:
        verdict, filled = verify_and_prefill(payload, timezone.localdate())
    else:
        verdict, filled = cerfa_verification(payload=payload, today=timezone.localdate()), set()
    if prefilled is not None:
        prefilled |= filled
    view = build_view(request.viewer, payload, verdict, readonly=readonly, **kwargs)
    return view, verdict, readonly


@portal_view
@require_http_methods(["POST"])
def verifier(request: HttpRequest) -> HttpResponse:
    """Live verification: the whole form is checked by the rules; the answer swaps, out of band, every
    error slot, the block statuses, the rémunération table and the synthèse."""
    require_saisie(request.viewer)
    avenant_mode = request.POST.get("_avenant") == "1"
    lu = read_form(request.POST, avenant=avenant_mode)
    prefilled: set[str] = set()
    view, verdict, _ = _fragment(
        request,
        lu.payload,
        prefilled=prefilled,
        vus=_words(request.POST, "_vus"),
        blocs=_words(request.POST, "_blocs"),
        extra=lu.problems,
        avenant=avenant_mode,
        motif=lu.motif,
        dernier=request.POST.get("_dernier", "")[:200],
    )
    context = {
        "vue": view,
        "verdict": verdict,
        "avenant": avenant_mode,
        "financement": financement_demande(payload=lu.payload),
        # The rémunération computed for the user, drawn out of band once (never over what was typed).
        "periodes_preremplies": PERIODES in prefilled,
        "salaire_prerempli": (
            view.champs.get("contrat.salaireEmbauche") if "contrat.salaireEmbauche" in prefilled else None
        ),
    }
    return render(request, "portal/saisie/_verification.html", context)


@portal_view
@require_http_methods(["POST"])
def entreprises(request: HttpRequest) -> HttpResponse:
    """« Sélectionner un établissement » (htmx): the results list, or the French message."""
    require_saisie(request.viewer)
    recherche = search(request.viewer, request.POST.get("_recherche", ""))
    return render(
        request, "portal/saisie/_recherche.html", {"recherche": recherche, "oob": True}, status=recherche["status"]
    )


@portal_view
@require_http_methods(["POST"])
def choisir(request: HttpRequest) -> HttpResponse:
    """An établissement chosen (htmx): the employer's referential fields, swapped out of band — or, for
    the CFA chosen in its select (``_bloc=formation``), the CFA's. Only those fields are redrawn: what
    the user types meanwhile elsewhere is never replaced."""
    require_saisie(request.viewer)
    avenant_mode = request.POST.get("_avenant") == "1"
    lu = read_form(request.POST, avenant=avenant_mode)
    key = "formation" if request.POST.get("_bloc") == "formation" else "employeur"
    if key == "employeur":
        problems = choose_employer(request.viewer, lu.payload, request.POST.get("_choisir", ""))
        paths = ["employeur.siret", *(p for p, _ in EMPLOYEUR_REFERENTIEL)]
    else:
        problems, paths = [], [p for p, _ in CFA_REFERENTIEL]
        clear(lu.payload, paths)
    view, verdict, _ = _fragment(
        request, lu.payload, vus=_words(request.POST, "_vus"), extra=problems, avenant=avenant_mode
    )
    champs = [view.champs[p] for p in paths]
    context = {"champs": champs, "vue": view, "verdict": verdict, "recherche": chosen(lu.payload, problems), "cle": key}
    return render(request, "portal/saisie/_choix_employeur.html", context, status=422 if problems else 200)


@portal_view
@require_http_methods(["POST"])
def periodes(request: HttpRequest) -> HttpResponse:
    """« Reprendre le barème minimal », « Ajouter une période », « Retirer » (htmx): the periods rows."""
    require_saisie(request.viewer)
    avenant_mode = request.POST.get("_avenant") == "1"
    lu = read_form(request.POST, avenant=avenant_mode)
    change_periods(lu.payload, request.POST.get("_action", "bareme")[:20])
    view, verdict, _ = _fragment(
        request, lu.payload, auto=False, vus=_words(request.POST, "_vus"), avenant=avenant_mode
    )
    return render(request, "portal/saisie/_periodes.html", {"vue": view, "verdict": verdict})


urlpatterns = [
    path("contrats/apprentissage/nouveau/", nouveau, name="saisie_nouveau"),
    path("contrats/apprentissage/verifier/", verifier, name="saisie_verifier"),
    path("contrats/apprentissage/entreprises/", entreprises, name="saisie_entreprises"),
    path("contrats/apprentissage/entreprises/choisir/", choisir, name="saisie_choisir"),
    path("contrats/apprentissage/periodes/", periodes, name="saisie_periodes"),
    path("contrats/apprentissage/<int:dossier_id>/", modifier, name="saisie_modifier"),
    path("contrats/apprentissage/<int:dossier_id>/supprimer/", supprimer, name="saisie_supprimer"),
    path("dossiers/<int:dossier_id>/avenant/", avenant, name="avenant"),
]
