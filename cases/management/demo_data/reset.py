"""``seed_demo --reset``: delete the demo's établissements and users and all that hangs on them."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from accounts.models import ApiKey, Etablissement, Habilitation, User
from cases.management.demo_data.common import DEMO_TLD, GUIDE_COUNTERS
from cases.models import (
    Compteur,
    Courrier,
    Dossier,
    Echeance,
    Facture,
    LigneFinancement,
    LigneReglement,
    Notification,
    PieceJointe,
    Reglement,
    TransitionLog,
)

# --- Reset --------------------------------------------------------------------------------


def reset_demo(*, chunk: int = 20_000) -> dict[str, int]:
    """Delete every établissement and user of the demo (``.example`` e-mails) and all that hangs on them."""
    etabs = Etablissement.objects.filter(email__iendswith=DEMO_TLD)
    users = User.objects.filter(email__iendswith=DEMO_TLD)
    dossiers = Dossier.objects.filter(Q(of_etablissement__in=etabs) | Q(entreprise__in=etabs))
    factures = Facture.objects.filter(Q(emetteur__in=etabs) | Q(dossier__in=dossiers) | Q(lignes__dossier__in=dossiers))
    reglements = Reglement.objects.filter(Q(beneficiaire__in=etabs) | Q(lignes__facture__in=factures))
    courriers = Courrier.objects.filter(
        Q(of_etablissement__in=etabs)
        | Q(destinataire_etablissement__in=etabs)
        | Q(dossier__in=dossiers)
        | Q(facture__in=factures)
        | Q(reglement__in=reglements)
    )
    pieces = PieceJointe.objects.filter(Q(dossier__in=dossiers) | Q(facture__in=factures))
    files: set[str] = set()
    for qs in (courriers, factures, pieces):
        files.update(qs.exclude(fichier="").values_list("fichier", flat=True).distinct())
    deleted: dict[str, int] = {}
    with transaction.atomic():
        steps = [
            ("notifications", Notification.objects.filter(Q(courrier__in=courriers) | Q(user__in=users))),
            ("courriers", courriers),
            ("règlements", reglements),  # with their lines
            ("lignes de règlement", LigneReglement.objects.filter(facture__in=factures)),
            ("pièces jointes", pieces),
            ("journal", TransitionLog.objects.filter(Q(dossier__in=dossiers) | Q(facture__in=factures))),
            ("factures", factures),  # with their lines
            ("échéances", Echeance.objects.filter(dossier__in=dossiers)),
            ("lignes de financement", LigneFinancement.objects.filter(dossier__in=dossiers)),
        ]
        for label, qs in steps:
            deleted[label] = _delete(qs, chunk)
        # Avenants first: a version protects the one it replaces.
        versions = sorted(set(dossiers.values_list("version", flat=True).distinct()), reverse=True)
        deleted["dossiers"] = sum(_delete(dossiers.filter(version=v), chunk) for v in versions)
        deleted["clés API"] = _delete(
            ApiKey.objects.filter(Q(etablissement__in=etabs) | Q(created_by__in=users) | Q(revoked_by__in=users)), chunk
        )
        deleted["habilitations"] = _delete(
            Habilitation.objects.filter(Q(user__in=users) | Q(etablissement__in=etabs)), chunk
        )
        deleted["utilisateurs"] = _delete(users, chunk)
        deleted["établissements"] = _delete(etabs, chunk)
        if not (Dossier.objects.exists() or Facture.objects.exists() or Reglement.objects.exists()):
            Compteur.objects.filter(name__in=GUIDE_COUNTERS).delete()
    for name in files:
        default_storage.delete(name)
    return deleted


def _delete(qs, chunk: int) -> int:
    total = 0
    model = qs.model
    while True:
        ids = list(qs.values_list("pk", flat=True).distinct()[:chunk])
        if not ids:
            return total
        model.objects.filter(pk__in=ids).delete()
        total += len(ids)
