"""Request and response bodies of ``/api/cfa``, in the norm's names (they describe the OpenAPI document;
the answers are built by :mod:`api.cfa.presenters`)."""

from __future__ import annotations

from ninja import Field, Schema


class ErreurDetailNorme(Schema):
    code: str = Field(description="Code de l'erreur (ex. : CLE_EXPIREE, obligatoire, invalide)")
    description: str = Field(description="Message en français")
    champ: str | None = Field(None, description="Chemin du champ fautif (ex. : cerfa.contrat.dateDebutContrat)")


class ErreurNorme(Schema):
    errors: list[ErreurDetailNorme]
    description: str


class StatusOut(Schema):
    status: str = Field(description="« OK »")
    dateServeur: str = Field(description="Date et heure du serveur (ISO 8601 avec décalage)")
    versions: list[str] = Field(description="Protocoles servis : v1, v2")
    siret: str = Field(description="SIRET de la clé")
    dateFinValiditeCle: str = Field(description="Fin de validité de la clé (ISO 8601 avec décalage)")


class DepotDossierIn(Schema):
    cerfa: dict = Field(description="Le CERFA du contrat (voir le schéma Cerfa)")


class DepotDossierOut(Schema):
    numeroInterne: str = Field(description="Identifiant du dossier à l'OPCO (clé des autres appels)")
    numeroExterne: str = Field(description="Référence du dossier (N° de dossier.version, ex. 3866466.1)")


class EtatDossierOut(Schema):
    numeroInterne: str
    numeroExterne: str
    numeroDeca: str | None
    etat: str = Field(description="TRANSMIS, EN_COURS_INSTRUCTION, ENGAGE, REFUSE, ANNULE, RUPTU ou SOLDE")


class EtatsDossiersOut(Schema):
    total: int = Field(description="Nombre total de dossiers (tous les numéros de page)")
    count: int = Field(description="Nombre de dossiers de cette page (100 au plus)")
    page: int = Field(description="Numéro de cette page (à partir de 1)")
    EtatDossierResult: list[EtatDossierOut]


class EcheanceOut(Schema):
    numero: int
    codification: str = Field(description="E1, E2 …")
    montantTotal: float
    montantRegle: float
    montantEnCoursInstruction: float
    dateOuverture: str | None = Field(description="Facturable à partir de cette date")
    dateDebut: str | None
    dateFin: str | None


class FraisAnnexeOut(Schema):
    natureFrais: str = Field(description="Premierequipement, Hebergement, Restauration ou Mobilite")
    quantite: int
    prixUnitaire: float
    montantTotal: float


class DossierNormeOut(Schema):
    cerfa: dict = Field(description="Le CERFA avec numeroInterne, numeroExterne, numeroDeca, etat, commentaireEtat")
    engagement: float = Field(description="Montant total engagé par l'OPCO (HT, 0 avant l'accord)")
    echeances: list[EcheanceOut]
    engagementsFraisAnnexe: list[FraisAnnexeOut]
    detailsFacturation: dict


class RuptureIn(Schema):
    numeroInterne: str = Field(description="Le numeroInterne du contrat")
    dateRupture: str = Field(description="Date de la rupture (ISO 8601 avec décalage)")
    motifRupture: str | int = Field(description="Motif (codes DECA 1 à 9)")
    formationPoursuivie: bool | None = Field(None, description="L'apprenti(e) poursuit sa formation au CFA")
    initiateur: str = Field("employeur", description="employeur (défaut de cette route), apprenti ou commun")
    commentaire: str = ""


class RuptureOut(Schema):
    numeroInterne: str
    numeroExterne: str
    etat: str
    dateRupture: str | None


class ConventionOut(Schema):
    numeroInterneDossier: str
    numeroInterneConvention: str
    numeroInterneDocument: str


class FactureDepotOut(Schema):
    numeroInterneFacture: str
    numeroInterneDocument: str


class DossierFactureOut(Schema):
    numeroInterneDossier: str
    numeroExterneDossier: str
    montant: float


class OrganismeFactureOut(Schema):
    siret: str
    IBAN: str | None


class FactureEtatNormeOut(Schema):
    numeroInterneFacture: str
    referenceFactureCFA: str
    montantFacture: float
    etatFacture: str = Field(description="TRANSMIS, EN_COURS_INSTRUCTION, REGLE ou REJETE")
    referenceVirement: str | None
    dateReglement: str | None
    commentaire: str
    organismeFormation: OrganismeFactureOut
    dossiers: list[DossierFactureOut]


class EtatsFacturesOut(Schema):
    total: int
    count: int
    page: int
    factures: list[FactureEtatNormeOut]


class DocumentOut(Schema):
    numeroInterneDocument: str
    numerosInternesDocument: list[str] = Field(description="Une pièce par objet (dossier ou facture)")


class CleInfoOut(Schema):
    status: str = Field(description="success ou error")
    dateFinValidite: str | None = Field(description="AAAA-MM-JJ")
    comment: str
