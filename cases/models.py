"""Dossiers of the four dispositifs, factures, règlements, courriers, pièces, notifications
and the transition log.

States change only through the django-fsm transitions below (``protected=True``); their
sources and targets come from the tables of :mod:`rules.lifecycles`. Transition methods
only set in-memory fields: services lock, check, save and log.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import FieldError
from django.db import models
from django.db.models import F, Q, Sum
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import ApiKey, Etablissement
from common.downloads import stored_name
from rules import lifecycles
from rules.lifecycles import Dispositif, EtatDossier, EtatFacture

DISPOSITIF_CHOICES = [(d.value, d.label) for d in Dispositif]
ETAT_DOSSIER_CHOICES = [(e.value, e.label) for e in EtatDossier]
ETAT_FACTURE_CHOICES = [(e.value, e.label) for e in EtatFacture]
_DOSSIER_TRANSITIONS = lifecycles.all_dossier_transition_names()
_FACTURE_TRANSITIONS = {t.name: (t.sources, t.target) for t in lifecycles.FACTURE_LIFECYCLE}


class ProtectedStateQuerySet(models.QuerySet):
    """Refuses bulk writes of a state field: a state changes only through a transition."""

    state_field = "etat"

    def update(self, **kwargs):
        if self.state_field in kwargs:
            raise FieldError(f"« {self.state_field} » ne change que par une transition.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        if self.state_field in fields:
            raise FieldError(f"« {self.state_field} » ne change que par une transition.")
        return super().bulk_update(objs, fields, batch_size=batch_size)


def _src(name: str) -> list[str]:
    return sorted(_DOSSIER_TRANSITIONS[name][0])


def _tgt(name: str) -> str:
    return _DOSSIER_TRANSITIONS[name][1]


def _in_lifecycle(name: str):
    """Condition: the dossier's own dispositif has this transition from its current state."""

    def condition(dossier: Dossier) -> bool:
        t = lifecycles.dossier_transition(dossier.dispositif, name)
        return t is not None and dossier.etat in t.sources

    condition.__name__ = f"lifecycle_allows_{name}"
    return condition


class Compteur(models.Model):
    """Number sequences (dossiers, factures, règlements), portable across databases."""

    name = models.CharField("nom", max_length=30, primary_key=True)
    value = models.BigIntegerField("prochaine valeur")

    class Meta:
        verbose_name = "compteur"


class DossierQuerySet(ProtectedStateQuerySet):
    def of_scope(self, etablissement_ids) -> DossierQuerySet:
        return self.filter(of_etablissement_id__in=etablissement_ids)


class Dossier(ConcurrentTransitionMixin, models.Model):
    numero = models.PositiveIntegerField("n° du dossier", null=True, blank=True)
    version = models.PositiveSmallIntegerField("version", default=1)
    dispositif = models.CharField("dispositif", max_length=30, choices=DISPOSITIF_CHOICES)
    etat = FSMField("état", max_length=30, choices=ETAT_DOSSIER_CHOICES, protected=True)
    subroge = models.BooleanField("subrogé", default=False)
    numero_depot = models.CharField("n° de dépôt / DECA", max_length=20, blank=True)
    of_etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.PROTECT,
        related_name="dossiers_of",
        verbose_name="organisme de formation",
        db_index=False,  # led by the (of_etablissement, …) indexes
    )
    entreprise = models.ForeignKey(
        Etablissement,
        on_delete=models.PROTECT,
        related_name="dossiers_entreprise",
        verbose_name="entreprise",
        null=True,
        blank=True,
    )
    # Le salarié / l'apprenti
    salarie_nom = models.CharField("nom du salarié", max_length=80, blank=True)
    salarie_prenom = models.CharField("prénom du salarié", max_length=80, blank=True)
    salarie_date_naissance = models.DateField("date de naissance", null=True, blank=True)
    # La formation
    formation_intitule = models.CharField("intitulé de la formation", max_length=255, blank=True)
    formation_rncp = models.CharField("code RNCP", max_length=12, blank=True)
    formation_date_debut = models.DateField("début de la formation", null=True, blank=True)
    formation_date_fin = models.DateField("fin de la formation", null=True, blank=True)
    # Le contrat
    contrat_date_debut = models.DateField("début du contrat", null=True, blank=True)
    contrat_date_fin = models.DateField("fin du contrat", null=True, blank=True)
    # The dispositif's own data: for apprenticeship, the CERFA in the inter-OPCO norm's names.
    donnees = models.JSONField("données du dispositif", default=dict, blank=True)
    commentaire = models.TextField("commentaire", blank=True)
    version_precedente = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="avenant",
        verbose_name="version précédente",
    )
    # Rupture
    date_rupture = models.DateField("date de rupture", null=True, blank=True)
    motif_rupture = models.CharField("motif de rupture", max_length=100, blank=True)
    # Financing of an apprenticeship contract (set at transmission, then by the échéancier)
    npec_annuel = models.DecimalField("NPEC annuel retenu", max_digits=12, decimal_places=2, null=True, blank=True)
    npec_source = models.CharField("origine du NPEC", max_length=20, blank=True)
    participation_employeur = models.DecimalField(
        "participation de l'employeur", max_digits=12, decimal_places=2, null=True, blank=True
    )
    echeancier_regime = models.CharField("régime de l'échéancier", max_length=20, blank=True)
    # Timeline
    created_at = models.DateTimeField("créé le")
    updated_at = models.DateTimeField("modifié le")
    transmitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = "dossier"
        verbose_name_plural = "dossiers"
        constraints = [
            models.UniqueConstraint(fields=["numero", "version"], name="dossier_numero_version_unique"),
            models.CheckConstraint(
                condition=Q(etat=EtatDossier.BROUILLON) | Q(numero__isnull=False),
                name="dossier_numero_hors_brouillon",
            ),
        ]
        indexes = [
            # A dispositif's list filtered on one état, page taken from the index in order (issue 14:
            # flat whatever the établissement's size): by creation date (the default, read backwards for
            # the most recent first) and by name. The first also counts the dashboard's cards.
            models.Index(
                fields=["of_etablissement", "dispositif", "etat", "created_at", "id"], name="dossier_liste_date"
            ),
            models.Index(
                fields=["of_etablissement", "dispositif", "etat", "salarie_nom", "salarie_prenom", "id"],
                name="dossier_liste_nom",
            ),
            # The norm's state feeds (echanges.selectors.dossier_etats), read from the index alone on
            # PostgreSQL: a late page of 100 of 2 800 contracts 7 ms → 0.8 ms (issue 14).
            models.Index(
                fields=["of_etablissement", "dispositif", "id"],
                include=["numero", "version", "numero_depot", "etat"],
                name="dossier_etats_norme",
            ),
            models.Index(fields=["of_etablissement", "-created_at"]),
            models.Index(fields=["etat", "dispositif"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_dispositif_display()} {self.reference}"

    # Properties
    @property
    def reference(self) -> str:
        """The guide's ``NNNNNNN.V`` (V is raised by each avenant)."""
        return f"{self.numero}.{self.version}" if self.numero else "brouillon"

    # Transitions (sources and targets from rules.lifecycles)
    @transition(
        field=etat, source=_src("transmettre"), target=_tgt("transmettre"), conditions=[_in_lifecycle("transmettre")]
    )
    def transmettre(self, *, numero: int, now) -> None:
        self.numero = numero
        self.transmitted_at = now

    @transition(
        field=etat,
        source=_src("prendre_en_charge"),
        target=_tgt("prendre_en_charge"),
        conditions=[_in_lifecycle("prendre_en_charge")],
    )
    def prendre_en_charge(self) -> None:
        pass

    @transition(
        field=etat,
        source=_src("demander_pieces"),
        target=_tgt("demander_pieces"),
        conditions=[_in_lifecycle("demander_pieces")],
    )
    def demander_pieces(self) -> None:
        pass

    @transition(
        field=etat,
        source=_src("reprendre_instruction"),
        target=_tgt("reprendre_instruction"),
        conditions=[_in_lifecycle("reprendre_instruction")],
    )
    def reprendre_instruction(self) -> None:
        pass

    @transition(field=etat, source=_src("accorder"), target=_tgt("accorder"), conditions=[_in_lifecycle("accorder")])
    def accorder(self, *, decided_at) -> None:
        self.decided_at = decided_at

    @transition(field=etat, source=_src("refuser"), target=_tgt("refuser"), conditions=[_in_lifecycle("refuser")])
    def refuser(self, *, decided_at) -> None:
        self.decided_at = decided_at

    @transition(field=etat, source=_src("annuler"), target=_tgt("annuler"), conditions=[_in_lifecycle("annuler")])
    def annuler(self) -> None:
        pass

    @transition(
        field=etat,
        source=_src("ouvrir_avenant"),
        target=_tgt("ouvrir_avenant"),
        conditions=[_in_lifecycle("ouvrir_avenant")],
    )
    def ouvrir_avenant(self) -> None:
        pass

    @transition(
        field=etat,
        source=_src("remplacer_par_avenant"),
        target=_tgt("remplacer_par_avenant"),
        conditions=[_in_lifecycle("remplacer_par_avenant")],
    )
    def remplacer_par_avenant(self) -> None:
        pass

    @transition(
        field=etat,
        source=_src("abandonner_avenant"),
        target=_tgt("abandonner_avenant"),
        conditions=[_in_lifecycle("abandonner_avenant")],
    )
    def abandonner_avenant(self) -> None:
        pass

    @transition(
        field=etat,
        source=_src("declarer_rupture"),
        target=_tgt("declarer_rupture"),
        conditions=[_in_lifecycle("declarer_rupture")],
    )
    def declarer_rupture(self, *, date_rupture, motif: str) -> None:
        self.date_rupture = date_rupture
        self.motif_rupture = motif

    @transition(
        field=etat,
        source=_src("enregistrer_rupture"),
        target=_tgt("enregistrer_rupture"),
        conditions=[_in_lifecycle("enregistrer_rupture")],
    )
    def enregistrer_rupture(self, *, date_rupture, motif: str) -> None:
        self.date_rupture = date_rupture
        self.motif_rupture = motif

    @transition(field=etat, source=_src("cloturer"), target=_tgt("cloturer"), conditions=[_in_lifecycle("cloturer")])
    def cloturer(self) -> None:
        pass


class NatureFinancement(models.TextChoices):
    NPEC = "npec", "NPEC total"
    COUT_PEDAGOGIQUE = "cout_pedagogique", "Coût pédagogique"
    PREMIER_EQUIPEMENT = "premier_equipement", "1er équipement"
    HEBERGEMENT = "hebergement", "Hébergement"
    RESTAURATION = "restauration", "Restauration"
    MOBILITE = "mobilite", "Mobilité"
    MAJORATION_RQTH = "majoration_rqth", "Majoration RQTH"
    AUTRE = "autre", "Autres frais"


class LigneFinancement(models.Model):
    """One line of the accord de financement: amount requested and amount taken in charge (HT)."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="financements", verbose_name="dossier", db_index=False
    )  # led by financement_nature_unique
    nature = models.CharField("nature", max_length=30, choices=NatureFinancement.choices)
    montant_demande = models.DecimalField("montant demandé HT", max_digits=12, decimal_places=2)
    montant_pris_en_charge = models.DecimalField(
        "montant pris en charge HT", max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "ligne de l'accord de financement"
        verbose_name_plural = "accord de financement"
        constraints = [
            models.UniqueConstraint(fields=["dossier", "nature"], name="financement_nature_unique"),
            models.CheckConstraint(condition=Q(montant_demande__gte=0), name="financement_demande_positif"),
            models.CheckConstraint(
                condition=Q(montant_pris_en_charge__isnull=True) | Q(montant_pris_en_charge__gte=0),
                name="financement_pec_positif",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} : {self.montant_demande} €"


def _facture_src(name: str) -> list[str]:
    return sorted(_FACTURE_TRANSITIONS[name][0])


def _facture_tgt(name: str) -> str:
    return _FACTURE_TRANSITIONS[name][1]


class FactureQuerySet(ProtectedStateQuerySet):
    def of_scope(self, etablissement_ids) -> FactureQuerySet:
        return self.filter(emetteur_id__in=etablissement_ids)


def facture_upload_to(instance: Facture, filename: str) -> str:
    # A random name (the facture's file name is derived from its number when downloaded).
    return f"factures/{instance.emetteur_id}/{stored_name(filename)}"


class Facture(ConcurrentTransitionMixin, models.Model):
    numero = models.PositiveIntegerField("numéro", unique=True)
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="factures")
    emetteur = models.ForeignKey(
        Etablissement, on_delete=models.PROTECT, related_name="factures", verbose_name="émetteur", db_index=False
    )
    reference = models.CharField("référence de la facture", max_length=50)
    date_facture = models.DateField("date de la facture")
    montant_ht = models.DecimalField("montant HT", max_digits=12, decimal_places=2)
    montant_ttc = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)
    commentaire = models.TextField("commentaire", blank=True)
    etat = FSMField("état", max_length=30, choices=ETAT_FACTURE_CHOICES, protected=True)
    fichier = models.FileField("facture (PDF)", upload_to=facture_upload_to, max_length=255)
    motif_rejet = models.TextField("motif de rejet", blank=True)
    deposited_at = models.DateTimeField("date de réception")
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposée par",
    )
    updated_at = models.DateTimeField("modifiée le")

    objects = FactureQuerySet.as_manager()

    class Meta:
        verbose_name = "facture"
        verbose_name_plural = "factures"
        constraints = [
            models.UniqueConstraint(fields=["emetteur", "reference"], name="facture_reference_unique"),
            models.CheckConstraint(condition=Q(montant_ht__gt=0), name="facture_ht_positif"),
            models.CheckConstraint(condition=Q(montant_ttc__gte=F("montant_ht")), name="facture_ttc_sup_ht"),
        ]
        indexes = [
            models.Index(fields=["emetteur", "etat"]),
            models.Index(fields=["emetteur", "-deposited_at"]),
        ]

    def __str__(self) -> str:
        return f"Facture {self.numero} ({self.reference})"

    @transition(field=etat, source=_facture_src("instruire"), target=_facture_tgt("instruire"))
    def instruire(self) -> None:
        pass

    @transition(field=etat, source=_facture_src("demander_pieces"), target=_facture_tgt("demander_pieces"))
    def demander_pieces(self) -> None:
        pass

    @transition(field=etat, source=_facture_src("reprendre_instruction"), target=_facture_tgt("reprendre_instruction"))
    def reprendre_instruction(self) -> None:
        pass

    @transition(field=etat, source=_facture_src("valider"), target=_facture_tgt("valider"))
    def valider(self) -> None:
        pass

    @transition(field=etat, source=_facture_src("rejeter"), target=_facture_tgt("rejeter"))
    def rejeter(self, *, motif: str) -> None:
        self.motif_rejet = motif

    @transition(field=etat, source=_facture_src("payer"), target=_facture_tgt("payer"))
    def payer(self) -> None:
        pass


class ModeReglement(models.TextChoices):
    VIREMENT = "virement", "Règlement par virement"
    CHEQUE = "cheque", "Règlement par chèque"


class ReglementQuerySet(models.QuerySet):
    def of_scope(self, etablissement_ids) -> ReglementQuerySet:
        return self.filter(beneficiaire_id__in=etablissement_ids)


class Reglement(models.Model):
    """A payment by the OPCO, settling one or more validated factures of one bénéficiaire."""

    numero = models.CharField("numéro", max_length=10, unique=True)
    reference_virement = models.CharField("référence", max_length=40)
    date_paiement = models.DateField("date de paiement")
    mode = models.CharField(
        "mode de règlement", max_length=20, choices=ModeReglement.choices, default=ModeReglement.VIREMENT
    )
    beneficiaire = models.ForeignKey(
        Etablissement, on_delete=models.PROTECT, related_name="reglements", verbose_name="bénéficiaire", db_index=False
    )
    montant_total_ttc = models.DecimalField("montant total TTC", max_digits=14, decimal_places=2)
    created_at = models.DateTimeField("créé le")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créé par",
    )

    objects = ReglementQuerySet.as_manager()

    class Meta:
        verbose_name = "règlement"
        verbose_name_plural = "règlements"
        indexes = [models.Index(fields=["beneficiaire", "-date_paiement"])]

    def __str__(self) -> str:
        return f"Règlement {self.numero}"

    def lines_total(self) -> Decimal:
        return self.lignes.aggregate(total=Sum("montant_ttc"))["total"] or Decimal("0")


class LigneReglement(models.Model):
    reglement = models.ForeignKey(Reglement, on_delete=models.CASCADE, related_name="lignes", verbose_name="règlement")
    facture = models.OneToOneField(
        Facture, on_delete=models.PROTECT, related_name="ligne_reglement", verbose_name="facture"
    )
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="+", verbose_name="dossier")
    montant_ttc = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "facture réglée"
        verbose_name_plural = "factures réglées"


class TypeCourrier(models.TextChoices):
    ACCUSE_RECEPTION = "accuse_reception", "Accusé de réception"
    DEMANDE_PIECES = "demande_pieces", "Demande de pièces"
    RELANCE = "relance", "Courrier de relance"
    ACCORD = "accord", "Courrier d'accord"
    REFUS = "refus", "Courrier de refus"
    ANNULATION = "annulation", "Courrier d'annulation"
    AVENANT = "avenant", "Courrier d'avenant"
    RUPTURE = "rupture", "Prise en compte de rupture"
    FACTURE_DEMANDE_PIECES = "facture_demande_pieces", "Demande de pièces sur facture"
    FACTURE_REJET = "facture_rejet", "Rejet de facture"
    AVIS_PAIEMENT = "avis_paiement", "Avis de paiement"


class Destinataire(models.TextChoices):
    OF = "of", "Organisme de formation"
    ENTREPRISE = "entreprise", "Entreprise"


class StatutCourrier(models.TextChoices):
    DEMANDE = "demande", "Demandé"
    EMIS = "emis", "Émis"
    ECHEC = "echec", "En échec"


def courrier_upload_to(instance: Courrier, filename: str) -> str:
    # A random name: a courrier's path must not be guessable from its type, recipient and number.
    return f"courriers/{instance.created_at:%Y/%m}/{stored_name(filename)}"


class Courrier(models.Model):
    """A letter from the OPCO. Created as a request (the outbox), issued by the courrier flow."""

    cle = models.CharField("clé d'unicité", max_length=120, unique=True)
    type = models.CharField("type", max_length=30, choices=TypeCourrier.choices)
    destinataire = models.CharField("destinataire", max_length=20, choices=Destinataire.choices)
    destinataire_etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.PROTECT,
        related_name="courriers_recus",
        verbose_name="établissement destinataire",
    )
    # The OF whose users see this courrier and are notified of it (the dossier's OF, the
    # facture's émetteur, the règlement's bénéficiaire), whoever the letter is addressed to.
    of_etablissement = models.ForeignKey(
        Etablissement,
        on_delete=models.PROTECT,
        related_name="courriers",
        verbose_name="organisme de formation",
        db_index=False,
    )
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, null=True, blank=True, related_name="courriers")
    facture = models.ForeignKey(Facture, on_delete=models.PROTECT, null=True, blank=True, related_name="courriers")
    reglement = models.ForeignKey(Reglement, on_delete=models.PROTECT, null=True, blank=True, related_name="courriers")
    contexte = models.JSONField("contenu", default=dict, blank=True)
    statut = models.CharField("statut", max_length=10, choices=StatutCourrier.choices, default=StatutCourrier.DEMANDE)
    tentatives = models.PositiveSmallIntegerField("tentatives", default=0)
    erreur = models.TextField("dernière erreur", blank=True)
    fichier = models.FileField("fichier", upload_to=courrier_upload_to, blank=True, max_length=255)
    created_at = models.DateTimeField("demandé le")
    emis_at = models.DateTimeField("date d'émission", null=True, blank=True)

    class Meta:
        verbose_name = "courrier"
        verbose_name_plural = "courriers"
        constraints = [
            models.CheckConstraint(
                condition=Q(dossier__isnull=False) | Q(facture__isnull=False) | Q(reglement__isnull=False),
                name="courrier_rattache",
            )
        ]
        indexes = [
            models.Index(fields=["statut", "created_at"]),
            models.Index(fields=["of_etablissement", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.nom

    @property
    def nom(self) -> str:
        ref = (
            self.dossier.reference
            if self.dossier_id
            else (self.facture.numero if self.facture_id else self.reglement.numero)
        )
        return f"{self.get_type_display()} ({self.get_destinataire_display()}) {ref}"


def piece_upload_to(instance: PieceJointe, filename: str) -> str:
    # A random name; the user's file name is kept in ``nom``.
    return f"pieces/{instance.uploaded_at:%Y/%m}/{stored_name(filename)}"


class PieceJointe(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, null=True, blank=True, related_name="pieces")
    facture = models.ForeignKey(Facture, on_delete=models.CASCADE, null=True, blank=True, related_name="pieces")
    nom = models.CharField("nom du fichier", max_length=255)
    fichier = models.FileField("fichier", upload_to=piece_upload_to, max_length=255)
    taille = models.PositiveIntegerField("taille (octets)", default=0)
    content_type = models.CharField("type", max_length=100, blank=True)
    uploaded_at = models.DateTimeField("date d'envoi")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyée par",
    )

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        constraints = [
            models.CheckConstraint(
                condition=(Q(dossier__isnull=False) & Q(facture__isnull=True))
                | (Q(dossier__isnull=True) & Q(facture__isnull=False)),
                name="piece_sur_dossier_ou_facture",
            )
        ]

    def __str__(self) -> str:
        return self.nom


class Notification(models.Model):
    """'Un nouveau courrier a été déposé dans votre dossier.' — per user and courrier."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="utilisateur",
        db_index=False,
    )
    courrier = models.ForeignKey(
        Courrier, on_delete=models.CASCADE, related_name="notifications", verbose_name="courrier"
    )
    created_at = models.DateTimeField("date")
    read_at = models.DateTimeField("lue le", null=True, blank=True)
    deleted_at = models.DateTimeField("supprimée le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        constraints = [models.UniqueConstraint(fields=["user", "courrier"], name="notification_unique")]
        indexes = [models.Index(fields=["user", "deleted_at", "read_at"])]

    def __str__(self) -> str:
        return f"Notification {self.pk} pour {self.user_id}"


class TransitionLog(models.Model):
    """Every change of state: who, when, from, to, why, through which channel."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, null=True, blank=True, related_name="journal", db_index=False
    )
    facture = models.ForeignKey(
        Facture, on_delete=models.CASCADE, null=True, blank=True, related_name="journal", db_index=False
    )
    # A courrier's own states (demandé → émis / en échec → demandé again) are logged on it.
    courrier = models.ForeignKey(
        Courrier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="journal",
        verbose_name="courrier",
        db_index=False,
    )
    transition = models.CharField("transition", max_length=40)
    source = models.CharField("de", max_length=30, blank=True)
    target = models.CharField("vers", max_length=30)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="utilisateur",
    )
    actor_api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="clé API"
    )
    actor_label = models.CharField("acteur", max_length=200)
    channel = models.CharField("canal", max_length=20)
    reason = models.TextField("motif", blank=True)
    details = models.JSONField("détails", default=dict, blank=True)
    created_at = models.DateTimeField("date")

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des transitions"
        constraints = [
            models.CheckConstraint(
                condition=(Q(dossier__isnull=False) & Q(facture__isnull=True) & Q(courrier__isnull=True))
                | (Q(dossier__isnull=True) & Q(facture__isnull=False) & Q(courrier__isnull=True))
                | (Q(dossier__isnull=True) & Q(facture__isnull=True) & Q(courrier__isnull=False)),
                name="journal_sur_dossier_facture_ou_courrier",
            )
        ]
        indexes = [
            models.Index(fields=["dossier", "created_at"]),
            models.Index(fields=["facture", "created_at"]),
            models.Index(fields=["courrier", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.transition}: {self.source} → {self.target}"


class DigestEnvoi(models.Model):
    """One daily digest e-mail per user and period: the unique constraint makes it never twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests", verbose_name="utilisateur"
    )
    periode = models.DateField("jour du récapitulatif")
    borne = models.DateTimeField("courriers jusqu'au")
    nombre = models.PositiveIntegerField("nombre de courriers")
    sent_at = models.DateTimeField("envoyé le")

    class Meta:
        verbose_name = "récapitulatif quotidien envoyé"
        verbose_name_plural = "récapitulatifs quotidiens envoyés"
        constraints = [models.UniqueConstraint(fields=["user", "periode"], name="digest_unique_par_jour")]


class RappelCle(models.Model):
    """A reminder that an API key expires soon (30 and 7 days before), sent once per threshold."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="rappels", verbose_name="clé API")
    palier = models.PositiveSmallIntegerField("jours avant expiration")
    destinataires = models.PositiveIntegerField("destinataires")
    sent_at = models.DateTimeField("envoyé le")

    class Meta:
        verbose_name = "rappel d'expiration de clé"
        verbose_name_plural = "rappels d'expiration de clé"
        constraints = [models.UniqueConstraint(fields=["api_key", "palier"], name="rappel_cle_unique")]


class ReferenceSmic(models.Model):
    """The dated SMIC table used by the rémunération rules (editable in the back office)."""

    date_effet = models.DateField("en vigueur depuis", unique=True)
    horaire = models.DecimalField("SMIC horaire (€)", max_digits=6, decimal_places=2)
    mensuel = models.DecimalField("SMIC mensuel 35 h (€)", max_digits=8, decimal_places=2)
    horaire_mayotte = models.DecimalField("SMIC horaire Mayotte (€)", max_digits=6, decimal_places=2)
    mensuel_mayotte = models.DecimalField("SMIC mensuel Mayotte (€)", max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = "valeur du SMIC"
        verbose_name_plural = "barème du SMIC"
        ordering = ["date_effet"]
        constraints = [
            models.CheckConstraint(condition=Q(horaire__gt=0) & Q(mensuel__gt=0), name="smic_positif"),
        ]

    def __str__(self) -> str:
        return f"SMIC au {self.date_effet:%d/%m/%Y} : {self.mensuel} €/mois"

    def as_rule(self):
        from rules.remuneration import SmicValue

        return SmicValue(self.date_effet, self.horaire, self.mensuel, self.horaire_mayotte, self.mensuel_mayotte)


class AlerteExploitation(models.Model):
    """An e-mail sent to the operators (``PORTAIL_OPS_EMAILS``): a failed flow run, an outbox that
    does not drain. The unique key makes each alert go out once (per run, per hour of backlog)."""

    cle = models.CharField("clé d'unicité", max_length=200, unique=True)
    sujet = models.CharField("sujet", max_length=250)
    message = models.TextField("message")
    destinataires = models.PositiveIntegerField("destinataires")
    sent_at = models.DateTimeField("envoyée le")

    class Meta:
        verbose_name = "alerte d'exploitation"
        verbose_name_plural = "alertes d'exploitation"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return self.sujet


# --- The gestionnaire's queues (back-office lists over the dossiers) ------------------------


class DossierSansReponse(Dossier):
    """A dossier still waiting for pièces after the relances (see :mod:`cases.queues`)."""

    class Meta:
        proxy = True
        verbose_name = "dossier relancé sans réponse"
        verbose_name_plural = "dossiers relancés sans réponse"


class DelaiDecision(Dossier):
    """A complete dossier whose 20-day decision clock is at risk or has lapsed (see :mod:`cases.queues`)."""

    class Meta:
        proxy = True
        verbose_name = "délai de décision à surveiller"
        verbose_name_plural = "délais de décision à risque ou dépassés"


# --- Financing of apprenticeship contracts: NPEC, échéancier, invoice lines ------------------


class ReferenceNpec(models.Model):
    """The dated referential of niveaux de prise en charge: certification (RNCP) × branch (IDCC) →
    annual amount, in force from/to (imported from France compétences' file, editable in the back office)."""

    rncp = models.CharField("code RNCP", max_length=12)
    idcc = models.CharField("code IDCC", max_length=4)
    montant_annuel = models.DecimalField("NPEC annuel (€)", max_digits=10, decimal_places=2)
    date_debut = models.DateField("applicable à partir du")
    date_fin = models.DateField("applicable jusqu'au", null=True, blank=True)
    cpne_code = models.CharField("code CPNE", max_length=20, blank=True)
    cpne = models.CharField("CPNE", max_length=255, blank=True)
    intitule = models.CharField("intitulé de la certification", max_length=500, blank=True)
    statut = models.CharField("statut", max_length=100, blank=True)
    source = models.CharField("fichier importé", max_length=255, blank=True)

    class Meta:
        verbose_name = "niveau de prise en charge (NPEC)"
        verbose_name_plural = "référentiel des NPEC"
        ordering = ["rncp", "idcc", "-date_debut"]
        constraints = [
            models.UniqueConstraint(fields=["rncp", "idcc", "date_debut"], name="npec_unique"),
            models.CheckConstraint(condition=Q(montant_annuel__gt=0), name="npec_positif"),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_debut")), name="npec_periode"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rncp} × IDCC {self.idcc} : {self.montant_annuel} € (depuis le {self.date_debut:%d/%m/%Y})"

    def as_rule(self):
        from rules.npec import Npec

        return Npec(self.rncp, self.idcc, self.montant_annuel, self.date_debut, self.date_fin)


class ReferenceNpecAmorcage(models.Model):
    """The « amorçage » annual amount of a certification level, when a pair (RNCP, IDCC) has no NPEC."""

    niveau = models.PositiveSmallIntegerField(
        "niveau de la certification", choices=[(n, f"Niveau {n}") for n in range(3, 9)]
    )
    montant_annuel = models.DecimalField("montant annuel (€)", max_digits=10, decimal_places=2)
    date_debut = models.DateField("applicable à partir du")
    date_fin = models.DateField("applicable jusqu'au", null=True, blank=True)

    class Meta:
        verbose_name = "niveau d'amorçage"
        verbose_name_plural = "niveaux d'amorçage des NPEC"
        ordering = ["niveau", "-date_debut"]
        constraints = [
            models.UniqueConstraint(fields=["niveau", "date_debut"], name="amorcage_unique"),
            models.CheckConstraint(condition=Q(montant_annuel__gt=0), name="amorcage_positif"),
            models.CheckConstraint(
                condition=Q(date_fin__isnull=True) | Q(date_fin__gte=F("date_debut")), name="amorcage_periode"
            ),
        ]

    def __str__(self) -> str:
        return f"Niveau {self.niveau} : {self.montant_annuel} € (depuis le {self.date_debut:%d/%m/%Y})"

    def as_rule(self):
        from rules.npec import Amorcage

        return Amorcage(self.niveau, self.montant_annuel, self.date_debut, self.date_fin)


class Echeance(models.Model):
    """One instalment of an apprenticeship dossier's NPEC (computed by :mod:`rules.echeancier` on accord,
    avenant and rupture). Its statut is derived from its amounts and the day (never stored)."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="echeances", verbose_name="dossier", db_index=False
    )
    numero = models.PositiveSmallIntegerField("numéro")
    annee = models.PositiveSmallIntegerField("année d'exécution")
    nature = models.CharField("nature", max_length=10)
    taux = models.PositiveSmallIntegerField("taux (%)", null=True, blank=True)
    date_ouverture = models.DateField("facturable à partir du")
    date_debut = models.DateField("période du")
    date_fin = models.DateField("période au")
    montant_total = models.DecimalField("montant total", max_digits=12, decimal_places=2)
    montant_regle = models.DecimalField("montant réglé", max_digits=12, decimal_places=2, default=Decimal("0"))
    montant_en_instruction = models.DecimalField(
        "montant en instruction", max_digits=12, decimal_places=2, default=Decimal("0")
    )
    updated_at = models.DateTimeField("calculée le")

    class Meta:
        verbose_name = "échéance"
        verbose_name_plural = "échéancier"
        ordering = ["dossier", "numero"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "numero"], name="echeance_numero_unique"),
            models.CheckConstraint(condition=Q(montant_total__gte=0), name="echeance_total_positif"),
            models.CheckConstraint(condition=Q(montant_regle__gte=0), name="echeance_regle_positif"),
            models.CheckConstraint(condition=Q(montant_en_instruction__gte=0), name="echeance_instruction_positif"),
        ]
        indexes = [models.Index(fields=["dossier", "date_ouverture"])]

    def __str__(self) -> str:
        return f"{self.codification} du dossier {self.dossier_id} : {self.montant_total} €"

    @property
    def codification(self) -> str:
        return f"E{self.numero}"

    @property
    def reste_a_facturer(self) -> Decimal:
        from rules.echeancier import reste_a_facturer

        return reste_a_facturer(self.montant_total, self.montant_regle, self.montant_en_instruction)

    def statut(self, today):
        from rules.echeancier import statut

        return statut(
            total=self.montant_total,
            regle=self.montant_regle,
            en_instruction=self.montant_en_instruction,
            ouverture=self.date_ouverture,
            today=today,
        )


class NatureLigneFacture(models.TextChoices):
    """The norm's ``natureLigne`` of an invoice line."""

    PEDAGOGIE = "pedagogie", "Pédagogie (coût de la formation)"
    PREMIER_EQUIPEMENT = "premier_equipement", "1er équipement"
    HEBERGEMENT = "hebergement", "Hébergement"
    RESTAURATION = "restauration", "Restauration"
    MOBILITE = "mobilite", "Mobilité"
    MAJORATION_RQTH = "majoration_rqth", "Majoration RQTH"


class FactureLigne(models.Model):
    """One line of a facture: an amount (HT) on one dossier of the émetteur, charged to one échéance of
    its échéancier for the pédagogie of an apprenticeship contract."""

    facture = models.ForeignKey(Facture, on_delete=models.CASCADE, related_name="lignes", verbose_name="facture")
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="lignes_facture", verbose_name="dossier", db_index=False
    )
    echeance = models.ForeignKey(
        Echeance,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lignes_facture",
        verbose_name="échéance",
    )
    nature = models.CharField(
        "nature", max_length=30, choices=NatureLigneFacture.choices, default=NatureLigneFacture.PEDAGOGIE
    )
    montant = models.DecimalField("montant HT", max_digits=12, decimal_places=2)
    quantite = models.PositiveIntegerField("quantité", default=1)

    class Meta:
        verbose_name = "ligne de facture"
        verbose_name_plural = "lignes de la facture"
        ordering = ["facture", "pk"]
        constraints = [models.CheckConstraint(condition=Q(montant__gt=0), name="ligne_facture_positive")]
        indexes = [models.Index(fields=["dossier", "facture"])]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} : {self.montant} €"
