"""Legal clocks and reminder delays, as pure date arithmetic (``today`` is always an argument)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rules.lifecycles import Dispositif

# The OPCO rules within 20 days of receiving the complete file (apprentissage: D6224-1 and
# CRPA L231-4; professionnalisation/Pro-A: D6325-2).
DECISION_DELAY_DAYS = 20
AT_RISK_DAYS = 5
# What silence means when the delay lapses.
SILENCE_OUTCOME = {
    Dispositif.APPRENTISSAGE: "refus implicite",
    Dispositif.PROFESSIONNALISATION: "acceptation implicite",
    Dispositif.PRO_A: "acceptation implicite",
}

# Days without anything new before a relance, per dispositif (dossiers) and for factures.
RELANCE_DELAYS = {
    Dispositif.APPRENTISSAGE: 15,
    Dispositif.PROFESSIONNALISATION: 15,
    Dispositif.PRO_A: 15,
    Dispositif.ACTION_FORMATION: 21,
    "facture": 21,
}
# After this many relances the dossier goes to the gestionnaire's queue.
RELANCES_BEFORE_ESCALATION = 2


@dataclass(frozen=True, slots=True)
class DecisionClock:
    started_on: date
    deadline: date
    days_left: int
    outcome_if_silent: str

    @property
    def lapsed(self) -> bool:
        return self.days_left < 0

    @property
    def at_risk(self) -> bool:
        return 0 <= self.days_left <= AT_RISK_DAYS


def decision_clock(*, dispositif: str, complete_since: date, today: date) -> DecisionClock | None:
    """The 20-day clock of a complete file; ``None`` for dispositifs without a legal clock.

    ``complete_since`` is the day the file became complete: its transmission, or the day the
    instruction resumed after a demande de pièces (the delay starts again on the complete file).
    """
    outcome = SILENCE_OUTCOME.get(Dispositif(dispositif))
    if outcome is None:
        return None
    deadline = complete_since + timedelta(days=DECISION_DELAY_DAYS)
    return DecisionClock(complete_since, deadline, (deadline - today).days, outcome)


def relance_due(*, last_activity: date, today: date, delay_days: int) -> bool:
    return (today - last_activity).days >= delay_days


def at_risk_threshold(*, today: date) -> date:
    """Files complete on or before this day are at risk today (or past their deadline)."""
    return today - timedelta(days=DECISION_DELAY_DAYS - AT_RISK_DAYS)
