"""Reads of the financing of apprenticeship contracts: the échéancier of a dossier as its reader sees
it today (Europe/Paris), the amounts a CERFA requests, and the échéances an établissement may invoice
now or later.

Below :mod:`cases.selectors` (which scopes every read to the actor and calls these builders on what
it has already scoped): nothing here picks objects on its own except through a queryset it is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet

from cases.models import Dossier, Echeance
from cases.references import montants_demandes_for
from rules.echeancier import NATURE_LABELS, REGIME_LABELS, Regime, Statut, reste_a_facturer, statut, trop_percu
from rules.npec import SOURCE_AMORCAGE, MontantsDemandes

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class EcheanceLigne:
    """One échéance as shown today: its amounts, what is left to invoice and its statut."""

    echeance: Echeance
    statut: Statut
    reste: Decimal
    trop_percu: Decimal

    def __getattr__(self, name):
        return getattr(self.echeance, name)

    @property
    def codification(self) -> str:
        return self.echeance.codification

    @property
    def libelle(self) -> str:
        e = self.echeance
        label = NATURE_LABELS.get(e.nature, e.nature)
        rate = f" de {e.taux} %" if e.taux else ""
        return f"{label}{rate} — {e.annee}{'re' if e.annee == 1 else 'e'} année"

    @property
    def statut_libelle(self) -> str:
        return self.statut.label

    @property
    def facturable(self) -> bool:
        """Opened, with something left to invoice (even while another facture on it is in instruction)."""
        return self.reste > 0 and self.statut is not Statut.A_VENIR


def echeance_ligne(echeance: Echeance, today: date) -> EcheanceLigne:
    return EcheanceLigne(
        echeance=echeance,
        statut=statut(
            total=echeance.montant_total,
            regle=echeance.montant_regle,
            en_instruction=echeance.montant_en_instruction,
            ouverture=echeance.date_ouverture,
            today=today,
        ),
        reste=reste_a_facturer(echeance.montant_total, echeance.montant_regle, echeance.montant_en_instruction),
        trop_percu=trop_percu(echeance.montant_total, echeance.montant_regle),
    )


@dataclass(frozen=True)
class EcheancierVue:
    """The échéancier of a dossier and its engagement, today."""

    lignes: list[EcheanceLigne]
    regime: str
    npec_annuel: Decimal | None
    npec_source: str
    participation: Decimal
    engagement: Decimal  # the NPEC engaged: the échéances plus the employer's participation
    total: Decimal  # what the OPCO pays: the échéances
    regle: Decimal
    en_instruction: Decimal
    a_facturer: Decimal  # opened and not yet invoiced
    a_venir: Decimal  # not yet opened
    trop_percu: Decimal
    today: date = field(default_factory=date.today)

    @property
    def regime_libelle(self) -> str:
        try:
            return REGIME_LABELS[Regime(self.regime)]
        except ValueError:
            return ""

    @property
    def npec_origine(self) -> str:
        if not self.npec_source:
            return ""
        return "niveau d'amorçage" if self.npec_source == SOURCE_AMORCAGE else "référentiel des NPEC"

    @property
    def facturables(self) -> list[EcheanceLigne]:
        return [line for line in self.lignes if line.facturable]


def echeancier_vue(dossier: Dossier, echeances: Iterable[Echeance], today: date) -> EcheancierVue | None:
    """The échéancier of ``dossier`` (already scoped by the caller) from its échéances, or None when it has none."""
    lignes = [echeance_ligne(e, today) for e in sorted(echeances, key=lambda e: e.numero)]
    if not lignes:
        return None
    total = sum((line.montant_total for line in lignes), ZERO)
    participation = dossier.participation_employeur or ZERO
    return EcheancierVue(
        lignes=lignes,
        regime=dossier.echeancier_regime,
        npec_annuel=dossier.npec_annuel,
        npec_source=dossier.npec_source,
        participation=participation,
        engagement=total + participation,
        total=total,
        regle=sum((line.montant_regle for line in lignes), ZERO),
        en_instruction=sum((line.montant_en_instruction for line in lignes), ZERO),
        a_facturer=sum((line.reste for line in lignes if line.date_ouverture <= today), ZERO),
        a_venir=sum((line.reste for line in lignes if line.date_ouverture > today), ZERO),
        trop_percu=sum((line.trop_percu for line in lignes), ZERO),
        today=today,
    )


# --- The amounts a CERFA requests (the saisie's « Demandé ») ----------------------------------------


def financement_demande(*, payload: dict) -> MontantsDemandes | None:
    """What the transmission of this CERFA will request (NPEC prorated, frais annexes), or None while its
    contract dates are not known."""
    return montants_demandes_for(payload)


# --- Échéances to invoice, now or later -------------------------------------------------------------


class VueEcheances:
    A_FACTURER = "a_facturer"
    A_VENIR = "a_venir"


_REST = ExpressionWrapper(
    F("montant_total") - F("montant_regle") - F("montant_en_instruction"),
    output_field=DecimalField(max_digits=12, decimal_places=2),
)


def echeances_in_view(qs: QuerySet[Echeance], vue: str, today: date) -> QuerySet[Echeance]:
    """« À facturer »: opened with something left to invoice; « À venir »: not yet opened."""
    qs = qs.annotate(reste=_REST)
    if vue == VueEcheances.A_VENIR:
        return qs.filter(date_ouverture__gt=today, montant_total__gt=0)
    return qs.filter(Q(date_ouverture__lte=today) & Q(reste__gt=0))
