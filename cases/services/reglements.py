"""The OPCO pays validated factures of one bénéficiaire with one règlement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from accounts.actors import Actor
from cases.models import Destinataire, Facture, LigneReglement, ModeReglement, Reglement, TypeCourrier
from cases.services._common import CourrierRequest, fire, invalid, log_transition, next_numbers, request_courriers
from cases.services.echeances import settle
from common.errors import Conflict, Forbidden, InvalidInput
from rules.lifecycles import EtatFacture
from rules.verdicts import Problem


def reglement_create(
    *,
    actor: Actor,
    facture_ids: Sequence[int],
    date_paiement: date | None,
    reference_virement: str,
    mode: str = ModeReglement.VIREMENT,
    now,
) -> Reglement:
    if not actor.is_opco:
        raise Forbidden("Action réservée aux gestionnaires de l'OPCO.")
    problems = []
    if not facture_ids:
        problems.append(Problem("facture_ids", "Sélectionnez au moins une facture validée.", "obligatoire"))
    if date_paiement is None:
        problems.append(Problem("date_paiement", "La date de paiement est obligatoire.", "obligatoire"))
    if not reference_virement or not reference_virement.strip():
        problems.append(Problem("reference_virement", "La référence du virement est obligatoire.", "obligatoire"))
    if mode not in ModeReglement.values:
        problems.append(Problem("mode", "Mode de règlement inconnu.", "inconnu"))
    invalid(problems)
    with transaction.atomic():
        factures = list(Facture.objects.select_for_update().filter(pk__in=set(facture_ids)).order_by("pk"))
        missing = set(facture_ids) - {f.pk for f in factures}
        if missing:
            raise InvalidInput([Problem("facture_ids", f"Factures introuvables : {sorted(missing)}.", "inconnu")])
        beneficiaires = {f.emetteur_id for f in factures}
        if len(beneficiaires) > 1:
            raise InvalidInput([Problem("facture_ids", "Un règlement ne paie qu'un seul bénéficiaire.")])
        not_valid = [f.numero for f in factures if f.etat != EtatFacture.VALIDEE]
        if not_valid:
            raise Conflict(f"Seules les factures validées peuvent être payées (factures {not_valid}).")
        reglement = Reglement.objects.create(
            numero=f"{next_numbers('reglement')[0]:07d}",
            reference_virement=reference_virement.strip(),
            date_paiement=date_paiement,
            mode=mode,
            beneficiaire_id=beneficiaires.pop(),
            montant_total_ttc=sum(f.montant_ttc for f in factures),
            created_at=now,
            created_by_id=actor.user_id,
        )
        for facture in factures:
            facture.updated_at = now
            source = fire(facture, "payer")
            settle(facture, actor=actor, now=now)
            log_transition(
                obj=facture,
                actor=actor,
                name="payer",
                source=source,
                now=now,
                details={"reglement": reglement.numero, "reference_virement": reglement.reference_virement},
            )
        LigneReglement.objects.bulk_create(
            LigneReglement(reglement=reglement, facture=f, dossier_id=f.dossier_id, montant_ttc=f.montant_ttc)
            for f in factures
        )
        request_courriers(
            log=None,
            key=f"reglement{reglement.pk}",
            reglement=reglement,
            now=now,
            requests=[CourrierRequest(TypeCourrier.AVIS_PAIEMENT, Destinataire.OF, reglement.beneficiaire_id, {})],
        )
    return reglement
