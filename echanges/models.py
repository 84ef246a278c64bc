"""What the inter-OPCO « API CFA » norm needs beyond the dossiers and factures themselves: the
idempotency records of the deposits, and the conventions de formation deposited by the CFAs' software.

Foreign keys name their models by string: this app sits beside ``cases.models`` and imports nothing
of it.
"""

from __future__ import annotations

from django.db import models


class IdempotencyRecord(models.Model):
    """A deposit made with an ``Idempotency-Key``: the same key again answers the same result.

    Scoped to the SIRET of the calling key (two CFAs may use the same key); the fingerprint of the
    request tells a repetition from a different request reusing the key (refused).
    """

    etablissement = models.ForeignKey(
        "accounts.Etablissement", on_delete=models.CASCADE, related_name="+", verbose_name="établissement"
    )
    key = models.CharField("clé d'idempotence", max_length=255)
    operation = models.CharField("opération", max_length=60)
    fingerprint = models.CharField("empreinte de la requête", max_length=64)
    result = models.JSONField("résultat (identifiants)", default=dict)
    created_at = models.DateTimeField("reçue le")

    class Meta:
        verbose_name = "requête idempotente"
        verbose_name_plural = "requêtes idempotentes"
        constraints = [models.UniqueConstraint(fields=["etablissement", "key"], name="idempotence_cle_unique")]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class Convention(models.Model):
    """A convention de formation deposited through the norm (``POST /v1/conventions``): its data as
    received (dates as civil dates) and its signed file, kept as a pièce jointe of the dossier."""

    dossier = models.ForeignKey(
        "cases.Dossier", on_delete=models.PROTECT, related_name="conventions", verbose_name="dossier"
    )
    piece = models.OneToOneField(
        "cases.PieceJointe", on_delete=models.PROTECT, related_name="convention", verbose_name="fichier"
    )
    donnees = models.JSONField("données de la convention", default=dict)
    cout_total_pedagogie = models.DecimalField(
        "coût total de la pédagogie", max_digits=12, decimal_places=2, null=True, blank=True
    )
    date_signature = models.DateField("date de signature", null=True, blank=True)
    client = models.JSONField("logiciel déposant", default=dict, blank=True)
    api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="clé API"
    )
    created_at = models.DateTimeField("déposée le")

    class Meta:
        verbose_name = "convention de formation"
        verbose_name_plural = "conventions de formation"
        indexes = [models.Index(fields=["dossier", "-created_at"])]

    def __str__(self) -> str:
        return f"Convention du dossier {self.dossier_id} ({self.created_at:%d/%m/%Y})"


class DepotFacture(models.Model):
    """What the norm's invoice deposit (``POST /v1/factures``) says beyond our facture: the CFA's IBAN,
    whether it also serves as a certificate of completion, the invoice as received, and the software."""

    facture = models.OneToOneField(
        "cases.Facture", on_delete=models.CASCADE, related_name="depot_norme", verbose_name="facture"
    )
    iban = models.CharField("IBAN de l'émetteur", max_length=34, blank=True)
    certificat_realisation = models.BooleanField("vaut certificat de réalisation", default=False)
    donnees = models.JSONField("facture reçue", default=dict)
    client = models.JSONField("logiciel déposant", default=dict, blank=True)
    api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="clé API"
    )
    created_at = models.DateTimeField("déposée le")

    class Meta:
        verbose_name = "facture déposée par la norme"
        verbose_name_plural = "factures déposées par la norme"

    def __str__(self) -> str:
        return f"Dépôt de la facture {self.facture_id}"
