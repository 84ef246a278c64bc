"""The OPCO's back office: dossiers, factures, règlements, courriers, pièces, notifications,
the transition log and the gestionnaire's queues.

States are never edited here: a state changes only through a transition button of a dossier or
facture change page, which opens a small form and calls the matching service (never the model's
transition method). Dossiers are created by :func:`cases.services.dossier_register` (the
"Enregistrer un dossier déposé par l'entreprise" page) and règlements by
:func:`cases.services.reglement_create` (an action on validated factures). The transition log,
the courriers, the pièces and the notifications are read-only; a courrier « en échec » can be put
back in the outbox.

One module per subject; importing the package registers every page.
"""

from cases.admin.base import is_opco_staff, opco_actor
from cases.admin.courriers import AlerteExploitationAdmin, CourrierAdmin, NotificationAdmin, PieceJointeAdmin
from cases.admin.dossiers import DossierAdmin
from cases.admin.factures import FactureAdmin
from cases.admin.financement import EcheanceAdmin, FactureLigneAdmin, ReferenceNpecAdmin, ReferenceNpecAmorcageAdmin
from cases.admin.journal import TransitionLogAdmin
from cases.admin.queues import DelaiDecisionAdmin, DossierSansReponseAdmin
from cases.admin.references import CompteurAdmin, DigestEnvoiAdmin, RappelCleAdmin, ReferenceSmicAdmin
from cases.admin.reglements import LigneFinancementAdmin, LigneReglementAdmin, ReglementAdmin

__all__ = [
    "AlerteExploitationAdmin",
    "CompteurAdmin",
    "CourrierAdmin",
    "DelaiDecisionAdmin",
    "DigestEnvoiAdmin",
    "DossierAdmin",
    "DossierSansReponseAdmin",
    "EcheanceAdmin",
    "FactureAdmin",
    "FactureLigneAdmin",
    "LigneFinancementAdmin",
    "LigneReglementAdmin",
    "NotificationAdmin",
    "PieceJointeAdmin",
    "RappelCleAdmin",
    "ReferenceNpecAdmin",
    "ReferenceNpecAmorcageAdmin",
    "ReferenceSmicAdmin",
    "ReglementAdmin",
    "TransitionLogAdmin",
    "is_opco_staff",
    "opco_actor",
]
