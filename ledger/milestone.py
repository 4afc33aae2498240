"""The MilestoneProgress aggregate: one partner's progress on one milestone in one period."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import aggregate_id


class MilestoneProgress(Aggregate):
    """Net level-1 sales (count or revenue) toward a threshold; the bonus at most once at a time."""

    @staticmethod
    def create_id(partner_id: str, program_id: str, milestone_id: str, period: str) -> UUID:
        return aggregate_id("milestone", f"{partner_id}|{program_id}|{milestone_id}|{period}")

    @event("Started")
    def __init__(self, partner_id: str, program_id: str, milestone_id: str, period: str, threshold: int) -> None:
        self.partner_id = partner_id
        self.program_id = program_id
        self.milestone_id = milestone_id
        self.period = period
        self.threshold = threshold
        self.value = 0
        self.awarded = False
        self.awards = 0
        self.awarded_at: datetime | None = None

    @event("Progressed")
    def progress(self, delta: int, sale_id: str, event_id: str) -> None:
        """Count a sale in (positive delta) or take it back (negative delta)."""
        self.value += delta

    @event("Achieved")
    def achieve(self, event_id: str, bonus_amount: int, bonus_currency: str, clawback: bool,
                awarded_at: datetime | None = None) -> None:
        """The threshold was crossed: the bonus is awarded, on the terms it is claw-backable by.

        `awarded_at` (the bonus's date) is absent from events recorded before it was kept.
        """
        self.awarded = True
        self.awards += 1
        self.bonus = (bonus_amount, bonus_currency, clawback)
        self.awarded_at = awarded_at

    @event("Lost")
    def lose(self, event_id: str) -> None:
        """Refunds took the partner back below the threshold and the bonus was clawed back."""
        self.awarded = False
