"""Domain objects → document contexts (plain frozen data, every value formatted in French):
the OPCO that signs, the addressees, the CERFA FA13. The letters are in :mod:`documents.letters`.

Reads models, never writes them, never decides. Functions taking a payload
(:func:`cerfa_context_from_payload`) need neither the database nor files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from cases.models import (
    Dossier,
)
from cases.references import smic_table
from documents import cerfa_codes as codes
from documents.contexts import (
    Addressee,
    CerfaBlock,
    CerfaColumn,
    CerfaContext,
    Field,
    Sender,
    Table,
)
from documents.errors import DocumentError
from documents.formats import (
    checkbox,
    format_bool,
    format_date,
    format_montant,
    format_number,
    format_taux,
    join_nonempty,
)
from rules.cerfa import get_path, parse_date
from rules.cerfa_schema import CERFA_VERSION
from rules.lifecycles import Dispositif, EtatDossier
from rules.remuneration import SMIC_REFERENCE, SmicValue, remuneration_periods

DEFAULT_OPCO_NAME = "OPCO Mobilités"
CERFA_NUMBER = "10103"


def _setting_text(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    return str(value).strip() if value not in (None, "") else default


def _address_lines(value) -> tuple[str, ...]:
    """``PORTAIL_OPCO_ADDRESS`` as a list, or a text with « | » or new lines between the lines."""
    if not value:
        return ()
    if isinstance(value, str):
        value = value.replace("|", "\n").splitlines()
    return tuple(line.strip() for line in value if line and line.strip())


def sender_from_settings() -> Sender:
    """The OPCO that signs: ``PORTAIL_OPCO_NAME``, ``_ADDRESS``, ``_PHONE``, ``_EMAIL``, ``_SIRET``,
    ``_LEGAL_FOOTER``, ``_SIGNATORY`` and ``_CITY`` (the place of issue), all from the environment."""
    return Sender(
        nom=_setting_text("PORTAIL_OPCO_NAME", DEFAULT_OPCO_NAME),
        adresse=_address_lines(getattr(settings, "PORTAIL_OPCO_ADDRESS", ())),
        signataire=_setting_text("PORTAIL_OPCO_SIGNATORY", "Le service Gestion des dossiers"),
        telephone=_setting_text("PORTAIL_OPCO_PHONE"),
        email=_setting_text("PORTAIL_OPCO_EMAIL"),
        siret=_setting_text("PORTAIL_OPCO_SIRET"),
        mentions=_setting_text("PORTAIL_OPCO_LEGAL_FOOTER"),
        lieu=_setting_text("PORTAIL_OPCO_CITY"),
    )


def local_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _related(obj, name: str):
    """A foreign object, or ``None`` when unset (also on unsaved instances)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# --- Établissements ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EtablissementInfo:
    """What the referential knows of an établissement, used when the CERFA leaves a field empty."""

    siret: str = ""
    raison_sociale: str = ""
    adresse: str = ""
    code_postal: str = ""
    ville: str = ""
    uai: str = ""
    naf: str = ""
    idcc: str = ""
    libelle_idcc: str = ""
    effectif: int | None = None
    type_employeur: int | None = None
    telephone: str = ""
    email: str = ""


def etablissement_info(etab) -> EtablissementInfo | None:
    if etab is None:
        return None
    return EtablissementInfo(
        siret=etab.siret or "",
        raison_sociale=etab.raison_sociale or "",
        adresse=etab.adresse or "",
        code_postal=etab.code_postal or "",
        ville=etab.ville or "",
        uai=getattr(etab, "uai", "") or "",
        naf=getattr(etab, "naf", "") or "",
        idcc=getattr(etab, "idcc", "") or "",
        libelle_idcc=getattr(etab, "libelle_idcc", "") or "",
        effectif=getattr(etab, "effectif", None),
        type_employeur=getattr(etab, "type_employeur", None),
        telephone=getattr(etab, "telephone", "") or "",
        email=getattr(etab, "email", "") or "",
    )


def addressee(etab) -> Addressee:
    lines = [etab.adresse, join_nonempty([etab.code_postal, (etab.ville or "").upper()])]
    if etab.pays and etab.pays.strip().lower() != "france":
        lines.append(etab.pays.upper())
    return Addressee(raison_sociale=etab.raison_sociale, lignes=tuple(x for x in lines if x), siret=etab.siret)


# --- CERFA FA13 -------------------------------------------------------------------------------


def _text(payload: Mapping, path: str) -> str:
    value = get_path(payload, path)
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return format_bool(value)
    return str(value).strip()


def _date(payload: Mapping, path: str) -> str:
    return format_date(parse_date(get_path(payload, path)))


def _first(*values: str) -> str:
    return next((v for v in values if v), "")


def _code(payload: Mapping, path: str, table: dict[str, str]) -> str:
    return codes.label(table, get_path(payload, path))


def _bool(payload: Mapping, path: str) -> str:
    return format_bool(get_path(payload, path))


def _is_true(payload: Mapping, path: str) -> bool:
    return format_bool(get_path(payload, path)) == "Oui"


def _address_fields(payload: Mapping, prefix: str, fallback: EtablissementInfo | None = None) -> list[Field]:
    """The norm's ``adresse1/adresse2`` or the form's ``numero/repetitionVoie/voie/complement``."""
    voie = _first(
        _text(payload, f"{prefix}.adresse1"),
        join_nonempty(
            [
                _text(payload, f"{prefix}.numero") + _text(payload, f"{prefix}.repetitionVoie"),
                _text(payload, f"{prefix}.voie"),
            ]
        ),
        fallback.adresse if fallback else "",
    )
    complement = _first(_text(payload, f"{prefix}.adresse2"), _text(payload, f"{prefix}.complement"))
    code_postal = _first(_text(payload, f"{prefix}.codePostal"), fallback.code_postal if fallback else "")
    commune = _first(_text(payload, f"{prefix}.commune"), fallback.ville if fallback else "")
    return [
        Field("N° et voie", voie),
        Field("Complément", complement),
        Field("Code postal", code_postal),
        Field("Commune", commune),
    ]


def _same(siret: str, info: EtablissementInfo | None) -> EtablissementInfo | None:
    """The referential's data apply only to the établissement the CERFA names (or when it names none)."""
    if info is None or (siret and info.siret and siret != info.siret):
        return None
    return info


def _employeur_block(p: Mapping, ref: EtablissementInfo | None) -> CerfaBlock:
    siret = _text(p, "employeur.siret")
    ref = _same(siret, ref)
    type_code = get_path(p, "employeur.typeEmployeur")
    if type_code in (None, "") and ref is not None:
        type_code = ref.type_employeur
    prive_public = _text(p, "employeur.privePublic").lower()
    try:
        public = prive_public == "public" or (type_code not in (None, "") and int(type_code) >= 21)
        known = bool(prive_public) or type_code not in (None, "")
    except (TypeError, ValueError):
        public, known = prive_public == "public", bool(prive_public)
    denomination = _first(
        _text(p, "employeur.denomination"),
        join_nonempty([_text(p, "employeur.nom"), _text(p, "employeur.prenom")]),
        ref.raison_sociale if ref else "",
    )
    left = [
        Field("Nom et prénom ou dénomination", denomination),
        *_address_fields(p, "employeur.adresse", ref),
        Field("Téléphone", _first(_text(p, "employeur.telephone"), ref.telephone if ref else "")),
        Field("Courriel", _first(_text(p, "employeur.courriel"), ref.email if ref else "")),
    ]
    effectif = get_path(p, "employeur.nombreDeSalaries")
    if effectif in (None, "") and ref is not None:
        effectif = ref.effectif
    right = [
        Field("N° SIRET de l'établissement d'exécution du contrat", siret or (ref.siret if ref else "")),
        Field("Type d'employeur", codes.label(codes.TYPE_EMPLOYEUR, type_code)),
        Field("Employeur spécifique", _code(p, "employeur.employeurSpecifique", codes.EMPLOYEUR_SPECIFIQUE)),
        Field("Code activité de l'entreprise (NAF)", _first(_text(p, "employeur.naf"), ref.naf if ref else "")),
        Field(
            "Effectif total salariés de l'entreprise", format_number(effectif, 0) if effectif not in (None, "") else ""
        ),
        Field(
            "Convention collective applicable",
            _first(_text(p, "employeur.libelleIdcc"), ref.libelle_idcc if ref else ""),
        ),
        Field("Code IDCC de la convention", _first(_text(p, "employeur.codeIdcc"), ref.idcc if ref else "")),
        Field(
            "Caisse de retraite complémentaire",
            codes.label(
                codes.CAISSE_RETRAITE,
                _first(_text(p, "employeur.caisseComplementaire"), _text(p, "employeur.caisseRetraiteSupplementaire")),
            ),
        ),
    ]
    entete = [
        f"{checkbox(known and not public)} employeur privé    {checkbox(known and public)} employeur « public »*",
    ]
    regime = _is_true(p, "employeur.regimeSpecifique")
    notes = [
        f"* {checkbox(regime)} Employeur public : adhésion de l'apprenti(e) au régime spécifique d'assurance chômage"
    ]
    return CerfaBlock(
        "L'EMPLOYEUR", (CerfaColumn(tuple(left)), CerfaColumn(tuple(right))), entete=tuple(entete), notes=tuple(notes)
    )


def _apprenti_block(p: Mapping) -> CerfaBlock:
    a = "apprenti"
    left = [
        Field("Nom de naissance de l'apprenti(e)", _text(p, f"{a}.nom")),
        Field("Nom d'usage", _text(p, f"{a}.nomUsage")),
        Field("Premier prénom de l'apprenti(e)", _text(p, f"{a}.prenom")),
        Field("NIR de l'apprenti(e)", _text(p, f"{a}.nir")),
        *_address_fields(p, f"{a}.adresse"),
        Field("Téléphone", _text(p, f"{a}.telephone")),
        Field("Courriel", _text(p, f"{a}.courriel")),
    ]
    right = [
        Field("Date de naissance", _date(p, f"{a}.dateNaissance")),
        Field("Sexe", _code(p, f"{a}.sexe", codes.SEXE)),
        Field("Département de naissance", _text(p, f"{a}.departementNaissance")),
        Field("Commune de naissance", _text(p, f"{a}.communeNaissance")),
        Field("Nationalité", _code(p, f"{a}.nationalite", codes.NATIONALITE)),
        Field("Régime social", _code(p, f"{a}.regimeSocial", codes.REGIME_SOCIAL)),
        Field(
            "Déclare être inscrit(e) sur la liste des sportifs, entraîneurs, arbitres et juges sportifs de haut niveau",
            _bool(p, f"{a}.inscriptionSportifDeHautNiveau"),
        ),
        Field("Déclare bénéficier de la reconnaissance travailleur handicapé", _bool(p, f"{a}.handicap")),
        Field(
            "Si non, bénéficie des droits attachés à la RQTH au titre de",
            "    ".join(
                (
                    f"{checkbox(_is_true(p, f'{a}.droitsRqthEquivalenceJeune'))} équivalence jeunes",
                    f"{checkbox(_is_true(p, f'{a}.droitsRqthExtensionBOE'))} extension BOE",
                )
            ),
        ),
        Field(
            "Déclare avoir un projet de création ou de reprise d'entreprise",
            _bool(p, f"{a}.projetCreationRepriseEntreprise"),
        ),
        Field("Situation avant ce contrat", _code(p, f"{a}.situationAvantContrat", codes.SITUATION_AVANT_CONTRAT)),
        Field("Dernier diplôme ou titre préparé", _code(p, f"{a}.diplomePrepare", codes.DIPLOME)),
        Field("Dernière classe / année suivie", _code(p, f"{a}.derniereClasse", codes.DERNIERE_CLASSE)),
        Field("Intitulé précis du dernier diplôme ou titre préparé", _text(p, f"{a}.intituleDiplomePrepare")),
        Field("Diplôme ou titre le plus élevé obtenu", _code(p, f"{a}.diplome", codes.DIPLOME)),
    ]
    r = f"{a}.responsableLegal"
    same_address = _is_true(p, f"{r}.memeAdresse")
    rep_address = _address_fields(p, f"{a}.adresse" if same_address else f"{r}.adresse")
    representant = CerfaBlock(
        "Représentant légal**",
        (
            CerfaColumn(
                (
                    Field(
                        "Nom de naissance et prénom",
                        join_nonempty([_text(p, f"{r}.nom"), _text(p, f"{r}.prenom")]),
                    ),
                    Field("Courriel", _text(p, f"{r}.courriel")),
                    Field("Apprenti(e) mineur(e) non émancipé(e)", _bool(p, f"{a}.apprentiMineurNonEmancipe")),
                )
            ),
            CerfaColumn(tuple(rep_address)),
        ),
    )
    return CerfaBlock(
        "L'APPRENTI(E)",
        (CerfaColumn(tuple(left)), CerfaColumn(tuple(right))),
        sous_blocs=(representant,),
        notes=("** À renseigner si l'apprenti(e) est mineur(e) non émancipé(e).",),
    )


def _maitre_column(p: Mapping, key: str, titre: str) -> CerfaColumn:
    return CerfaColumn(
        (
            Field("Nom de naissance", _text(p, f"{key}.nom")),
            Field("Prénom", _text(p, f"{key}.prenom")),
            Field("Date de naissance", _date(p, f"{key}.dateNaissance")),
            Field("Courriel", _text(p, f"{key}.courriel")),
            Field("Emploi occupé", _text(p, f"{key}.emploiOccupe")),
            Field(
                "Diplôme ou titre le plus élevé obtenu",
                _first(_text(p, f"{key}.intituleDiplomeObtenu"), _text(p, f"{key}.diplome")),
            ),
            Field(
                "Niveau de diplôme ou titre le plus élevé obtenu",
                _first(
                    codes.label(codes.NIVEAU_DIPLOME_MAITRE, get_path(p, f"{key}.niveauDiplomeObtenu")),
                    codes.label(codes.NIVEAU_DIPLOME_MAITRE, get_path(p, f"{key}.niveauDiplome")),
                ),
            ),
        ),
        titre=titre,
    )


def _maitres_block(p: Mapping) -> CerfaBlock:
    attests = _is_true(p, "employeur.attestationEligibilite") or _is_true(p, "maitre1.attestationEligibilite")
    return CerfaBlock(
        "LE(S) MAÎTRE(S) D'APPRENTISSAGE",
        (
            _maitre_column(p, "maitre1", "Maître d'apprentissage n° 1"),
            _maitre_column(p, "maitre2", "Maître d'apprentissage n° 2"),
        ),
        mentions=(
            f"{checkbox(attests)} L'employeur atteste sur l'honneur que le(s) maître(s) d'apprentissage répond(ent) "
            "à l'ensemble des critères d'éligibilité à cette fonction.",
        ),
    )


def _duree_hebdo(p: Mapping) -> str:
    heures = get_path(p, "contrat.dureeTravailHebdoHeures")
    if heures in (None, ""):
        return ""
    minutes = get_path(p, "contrat.dureeTravailHebdoMinutes") or 0
    try:
        return f"{int(heures)} h {int(minutes):02d}"
    except (TypeError, ValueError):
        return str(heures)


def _computed_salaries(p: Mapping, smic_table) -> dict[str, object]:
    """The gross pay of each period as the rules compute it (the back office's dated SMIC table, the rates
    typed), for periods the payload gives without it."""
    naissance = parse_date(get_path(p, "apprenti.dateNaissance"))
    debut = parse_date(get_path(p, "contrat.dateDebutContrat"))
    fin = parse_date(get_path(p, "contrat.dateFinContrat"))
    periods = get_path(p, "contrat.remunerationsAnnuelles")
    if not (naissance and debut and fin) or fin < debut or not isinstance(periods, list):
        return {}
    rates = {str(i.get("ordre")): i.get("taux") for i in periods if isinstance(i, dict) and i.get("ordre")}
    try:
        computed = remuneration_periods(
            date_naissance=naissance,
            date_debut_contrat=debut,
            date_fin_contrat=fin,
            smic_table=smic_table,
            mayotte=_text(p, "employeur.adresse.codePostal").startswith("976"),
            smc=get_path(p, "contrat.smc"),
            taux=rates,
        )
    except (ArithmeticError, ValueError, OverflowError):
        return {}
    return {period.ordre: period.salaire_brut for period in computed}


def _remunerations(p: Mapping, smic_table: tuple[SmicValue, ...] = SMIC_REFERENCE) -> Table | None:
    periods = get_path(p, "contrat.remunerationsAnnuelles")
    if not isinstance(periods, list) or not periods:
        return None
    computed = None
    rows = []
    for period in periods:
        if not isinstance(period, dict):
            continue
        brut = period.get("salaireBrut")
        if brut in (None, ""):
            computed = _computed_salaries(p, smic_table) if computed is None else computed
            brut = computed.get(str(period.get("ordre") or ""))
        rows.append(
            (
                str(period.get("ordre") or ""),
                format_date(parse_date(period.get("dateDebut"))),
                format_date(parse_date(period.get("dateFin"))),
                format_taux(period.get("taux")),
                codes.label(codes.TYPE_SALAIRE, period.get("typeSalaire")),
                format_montant(brut),
            )
        )
    if not rows:
        return None
    return Table(
        headers=("Année / période", "Du", "Au", "Taux", "Base", "Salaire brut mensuel"),
        rows=tuple(rows),
        numeric=(3, 5),
    )


def _contrat_block(p: Mapping, *, numero_depot: str = "", smic_table=SMIC_REFERENCE) -> CerfaBlock:
    c = "contrat"
    nourriture = format_montant(get_path(p, f"{c}.avantageNourriture"))
    logement = format_montant(get_path(p, f"{c}.avantageLogement"))
    left = [
        Field("Type de contrat ou d'avenant", _code(p, f"{c}.typeContratApp", codes.TYPE_CONTRAT)),
        Field("Type de dérogation", _code(p, f"{c}.typeDerogation", codes.TYPE_DEROGATION)),
        Field(
            "Numéro du contrat précédent ou du contrat sur lequel porte l'avenant",
            _text(p, f"{c}.numeroContratPrecedent"),
        ),
        Field("Mode contractuel de l'apprentissage", _code(p, f"{c}.modeContractuel", codes.MODE_CONTRACTUEL)),
        Field("Date de conclusion", _first(_date(p, f"{c}.dateConclusion"), _date(p, f"{c}.dateSignature"))),
        Field("Date de début d'exécution du contrat", _date(p, f"{c}.dateDebutContrat")),
        Field(
            "Date de début de la formation pratique chez l'employeur",
            _first(_date(p, f"{c}.dateFormationPratiqueEmployeur"), _date(p, f"{c}.dateDebutFormationPratique")),
        ),
        Field("Date d'effet de l'avenant", _date(p, f"{c}.dateEffetAvenant")),
        Field("Date de fin du contrat ou de la période d'apprentissage", _date(p, f"{c}.dateFinContrat")),
    ]
    right = [
        Field("Durée hebdomadaire du travail", _duree_hebdo(p)),
        Field(
            "Travail sur machines dangereuses ou exposition à des risques particuliers",
            _bool(p, f"{c}.travailRisque"),
        ),
        Field("Salaire brut mensuel à l'embauche", format_montant(get_path(p, f"{c}.salaireEmbauche"))),
        Field("Salaire minimum conventionnel", format_montant(get_path(p, f"{c}.smc"))),
        Field("Avantage en nature : nourriture", f"{nourriture} par repas" if nourriture else ""),
        Field("Avantage en nature : logement", f"{logement} par mois" if logement else ""),
        Field("Autre avantage en nature", _bool(p, f"{c}.autreAvantageEnNature")),
        Field("N° du contrat (DECA)", _first(numero_depot, _text(p, f"{c}.noContrat"), _text(p, "numeroDeca"))),
        Field("N° de l'avenant", _text(p, f"{c}.noAvenant")),
    ]
    return CerfaBlock(
        "LE CONTRAT",
        (CerfaColumn(tuple(left)), CerfaColumn(tuple(right))),
        tableau=_remunerations(p, smic_table),
        tableau_titre="Rémunération",
    )


def _formation_block(p: Mapping, ref: EtablissementInfo | None) -> CerfaBlock:
    o = "organismeFormation"
    siret = _text(p, f"{o}.siret")
    ref = _same(siret, ref)
    left = [
        Field("Formation dispensée par un CFA d'entreprise", _bool(p, f"{o}.formationInterne")),
        Field(
            "Dénomination du CFA responsable", _first(_text(p, f"{o}.denomination"), ref.raison_sociale if ref else "")
        ),
        Field("N° UAI du CFA", _first(_text(p, f"{o}.uaiCfa"), ref.uai if ref else "")),
        Field("N° SIRET du CFA", siret or (ref.siret if ref else "")),
        *_address_fields(p, f"{o}.adresse", ref),
    ]
    f = "formation"
    duree = get_path(p, f"{f}.dureeFormation")
    distanciel = get_path(p, f"{f}.nombreHeuresEnDistanciel")
    right = [
        Field("Diplôme ou titre visé par l'apprenti(e)", _code(p, f"{f}.typeDiplome", codes.DIPLOME)),
        Field("Intitulé précis", _text(p, f"{f}.intituleQualification")),
        Field("Code du diplôme", _text(p, f"{f}.codeDiplome")),
        Field("Code RNCP", _text(p, f"{f}.rncp")),
        Field("Date de début du cycle de formation", _date(p, f"{f}.dateDebutFormation")),
        Field("Date prévue de fin des épreuves ou examens", _date(p, f"{f}.dateFinFormation")),
        Field("Durée de la formation", f"{format_number(duree, 0)} heures" if duree not in (None, "") else ""),
        Field("dont heures en distanciel", format_number(distanciel, 0) if distanciel not in (None, "") else ""),
    ]
    lieu_key = next(
        (k for k in ("organismeFormationLieuFormationPrincipal", "etablissementFormation") if get_path(p, k)), ""
    )
    identique = get_path(p, f"{o}.lieuFormationIdentique")
    if identique is None:
        identique = get_path(p, "etablissementFormation.memeResponsable")
    lieu = CerfaBlock(
        "Lieu principal de réalisation de la formation (s'il diffère du CFA responsable)",
        (
            CerfaColumn(
                (
                    Field("Le lieu principal de formation est le CFA responsable", format_bool(identique)),
                    Field("Dénomination", _text(p, f"{lieu_key}.denomination") if lieu_key else ""),
                    Field("N° UAI", _text(p, f"{lieu_key}.uaiCfa") if lieu_key else ""),
                    Field("N° SIRET", _text(p, f"{lieu_key}.siret") if lieu_key else ""),
                )
            ),
            CerfaColumn(tuple(_address_fields(p, f"{lieu_key or 'organismeFormationLieuFormationPrincipal'}.adresse"))),
        ),
    )
    return CerfaBlock(
        "LA FORMATION",
        (CerfaColumn(tuple(left), titre="Le CFA responsable"), CerfaColumn(tuple(right), titre="La formation")),
        sous_blocs=(lieu,),
    )


def _signatures_block(p: Mapping, *, opco: Sender, reference: str, numero_depot: str, recu_le: str) -> CerfaBlock:
    lieu = _first(_text(p, "contrat.lieuSignatureContrat"), _text(p, "signatures.lieu"), _text(p, "contrat.lieu"))
    date_signature = _first(_date(p, "contrat.dateConclusion"), _date(p, "contrat.dateSignature"))
    pieces = _is_true(p, "employeur.attestationPieces") or _is_true(p, "signatures.attestationPiecesJustificatives")
    signatures = Table(
        headers=(
            "Signature de l'employeur",
            "Signature de l'apprenti(e)",
            "Signature du représentant légal de l'apprenti(e) mineur(e)",
        ),
        rows=(("", "", ""),),
        row_height_mm=22,
    )
    cadre = CerfaBlock(
        "Cadre réservé à l'organisme en charge du dépôt du contrat",
        (
            CerfaColumn((Field("Nom de l'organisme", opco.nom), Field("N° du dossier", reference))),
            CerfaColumn((Field("N° de dépôt", numero_depot), Field("Date de réception du dossier", recu_le))),
        ),
    )
    return CerfaBlock(
        "SIGNATURES",
        (CerfaColumn((Field("Fait à", lieu),)), CerfaColumn((Field("Le", date_signature),))),
        mentions=(
            f"{checkbox(pieces)} L'employeur atteste disposer de l'ensemble des pièces justificatives nécessaires "
            "au dépôt du contrat.",
        ),
        tableau=signatures,
        sous_blocs=(cadre,),
    )


def cerfa_context_from_payload(
    payload: Mapping | None,
    *,
    today: date,
    opco: Sender,
    reference: str = "",
    etat: str = "",
    brouillon: bool = False,
    numero_depot: str = "",
    recu_le: date | None = None,
    employeur: EtablissementInfo | None = None,
    cfa: EtablissementInfo | None = None,
    smic_table: tuple[SmicValue, ...] = SMIC_REFERENCE,
) -> CerfaContext:
    """The « formulaire reconstitué » of a CERFA payload (norm field names); pure, no database.

    The edition printed is the payload's ``versionCERFA``, else the current one (10103*14); the N° de dépôt
    (DECA) is printed in the contract-number field; a period without its gross pay gets the one the rules
    compute with ``smic_table``."""
    p: Mapping = payload if isinstance(payload, Mapping) else {}
    version = _text(p, "versionCERFA")
    numero = version if version.startswith(CERFA_NUMBER) and "*" in version else CERFA_VERSION
    blocs = (
        _employeur_block(p, employeur),
        _apprenti_block(p),
        _maitres_block(p),
        _contrat_block(p, numero_depot=numero_depot, smic_table=smic_table),
        _formation_block(p, cfa),
        _signatures_block(p, opco=opco, reference=reference, numero_depot=numero_depot, recu_le=format_date(recu_le)),
    )
    avertissement = (
        "Brouillon — document de travail, non transmis à l'OPCO : les champs non encore saisis sont laissés en blanc."
        if brouillon
        else "Formulaire reconstitué à partir des données transmises. Le CERFA signé par toutes les parties n'est pas "
        "à transmettre à l'OPCO ; l'organisme de formation le tient à sa disposition sur demande."
    )
    return CerfaContext(
        titre="CONTRAT D'APPRENTISSAGE",
        sous_titre="Code du travail, articles L.6211-1 et suivants — formulaire reconstitué",
        cerfa_numero=f"Cerfa n° {numero}",
        reference=reference,
        etat=etat,
        brouillon=brouillon,
        avertissement=avertissement,
        blocs=blocs,
        date_edition=format_date(today),
        opco=opco,
        document_titre=f"Contrat d'apprentissage {reference}".strip()
        if reference
        else "Contrat d'apprentissage (brouillon)",
    )


def cerfa_context(dossier: Dossier, *, today: date | None = None, opco: Sender | None = None) -> CerfaContext:
    if dossier.dispositif != Dispositif.APPRENTISSAGE:
        raise DocumentError(
            "Le CERFA FA13 (n° 10103) ne concerne que les contrats d'apprentissage ; ce dossier relève du dispositif "
            f"« {Dispositif(dossier.dispositif).label} »."
        )
    return cerfa_context_from_payload(
        dossier.donnees,
        today=_today(today),
        opco=opco or sender_from_settings(),
        reference=dossier.reference if dossier.numero else "",
        etat=EtatDossier(dossier.etat).label,
        brouillon=dossier.etat == EtatDossier.BROUILLON,
        numero_depot=dossier.numero_depot,
        recu_le=local_date(dossier.transmitted_at),
        employeur=etablissement_info(_related(dossier, "entreprise")),
        cfa=etablissement_info(_related(dossier, "of_etablissement")),
        smic_table=smic_table(),
    )
