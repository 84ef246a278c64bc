"""Domain objects → document contexts (plain frozen data, every value formatted in French).

Reads models, never writes them, never decides: what a letter says follows from its type and
the ``contexte`` the service recorded when it requested it. Functions taking a payload
(:func:`cerfa_context_from_payload`) need neither the database nor files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from cases.models import (
    Courrier,
    Destinataire,
    Dossier,
    Facture,
    LigneFinancement,
    ModeReglement,
    NatureFinancement,
    Reglement,
    TypeCourrier,
)
from documents import cerfa_codes as codes
from documents.contexts import (
    Addressee,
    AvisPaiementContext,
    CerfaBlock,
    CerfaColumn,
    CerfaContext,
    CourrierContext,
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
from rules.lifecycles import Dispositif, EtatDossier
from rules.motifs import MOTIFS_RUPTURE

DEFAULT_OPCO_NAME = "OPCO Mobilités"
CERFA_NUMBER = "10103"


def sender_from_settings() -> Sender:
    """The OPCO that signs: ``PORTAIL_OPCO_NAME``, ``PORTAIL_OPCO_ADDRESS``, ``PORTAIL_OPCO_SIGNATORY``."""
    nom = getattr(settings, "PORTAIL_OPCO_NAME", DEFAULT_OPCO_NAME) or DEFAULT_OPCO_NAME
    adresse = getattr(settings, "PORTAIL_OPCO_ADDRESS", ()) or ()
    if isinstance(adresse, str):
        adresse = tuple(line.strip() for line in adresse.splitlines() if line.strip())
    signataire = getattr(settings, "PORTAIL_OPCO_SIGNATORY", "") or "Le service Gestion des dossiers"
    return Sender(nom=nom, adresse=tuple(adresse), signataire=signataire)


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
    notes = [
        "* Pour les employeurs du secteur public, adhésion de l'apprenti au régime spécifique d'assurance chômage : "
        + _bool(p, "employeur.regimeSpecifique")
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


def _remunerations(p: Mapping) -> Table | None:
    periods = get_path(p, "contrat.remunerationsAnnuelles")
    if not isinstance(periods, list) or not periods:
        return None
    rows = []
    for period in periods:
        if not isinstance(period, dict):
            continue
        rows.append(
            (
                str(period.get("ordre") or ""),
                format_date(parse_date(period.get("dateDebut"))),
                format_date(parse_date(period.get("dateFin"))),
                format_taux(period.get("taux")),
                codes.label(codes.TYPE_SALAIRE, period.get("typeSalaire")),
                format_montant(period.get("salaireBrut")),
            )
        )
    if not rows:
        return None
    return Table(
        headers=("Année / période", "Du", "Au", "Taux", "Base", "Salaire brut mensuel"),
        rows=tuple(rows),
        numeric=(3, 5),
    )


def _contrat_block(p: Mapping) -> CerfaBlock:
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
        Field("N° du contrat (DECA)", _first(_text(p, f"{c}.noContrat"), _text(p, "numeroDeca"))),
        Field("N° de l'avenant", _text(p, f"{c}.noAvenant")),
    ]
    return CerfaBlock(
        "LE CONTRAT",
        (CerfaColumn(tuple(left)), CerfaColumn(tuple(right))),
        tableau=_remunerations(p),
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
) -> CerfaContext:
    """The « formulaire reconstitué » of a CERFA payload (norm field names); pure, no database."""
    p: Mapping = payload if isinstance(payload, Mapping) else {}
    version = _text(p, "versionCERFA")
    numero = version if version.startswith(CERFA_NUMBER) else CERFA_NUMBER
    blocs = (
        _employeur_block(p, employeur),
        _apprenti_block(p),
        _maitres_block(p),
        _contrat_block(p),
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
    )


# --- Courriers -------------------------------------------------------------------------------

SALUTATION = "Madame, Monsieur,"
FORMULE = "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
PORTAIL_RAPPEL = "Vous pouvez suivre votre dossier et consulter l'ensemble de vos courriers sur le portail."


def salarie_nom(dossier: Dossier) -> str:
    return join_nonempty([dossier.salarie_prenom, (dossier.salarie_nom or "").upper()])


def dossier_references(dossier: Dossier) -> list[Field]:
    refs = [
        Field("N° du dossier", dossier.reference if dossier.numero else ""),
        Field("N° de dépôt", dossier.numero_depot),
        Field("Dispositif", Dispositif(dossier.dispositif).label),
        Field("Salarié(e)", salarie_nom(dossier)),
        Field("Formation", dossier.formation_intitule),
    ]
    for label, etab in (
        ("Entreprise", _related(dossier, "entreprise")),
        ("Organisme de formation", _related(dossier, "of_etablissement")),
    ):
        if etab is not None:
            refs.append(Field(label, f"{etab.raison_sociale} (SIRET {etab.siret})"))
    return [r for r in refs if r.value]


def facture_references(facture: Facture) -> list[Field]:
    refs = [
        Field("Facture n°", str(facture.numero)),
        Field("Référence de la facture", facture.reference),
        Field("Date de la facture", format_date(facture.date_facture)),
        Field("Montant HT", format_montant(facture.montant_ht)),
        Field("Montant TTC", format_montant(facture.montant_ttc)),
    ]
    return refs + dossier_references(facture.dossier)


def financement_table(lines: Iterable[LigneFinancement]) -> Table | None:
    lines = sorted(
        lines,
        key=lambda line: (
            list(NatureFinancement.values).index(line.nature) if line.nature in NatureFinancement.values else 99
        ),
    )
    if not lines:
        return None
    rows = []
    total_demande, total_pec = Decimal("0"), Decimal("0")
    for line in lines:
        label = NatureFinancement(line.nature).label if line.nature in NatureFinancement.values else line.nature
        pec = line.montant_pris_en_charge
        rows.append((label, format_montant(line.montant_demande), format_montant(pec) if pec is not None else "—"))
        total_demande += line.montant_demande or Decimal("0")
        total_pec += pec or Decimal("0")
    return Table(
        headers=("Nature (montants HT)", "Demandé", "Pris en charge"),
        rows=tuple(rows),
        total=("Total", format_montant(total_demande), format_montant(total_pec)),
        numeric=(1, 2),
    )


def pieces_table(contexte: Mapping) -> Table | None:
    pieces = contexte.get("pieces") or []
    rows = []
    for piece in pieces:
        if isinstance(piece, Mapping):
            rows.append((str(piece.get("code") or ""), str(piece.get("libelle") or piece.get("code") or "")))
        elif piece:
            rows.append((str(piece), str(piece)))
    if not rows:
        return None
    return Table(headers=("Code", "Pièce attendue"), rows=tuple(rows))


def reglement_factures_table(reglement: Reglement) -> Table:
    rows = []
    for ligne in reglement.lignes.select_related("facture", "dossier").order_by("facture__numero"):
        facture = ligne.facture
        rows.append(
            (
                str(facture.numero),
                facture.reference,
                format_date(facture.date_facture),
                ligne.dossier.reference if ligne.dossier.numero else "",
                salarie_nom(ligne.dossier),
                format_montant(ligne.montant_ttc),
            )
        )
    return Table(
        headers=("Facture n°", "Référence", "Date de la facture", "N° du dossier", "Salarié(e)", "Montant TTC"),
        rows=tuple(rows),
        total=("Total", "", "", "", "", format_montant(reglement.montant_total_ttc)),
        numeric=(5,),
    )


def _mode_label(mode: str) -> str:
    return ModeReglement(mode).label if mode in ModeReglement.values else mode


def _contexte_text(contexte: Mapping, key: str) -> str:
    value = contexte.get(key)
    return str(value).strip() if value not in (None, "") else ""


def _dossier_of(courrier: Courrier) -> Dossier | None:
    if courrier.dossier_id:
        return courrier.dossier
    if courrier.facture_id:
        return courrier.facture.dossier
    return None


def _dispositif_phrase(dossier: Dossier) -> str:
    label = Dispositif(dossier.dispositif).label
    return label[0].lower() + label[1:]


@dataclass
class _Letter:
    objet: str
    paragraphes: list[str]
    tableau: Table | None = None
    tableau_titre: str = ""
    apres: list[str] | None = None


def _letter_accuse(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    recu = format_date(local_date(dossier.transmitted_at) or local_date(dossier.created_at))
    if dossier.version > 1:
        objet = f"Accusé de réception de l'avenant n° {dossier.version - 1} au dossier {dossier.numero}"
        first = (
            f"Nous accusons réception, le {recu}, de l'avenant au dossier de {_dispositif_phrase(dossier)} "
            f"n° {dossier.numero}. Il est enregistré sous la référence {dossier.reference}."
        )
    else:
        objet = "Accusé de réception de votre dossier"
        first = (
            f"Nous accusons réception, le {recu}, de votre dossier de {_dispositif_phrase(dossier)}. "
            f"Il est enregistré sous le n° {dossier.reference} : merci de rappeler ce numéro dans toute correspondance."
        )
    return _Letter(
        objet,
        [
            first,
            "Nos services vont l'instruire. La décision de prise en charge intervient dans un délai de 20 jours "
            "à compter de la réception du dossier complet ; si une pièce manque, nous vous la demanderons "
            "par courrier.",
            PORTAIL_RAPPEL,
        ],
    )


def _letter_demande_pieces(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    apres = []
    commentaire = _contexte_text(ctx, "commentaire")
    if commentaire:
        apres.append(f"Précisions du gestionnaire : {commentaire}")
    apres += [
        "Merci de déposer ces pièces sur le portail, depuis le dossier (bouton « Ajouter une pièce jointe »). "
        "L'instruction reprendra à leur réception ; le délai de décision court à compter de la réception du dossier "
        "complet.",
    ]
    return _Letter(
        "Demande de pièces complémentaires",
        [
            f"Après examen du dossier n° {dossier.reference}, nous ne pouvons pas poursuivre son instruction "
            "en l'état. "
            "Il nous manque les pièces suivantes :"
        ],
        pieces_table(ctx),
        "Pièces attendues",
        apres,
    )


def _letter_relance(courrier: Courrier, dossier: Dossier | None, ctx: Mapping) -> _Letter:
    date_demande = format_date(parse_date(ctx.get("date_demande")))
    rang = _contexte_text(ctx, "rang") or _contexte_text(ctx, "numero_relance")
    if courrier.facture_id and not courrier.dossier_id:
        sujet = f"la facture n° {courrier.facture.numero} (référence {courrier.facture.reference})"
    else:
        sujet = f"le dossier n° {dossier.reference}"
    first = (
        f"Par courrier du {date_demande}, nous vous avons demandé des pièces pour {sujet}."
        if date_demande
        else f"Nous vous avons demandé des pièces pour {sujet}."
    )
    table = pieces_table(ctx)
    first += " Sauf erreur de notre part, elles ne nous sont pas encore parvenues" + (
        " ; il s'agit des pièces suivantes :" if table else "."
    )
    apres = []
    commentaire = _contexte_text(ctx, "commentaire")
    if commentaire:
        apres.append(f"Précisions du gestionnaire : {commentaire}")
    apres.append(
        "Merci de les déposer sur le portail dans les meilleurs délais : sans ces pièces, l'instruction ne peut "
        "pas aboutir. Si vous les avez déjà envoyées, ne tenez pas compte de ce courrier."
    )
    objet = "Relance : pièces attendues" + (f" (relance n° {rang})" if rang else "")
    return _Letter(objet, [first], table, "Pièces attendues", apres)


def _letter_accord(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    table = financement_table(dossier.financements.all())
    if dossier.subroge:
        paiement = (
            "Le financement est versé directement à l'organisme de formation (subrogation de paiement), "
            "sur présentation de ses factures déposées sur le portail, dans la limite des montants pris en charge."
        )
    else:
        paiement = (
            "Le financement est versé à l'entreprise sur présentation de ses justificatifs, dans la limite des "
            "montants pris en charge."
        )
    apres = [paiement]
    commentaire = _contexte_text(ctx, "commentaire")
    if commentaire:
        apres.append(f"Précisions du gestionnaire : {commentaire}")
    return _Letter(
        "Accord de prise en charge",
        [
            f"Nous avons le plaisir de vous informer que la prise en charge du dossier n° {dossier.reference} "
            "est accordée, dans les conditions suivantes (montants hors taxes) :"
        ],
        table,
        "Accord de financement",
        apres,
    )


def _letter_refus(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    motif = _contexte_text(ctx, "motif_libelle") or _contexte_text(ctx, "motif")
    explication = _contexte_text(ctx, "explication")
    paragraphes = [
        f"Nous sommes au regret de vous informer que la demande de prise en charge du dossier n° {dossier.reference} "
        "ne peut pas être accordée.",
        f"Motif du refus : {motif}." if motif else "",
        explication,
        "Pour toute question sur cette décision, vous pouvez contacter votre gestionnaire depuis le portail.",
    ]
    return _Letter("Refus de prise en charge", [p for p in paragraphes if p])


def _letter_annulation(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    motif = _contexte_text(ctx, "motif_libelle") or _contexte_text(ctx, "motif")
    paragraphes = [
        f"Nous vous informons que le dossier n° {dossier.reference} est annulé.",
        f"Motif de l'annulation : {motif}" if motif else "",
        "Aucune facture ne pourra plus être déposée sur ce dossier.",
        PORTAIL_RAPPEL,
    ]
    return _Letter("Annulation du dossier", [p for p in paragraphes if p])


def _letter_avenant(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    date_effet = format_date(
        parse_date(ctx.get("date_effet") or get_path(dossier.donnees or {}, "contrat.dateEffetAvenant"))
    )
    previous = dossier.version_precedente
    first = (
        f"Nous vous informons que l'avenant au dossier n° {dossier.numero} est accordé : la version {dossier.reference}"
    )
    first += f" remplace la version {previous.reference}" if previous is not None and previous.numero else ""
    first += f", à compter du {date_effet}." if date_effet else "."
    paragraphes = [first]
    motif = _contexte_text(ctx, "motif")
    if motif:
        paragraphes.append(f"Objet de l'avenant : {motif}")
    table = financement_table(dossier.financements.all())
    if table is not None:
        paragraphes.append("L'accord de financement s'établit désormais comme suit (montants hors taxes) :")
    return _Letter(
        f"Avenant au dossier n° {dossier.numero}", paragraphes, table, "Accord de financement", [PORTAIL_RAPPEL]
    )


def _letter_rupture(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    date_rupture = format_date(parse_date(ctx.get("date_rupture")) or dossier.date_rupture)
    code = _contexte_text(ctx, "motif") or dossier.motif_rupture
    motif = _contexte_text(ctx, "motif_libelle") or MOTIFS_RUPTURE.get(code, code)
    paragraphes = [
        f"Nous prenons acte de la rupture du contrat du dossier n° {dossier.reference}"
        + (f", à la date du {date_rupture}." if date_rupture else "."),
        f"Motif de la rupture : {motif}." if motif else "",
        "La prise en charge prend fin à cette date. Les frais de formation engagés jusqu'à la rupture peuvent être "
        "facturés sur le portail, dans la limite de l'accord de financement.",
    ]
    return _Letter("Prise en compte de la rupture du contrat", [p for p in paragraphes if p])


def _letter_facture_pieces(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    facture = courrier.facture
    apres = []
    commentaire = _contexte_text(ctx, "commentaire")
    if commentaire:
        apres.append(f"Précisions du gestionnaire : {commentaire}")
    apres.append(
        "Merci de déposer ces pièces sur le portail, depuis la facture (bouton « Déposer une pièce complémentaire "
        "à la facture »). Le traitement de la facture reprendra à leur réception."
    )
    return _Letter(
        f"Demande de pièces sur la facture n° {facture.numero}",
        [
            f"Nous ne pouvons pas traiter en l'état votre facture n° {facture.numero} (référence {facture.reference}, "
            f"du {format_date(facture.date_facture)}, d'un montant de {format_montant(facture.montant_ttc)} TTC). "
            "Il nous manque les pièces suivantes :"
        ],
        pieces_table(ctx),
        "Pièces attendues",
        apres,
    )


def _letter_facture_rejet(courrier: Courrier, dossier: Dossier, ctx: Mapping) -> _Letter:
    facture = courrier.facture
    motif = _contexte_text(ctx, "motif_libelle") or _contexte_text(ctx, "motif")
    explication = _contexte_text(ctx, "explication")
    if not motif and facture.motif_rejet:
        motif = facture.motif_rejet
    paragraphes = [
        f"Nous vous informons que votre facture n° {facture.numero} (référence {facture.reference}, du "
        f"{format_date(facture.date_facture)}, d'un montant de {format_montant(facture.montant_ttc)} TTC) est rejetée.",
        f"Motif du rejet : {motif}." if motif else "",
        explication,
        "Vous pouvez déposer une facture rectifiée sur le portail.",
    ]
    return _Letter(f"Rejet de la facture n° {facture.numero}", [p for p in paragraphes if p])


def _letter_avis_paiement(courrier: Courrier, reglement: Reglement) -> _Letter:
    return _Letter(
        f"Avis de paiement — règlement n° {reglement.numero}",
        [
            f"Nous vous informons du paiement, le {format_date(reglement.date_paiement)}, de la somme de "
            f"{format_montant(reglement.montant_total_ttc)} TTC ({_mode_label(reglement.mode).lower()}, référence "
            f"{reglement.reference_virement}). Ce règlement solde les factures suivantes :"
        ],
        reglement_factures_table(reglement),
        "Factures réglées",
        [PORTAIL_RAPPEL],
    )


_DOSSIER_LETTERS = {
    TypeCourrier.ACCUSE_RECEPTION: _letter_accuse,
    TypeCourrier.DEMANDE_PIECES: _letter_demande_pieces,
    TypeCourrier.RELANCE: _letter_relance,
    TypeCourrier.ACCORD: _letter_accord,
    TypeCourrier.REFUS: _letter_refus,
    TypeCourrier.ANNULATION: _letter_annulation,
    TypeCourrier.AVENANT: _letter_avenant,
    TypeCourrier.RUPTURE: _letter_rupture,
    TypeCourrier.FACTURE_DEMANDE_PIECES: _letter_facture_pieces,
    TypeCourrier.FACTURE_REJET: _letter_facture_rejet,
}
_FACTURE_TYPES = {TypeCourrier.FACTURE_DEMANDE_PIECES, TypeCourrier.FACTURE_REJET}


def courrier_context(courrier: Courrier, *, today: date | None = None, opco: Sender | None = None) -> CourrierContext:
    """The letter of a courrier of any :class:`~cases.models.TypeCourrier`."""
    opco = opco or sender_from_settings()
    ctx = courrier.contexte if isinstance(courrier.contexte, Mapping) else {}
    emission = local_date(courrier.emis_at) or _today(today)
    try:
        type_ = TypeCourrier(courrier.type)
    except ValueError:
        raise DocumentError(f"Type de courrier inconnu : « {courrier.type} ».") from None
    if type_ == TypeCourrier.AVIS_PAIEMENT:
        if not courrier.reglement_id:
            raise DocumentError("Un avis de paiement doit être rattaché à un règlement.")
        reglement = courrier.reglement
        letter = _letter_avis_paiement(courrier, reglement)
        references = [
            Field("Règlement n°", reglement.numero),
            Field("Référence du virement", reglement.reference_virement),
            Field("Date de paiement", format_date(reglement.date_paiement)),
        ]
    else:
        if type_ in _FACTURE_TYPES and not courrier.facture_id:
            raise DocumentError(f"Le courrier « {type_.label} » doit être rattaché à une facture.")
        dossier = _dossier_of(courrier)
        if dossier is None:
            raise DocumentError(f"Le courrier « {type_.label} » doit être rattaché à un dossier ou à une facture.")
        letter = _DOSSIER_LETTERS[type_](courrier, dossier, ctx)
        references = facture_references(courrier.facture) if courrier.facture_id else dossier_references(dossier)
    ville = getattr(settings, "PORTAIL_OPCO_CITY", "") or ""
    date_text = format_date(emission)
    destinataire = addressee(courrier.destinataire_etablissement)
    cible = "OF" if courrier.destinataire == Destinataire.OF else "Entreprise"
    ref_doc = next((r.value for r in references if r.label in ("N° du dossier", "Règlement n°", "Facture n°")), "")
    return CourrierContext(
        type=type_.value,
        titre=type_.label,
        opco=opco,
        destinataire=destinataire,
        date_emission=date_text,
        lieu_date=f"{ville}, le {date_text}" if ville else f"Le {date_text}",
        references=tuple(references),
        objet=letter.objet,
        salutation=SALUTATION,
        paragraphes=tuple(letter.paragraphes),
        tableau=letter.tableau,
        tableau_titre=letter.tableau_titre,
        paragraphes_apres=tuple(letter.apres or ()),
        formule=FORMULE,
        signature=(opco.signataire, opco.nom),
        document_titre=join_nonempty([type_.label, f"({cible})", ref_doc]),
    )


# --- Avis de paiement (« Imprimer » on a règlement) -------------------------------------------


def avis_paiement_context(
    reglement: Reglement, *, today: date | None = None, opco: Sender | None = None
) -> AvisPaiementContext:
    opco = opco or sender_from_settings()
    beneficiaire = addressee(reglement.beneficiaire)
    return AvisPaiementContext(
        titre="Avis de paiement",
        opco=opco,
        numero=reglement.numero,
        date_paiement=format_date(reglement.date_paiement),
        beneficiaire=beneficiaire,
        transaction=(
            Field("Mode de règlement", _mode_label(reglement.mode)),
            Field("Référence", reglement.reference_virement),
            Field("Date de paiement", format_date(reglement.date_paiement)),
            Field("Montant TTC", format_montant(reglement.montant_total_ttc)),
        ),
        factures=reglement_factures_table(reglement),
        date_edition=format_date(_today(today)),
        document_titre=f"Règlement n° {reglement.numero}",
    )
