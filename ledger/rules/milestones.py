"""Milestones: progress in own net level-1 sales per period; a bonus at most once at a time."""

from __future__ import annotations

from typing import Literal

from ledger.rules.terms import MilestoneRule

Settlement = Literal["award", "clawback"] | None


def delta(rule: MilestoneRule, count: int, revenue: int, sale_currency: str) -> int:
    """How a sale (or what a refund or decline takes back) moves progress on one milestone.

    Revenue counts in the bonus's currency only; other currencies still count as sales.
    """
    if rule.metric == "sales_count":
        return count
    return revenue if sale_currency == rule.currency else 0


def settle(value: int, threshold: int, awarded: bool, claw_backable: bool) -> Settlement:
    """Award on crossing up; claw back on falling below only when the award allows it.

    So the net is never more than one bonus per partner, milestone and period.
    """
    if value >= threshold and not awarded:
        return "award"
    if value < threshold and awarded and claw_backable:
        return "clawback"
    return None


def clawback_at(cause_us: int, awarded_us: int) -> int:
    """A clawback is dated by its cause, but never before the bonus it takes back."""
    return max(cause_us, awarded_us)
