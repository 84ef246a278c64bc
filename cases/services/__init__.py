"""Every write of the domain. Services are keyword-only, take ``actor`` and ``now``, lock what
they change, check permission and rules, transition, save, log and request side effects."""

from cases.services._common import Upload
from cases.services.dossiers import (
    dossier_add_pieces,
    dossier_avenant_create,
    dossier_cancel,
    dossier_close,
    dossier_declare_rupture,
    dossier_draft_delete,
    dossier_draft_save,
    dossier_grant,
    dossier_refuse,
    dossier_register,
    dossier_request_pieces,
    dossier_resume,
    dossier_take_charge,
    dossier_transmit,
)
from cases.services.echeances import dossier_echeancier_recalculer
from cases.services.factures import (
    LigneDemandee,
    facture_add_pieces,
    facture_deposit,
    facture_deposit_lignes,
    facture_instruct,
    facture_reject,
    facture_request_pieces,
    facture_resume,
    facture_validate,
)
from cases.services.reglements import reglement_create

__all__ = [
    "LigneDemandee",
    "Upload",
    "dossier_add_pieces",
    "dossier_avenant_create",
    "dossier_cancel",
    "dossier_close",
    "dossier_declare_rupture",
    "dossier_draft_delete",
    "dossier_draft_save",
    "dossier_echeancier_recalculer",
    "dossier_grant",
    "dossier_refuse",
    "dossier_register",
    "dossier_request_pieces",
    "dossier_resume",
    "dossier_take_charge",
    "dossier_transmit",
    "facture_add_pieces",
    "facture_deposit",
    "facture_deposit_lignes",
    "facture_instruct",
    "facture_reject",
    "facture_request_pieces",
    "facture_resume",
    "facture_validate",
    "reglement_create",
]
