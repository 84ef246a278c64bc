"""Request (``…In``) and response (``…Out``) schemas of the API, French field names as in the guide
and the API CFA norm. Amounts are decimal strings (``"6795.83"``), dates ISO ``AAAA-MM-JJ``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

from ninja import Field, Schema

T = TypeVar("T")

Montant = Decimal


class PageOut(Schema, Generic[T]):
    total: int = Field(description="Nombre total d'éléments qui répondent aux filtres")
    page: int
    taille: int = Field(description="Lignes par page")
    elements: list[T]


class Libelle(Schema):
    code: str
    libelle: str


class EtablissementCourt(Schema):
    id: int
    siret: str
    raison_sociale: str


class MessageOut(Schema):
    description: str
    nombre: int | None = None


# --- Authentification ---------------------------------------------------------------------------


class ConnexionIn(Schema):
    email: str = Field(max_length=254)
    mot_de_passe: str = Field(max_length=200)


class CsrfOut(Schema):
    csrf_token: str


class HabilitationOut(Schema):
    etablissement: EtablissementCourt
    role: str
    role_libelle: str
    principal: bool
    droits: list[Libelle]


class UtilisateurProfil(Schema):
    id: int
    email: str
    nom: str
    prenom: str
    sexe: str
    gestionnaire_opco: bool
    mail_quotidien: bool


class CleProfil(Schema):
    id: int
    prefixe: str
    etablissement: EtablissementCourt
    expire_le: datetime


class ProfilOut(Schema):
    type: Literal["utilisateur", "cle"]
    utilisateur: UtilisateurProfil | None = None
    cle: CleProfil | None = None
    habilitations: list[HabilitationOut]


class PreferencesIn(Schema):
    mail_quotidien: bool = Field(
        description="Mail quotidien d'information de dépôt de courrier sur mes demandes (activé par défaut)"
    )


class PreferencesOut(Schema):
    mail_quotidien: bool


# --- Tableau de bord -------------------------------------------------------------------------


class CompteurOut(Schema):
    code: str
    libelle: str
    nombre: int
    lien: str = Field(description="La liste filtrée correspondante")


class NouveauteOut(Schema):
    date: date
    titre: str
    description: str


class GuideOut(Schema):
    titre: str
    version: str
    lien: str


class CompteurMontantOut(CompteurOut):
    montant: Decimal = Field(description="Montant total (€), en chaîne décimale")


class TableauDeBordOut(Schema):
    etablissement: EtablissementCourt | None
    dossiers_en_cours_de_traitement: list[CompteurOut]
    dossiers_en_attente_de_pieces: list[CompteurOut]
    factures: list[CompteurOut]
    echeances: list[CompteurMontantOut] = Field(
        default_factory=list,
        description="Échéances des contrats d'apprentissage : « à facturer » (ouvertes, reste à facturer) "
        "et « à venir »",
    )
    notifications_non_lues: CompteurOut
    mises_a_jour: list[NouveauteOut]
    guide: GuideOut


# --- Dossiers --------------------------------------------------------------------------------


class DossierLigneOut(Schema):
    id: int
    numero: str | None = Field(description="N° de dossier « 3866466.1 » (vide pour un brouillon)")
    dispositif: str
    etat: str
    etat_libelle: str
    subroge: bool
    nom: str
    prenom: str
    etablissement: EtablissementCourt | None = Field(description="L'entreprise (employeur)")
    numero_deca: str
    formation: str
    date_debut_contrat: date | None
    date_fin_contrat: date | None
    date_creation: datetime
    date_modification: datetime
    lien: str


class OrganismeOut(Schema):
    id: int
    raison_sociale: str
    siret: str
    uai: str
    nda: str


class EntrepriseOut(Schema):
    id: int
    raison_sociale: str
    siret: str
    adresse: str
    code_postal: str
    ville: str


class SalarieOut(Schema):
    nom: str
    prenom: str
    date_naissance: date | None


class FormationOut(Schema):
    intitule: str
    rncp: str
    date_debut: date | None
    date_fin: date | None


class ContratOut(Schema):
    date_debut: date | None
    date_fin: date | None
    date_rupture: date | None
    motif_rupture: str


class LigneFinancementOut(Schema):
    nature: str
    libelle: str
    montant_demande: Montant
    montant_pris_en_charge: Montant | None


class AccordFinancementOut(Schema):
    lignes: list[LigneFinancementOut]
    total_demande: Montant
    total_pris_en_charge: Montant | None


class CourrierOut(Schema):
    id: int
    nom: str
    type: str
    type_libelle: str
    destinataire: str
    date_emission: datetime | None
    telechargement: str | None


class FactureDeposeeOut(Schema):
    id: int
    numero: int
    reference: str
    nom_fichier: str
    date_envoi: datetime
    etat: str
    etat_libelle: str
    lien: str


class PieceOut(Schema):
    id: int
    nom: str
    taille: int
    date_envoi: datetime
    telechargement: str


class EvenementOut(Schema):
    date: datetime
    transition: str
    libelle: str
    de: str
    de_libelle: str
    vers: str
    vers_libelle: str
    acteur: str
    canal: str
    motif: str
    details: dict


class EcheanceOut(Schema):
    numero: int
    codification: str = Field(description="« E1 », « E2 »…")
    libelle: str
    annee: int = Field(description="Année d'exécution du contrat")
    nature: Literal["avance", "acompte", "solde"]
    taux: int | None = Field(description="% du montant de l'année (vide : solde d'une année partielle)")
    date_ouverture: date = Field(description="Date à partir de laquelle l'échéance peut être facturée")
    date_debut: date
    date_fin: date
    montant_total: Montant
    montant_regle: Montant
    montant_en_instruction: Montant
    reste_a_facturer: Montant
    trop_percu: Montant
    statut: Literal["payee", "en_instruction", "partiellement_payee", "a_venir", "a_facturer", "annulee"]
    statut_libelle: str


class EcheancierOut(Schema):
    regime: str
    regime_libelle: str
    npec_annuel: Montant | None
    npec_origine: str = Field(description="« référentiel des NPEC » ou « niveau d'amorçage »")
    engagement: Montant = Field(description="NPEC engagé : les échéances et la participation de l'employeur")
    participation_employeur: Montant
    total_echeances: Montant
    montant_regle: Montant
    montant_en_instruction: Montant
    a_facturer: Montant = Field(description="Reste à facturer des échéances ouvertes")
    a_venir: Montant = Field(description="Reste des échéances pas encore ouvertes")
    trop_percu: Montant
    echeances: list[EcheanceOut]


class SyntheseTotauxOut(Schema):
    courriers: int
    factures: int
    pieces_jointes: int
    historique: int


class SyntheseLiensOut(Schema):
    courriers: str
    factures: str
    pieces_jointes: str
    historique: str


class DossierOut(Schema):
    id: int
    numero: str | None
    version: int
    dispositif: str
    dispositif_libelle: str
    etat: str
    etat_libelle: str
    subroge: bool
    numero_depot: str
    organisme_formation: OrganismeOut
    entreprise: EntrepriseOut | None
    salarie: SalarieOut
    formation: FormationOut
    contrat: ContratOut
    accord_financement: AccordFinancementOut
    courriers: list[CourrierOut]
    factures: list[FactureDeposeeOut]
    pieces_jointes: list[PieceOut]
    actions: list[Libelle]
    historique: list[EvenementOut]
    commentaire: str
    version_precedente_id: int | None
    avenant_id: int | None
    date_creation: datetime
    date_transmission: datetime | None
    date_decision: datetime | None
    cerfa: str = Field(description="« Afficher » : le CERFA (PDF)")
    echeancier: EcheancierOut | None = Field(
        None, description="Contrat d'apprentissage accordé : l'engagement et les échéances du NPEC"
    )
    totaux: SyntheseTotauxOut = Field(
        description="Nombre total de courriers, factures, pièces jointes et événements : la synthèse donne les 20 "
        "derniers de chacun (l'historique : les 20 derniers événements, dans l'ordre chronologique)"
    )
    voir_tout: SyntheseLiensOut = Field(description="« Voir tout » : les listes paginées complètes")


class DossierEtatOut(Schema):
    id: int
    numero: str | None
    etat: str
    etat_libelle: str
    lien: str


class AvenantIn(Schema):
    type_avenant: int = Field(ge=31, le=38, description="Type d'avenant (codes 31 à 38, voir /referentiels)")
    date_effet: date = Field(description="Date d'effet de l'avenant (dans la période du contrat)")
    motif: str = Field(min_length=1, max_length=2000, description="Objet de l'avenant")
    cerfa: dict | None = Field(None, description="Le CERFA modifié (norme API CFA) ; à défaut, celui du dossier")


class RuptureIn(Schema):
    date_rupture: date
    motif: str = Field(description="Code du motif de rupture (voir /referentiels)")
    initiateur: str = Field(description="Qui rompt le contrat : employeur, apprenti ou commun")
    formation_poursuivie: bool = Field(description="L'apprenti poursuit-il sa formation au CFA ?")
    commentaire: str = Field("", max_length=2000)


class PeriodeRemunerationOut(Schema):
    ordre: str = Field(description="1.1, 1.2, 2.1 …")
    date_debut: date
    date_fin: date
    annee: int
    age: int
    taux_minimal: int
    taux: Decimal = Field(description="Taux saisi, sinon le taux minimal")
    type_salaire: Literal["SMIC", "SMC"]
    base: Montant | None = Field(description="SMIC (ou SMC) mensuel en vigueur au début du contrat")
    salaire_brut_minimal: Montant | None
    salaire_brut: Montant | None


class FinancementDemandeOut(Schema):
    npec_annuel: Montant | None
    npec_origine: str
    lignes: list[LigneFinancementOut]
    total_demande: Montant


class VerificationOut(Schema):
    valide: bool
    complet: bool
    completude: int
    blocs: list[dict]
    erreurs: list[dict] = Field(description="Chaque problème : code, description, champ (chemin du champ)")
    remuneration: list[PeriodeRemunerationOut] = Field(
        default_factory=list, description="Les périodes calculées (à reprendre dans contrat.remunerationsAnnuelles)"
    )
    salaire_embauche: Montant | None = Field(None, description="Salaire de la période 1.1 (contrat.salaireEmbauche)")
    financement: FinancementDemandeOut | None = Field(None, description="Le « Demandé » de la transmission")


class EntrepriseTrouveeOut(Schema):
    id: int
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    ville: str
    naf: str
    idcc: str
    libelle_idcc: str
    effectif: int | None
    type_employeur: int | None


# --- Notifications ------------------------------------------------------------------------------


class NotificationOut(Schema):
    id: int
    lue: bool
    date: datetime
    message: str
    numero_dossier: str | None
    dossier_id: int | None
    dispositif: str | None
    facture_id: int | None
    reglement_id: int | None
    courrier: CourrierOut
    siret: str
    raison_sociale: str
    prenom_stagiaire: str
    nom_stagiaire: str
    examiner: str


class ExamenOut(Schema):
    type: Literal["dossier", "facture", "paiement"]
    dossier: DossierOut | None = None
    facture: FactureOut | None = None
    paiement: PaiementOut | None = None


# --- Factures -------------------------------------------------------------------------------------


class DossierCourt(Schema):
    id: int
    numero: str | None


class LigneDeFactureOut(Schema):
    dossier: DossierCourt
    nature: str
    nature_libelle: str
    echeance: str | None = Field(description="Codification de l'échéance facturée (« E1 »)")
    montant: Montant
    quantite: int


class FactureLigneOut(Schema):
    id: int
    numero: int
    emetteur: EtablissementCourt
    reference: str
    etat: str
    etat_libelle: str
    date_facture: date
    date_reception: datetime
    montant_ht: Montant
    montant_ttc: Montant
    dossier: DossierCourt
    echeances: list[str] = Field(default_factory=list, description="Échéances facturées (« E1 »…)")
    lien: str


class ReglementCourt(Schema):
    id: int
    numero: str
    reference: str
    date_paiement: date


class FactureOut(Schema):
    id: int
    numero: int
    etat: str
    etat_libelle: str
    emetteur: EtablissementCourt
    reference: str
    date_facture: date
    date_reception: datetime
    montant_ht: Montant
    montant_ttc: Montant
    commentaire: str
    motif_rejet: str
    dossier: DossierCourt
    fichier: str = Field(description="« Afficher votre facture » (PDF)")
    pieces_jointes: list[PieceOut]
    actions: list[Libelle]
    reglement: ReglementCourt | None
    lignes: list[LigneDeFactureOut] = Field(default_factory=list)


class FactureEtatOut(Schema):
    id: int
    numero: int
    reference: str
    etat: str
    etat_libelle: str
    lien: str


# --- Paiements OPCO -----------------------------------------------------------------------------


class PaiementLigneOut(Schema):
    id: int = Field(description="Identifiant du règlement")
    numero: str
    reference: str
    beneficiaire: EtablissementCourt
    date_paiement: date
    montant_total_ttc: Montant
    dossier: DossierCourt
    montant_dossier_ttc: Montant
    lien: str


class FactureRegleeOut(Schema):
    id: int
    numero: int
    reference: str
    date_facture: date
    montant_ttc: Montant
    dossier: DossierCourt


class PaiementOut(Schema):
    id: int
    numero: str
    reference: str
    date_paiement: date
    mode: str
    mode_libelle: str
    montant_total_ttc: Montant
    beneficiaire: EtablissementCourt
    factures: list[FactureRegleeOut]
    imprimer: str = Field(description="« Imprimer » : l'avis de paiement (PDF)")


# --- Habilitations -------------------------------------------------------------------------------


class UtilisateurLigneOut(Schema):
    id: int
    email: str
    nom: str
    prenom: str
    actif: bool
    role: str | None
    role_libelle: str | None


class UtilisateurOut(Schema):
    id: int
    email: str
    nom: str
    prenom: str
    sexe: str
    actif: bool
    etablissements: list[HabilitationOut]


class InvitationEtablissementOut(Schema):
    etablissement: EtablissementCourt
    role: str
    role_libelle: str
    droits: list[Libelle]


class InvitationOut(Schema):
    id: int
    email: str
    nom: str
    prenom: str
    statut: Literal["en_attente", "acceptee", "annulee", "expiree"]
    envoyee_le: datetime
    expire_le: datetime
    email_envoye: bool | None = Field(
        None, description="Faux si le serveur de messagerie a refusé l'e-mail : renvoyez l'invitation."
    )
    etablissements: list[InvitationEtablissementOut]


class HabilitationIn(Schema):
    etablissement_id: int
    role: Literal["admin_of", "gestionnaire_of"]
    droits: list[str] | None = Field(None, description="Codes des droits ; à défaut, ceux du rôle")
    principal: bool | None = None


class UtilisateurIn(Schema):
    email: str = Field(max_length=254)
    nom: str = Field(min_length=1, max_length=80)
    prenom: str = Field(min_length=1, max_length=80)
    sexe: Literal["M", "F", ""] = ""
    actif: bool = True
    habilitations: list[HabilitationIn] = Field(max_length=200)


class EtablissementLigneOut(Schema):
    id: int
    principal: bool
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    ville: str
    actif: bool


class EtablissementOut(Schema):
    id: int
    principal: bool
    raison_sociale: str
    siren: str
    nic: str
    siret: str
    uai: str
    nda: str
    adresse: str
    code_postal: str
    ville: str
    pays: str
    email: str
    telephone: str
    actif: bool
    role: str | None
    coordonnees_modifiables: bool


class EtablissementContactIn(Schema):
    email: str | None = Field(None, max_length=254)
    telephone: str | None = Field(None, max_length=20)


class CleIn(Schema):
    etablissement_id: int
    droits: list[str] | None = Field(
        None,
        max_length=10,
        description="Droits de la clé, parmi ceux d'un gestionnaire OF que vous détenez vous-même sur "
        "l'établissement (saisir_contrats, deposer_pieces, deposer_factures, consulter_reglements) ; "
        "absent : tous ceux-là.",
    )


class CleOut(Schema):
    id: int
    prefixe: str
    etablissement: EtablissementCourt
    statut: Literal["active", "expiree", "revoquee"]
    creee_le: datetime
    expire_le: datetime
    revoquee_le: datetime | None
    derniere_utilisation: datetime | None
    droits: list[Libelle] = Field(description="Les droits avec lesquels agit le logiciel qui présente la clé")


class CleGenereeOut(CleOut):
    cle: str = Field(description="La clé en clair : affichée une seule fois, elle n'est pas conservée")
    avertissement: str


# --- Back-office OPCO -----------------------------------------------------------------------------


class DemandePiecesIn(Schema):
    pieces: list[str] = Field(description="Codes des pièces attendues (voir /referentiels/motifs)")
    commentaire: str = Field("", max_length=4000)


class AccordIn(Schema):
    montants_pris_en_charge: dict[str, Decimal] = Field(description="Montant HT pris en charge par nature")
    numero_depot: str = Field("", max_length=15, description="N° de dépôt DECA du contrat (15 caractères)")
    commentaire: str = Field("", max_length=4000)


class RefusIn(Schema):
    motif: str
    explication: str = Field(max_length=4000)


class AnnulationIn(Schema):
    motif: str = Field(max_length=4000)


class SalarieIn(Schema):
    nom: str = Field("", max_length=80)
    prenom: str = Field("", max_length=80)
    date_naissance: date | None = None


class FormationIn(Schema):
    intitule: str = Field("", max_length=255)
    rncp: str = Field("", max_length=12)
    date_debut: date | None = None
    date_fin: date | None = None


class ContratIn(Schema):
    date_debut: date | None = None
    date_fin: date | None = None


class EnregistrementIn(Schema):
    dispositif: Literal["professionnalisation", "pro_a", "action_formation"]
    of_etablissement_id: int
    entreprise_id: int
    subroge: bool = False
    numero_depot: str = Field("", max_length=20)
    salarie: SalarieIn
    formation: FormationIn
    contrat: ContratIn
    financements: dict[str, Decimal] = Field(description="Montant HT demandé par nature de financement")


class RejetIn(Schema):
    motif: str
    explication: str = Field(max_length=4000)


class ReglementIn(Schema):
    facture_ids: list[int] = Field(max_length=5000)
    date_paiement: date
    reference_virement: str = Field(max_length=40)
    mode: Literal["virement", "cheque"] = "virement"


class ReferentielsOut(Schema):
    dispositifs: list[Libelle]
    etats_dossier: list[Libelle]
    etats_facture: list[Libelle]
    pieces_dossier: list[Libelle]
    pieces_facture: list[Libelle]
    motifs_refus_dossier: list[Libelle]
    motifs_rejet_facture: list[Libelle]
    motifs_rupture: list[Libelle]
    natures_financement: list[Libelle]
    natures_ligne_facture: list[Libelle] = Field(default_factory=list)
    statuts_echeance: list[Libelle] = Field(default_factory=list)
    roles: list[Libelle]
    droits: list[Libelle]


ExamenOut.model_rebuild()


# --- Back-office OPCO : files du gestionnaire et courriers en échec -----------------------------


class DossierRelanceOut(Schema):
    id: int
    numero: str | None
    dispositif: str
    dispositif_libelle: str
    etat: str
    etat_libelle: str
    salarie: str
    organisme_formation: EtablissementCourt
    entreprise: EtablissementCourt | None
    date_demande_pieces: datetime | None = Field(description="Dernière demande de pièces restée sans réponse")
    relances: int = Field(description="Relances adressées à l'OF depuis cette demande")
    date_derniere_relance: datetime | None
    lien: str


class DelaiDecisionOut(Schema):
    id: int
    numero: str | None
    dispositif: str
    dispositif_libelle: str
    etat: str
    etat_libelle: str
    salarie: str
    organisme_formation: EtablissementCourt
    entreprise: EtablissementCourt | None
    complet_depuis: date = Field(description="Transmission, ou reprise de l'instruction après des pièces")
    echeance: date = Field(description="Fin du délai légal de décision (20 jours)")
    jours_restants: int = Field(description="Négatif : délai dépassé d'autant de jours")
    situation: Literal["a_risque", "depasse"]
    situation_libelle: str
    issue_du_silence: str
    lien: str


class CourrierSuiviOut(Schema):
    id: int
    nom: str
    type: str
    type_libelle: str
    destinataire: str
    statut: str
    statut_libelle: str
    tentatives: int
    erreur: str
    date_demande: datetime
    organisme_formation: EtablissementCourt
    lien_objet: str


class RemiseEnFileIn(Schema):
    motif: str = Field("", max_length=2000, description="Ce qui a été corrigé (journal du courrier)")


# --- Échéances à facturer / à venir ------------------------------------------------------------------


class EcheanceAFacturerOut(EcheanceOut):
    dossier: DossierCourt
    nom: str
    prenom: str
    entreprise: str
    deposer_facture: str = Field(description="Déposer une facture sur ce dossier")
