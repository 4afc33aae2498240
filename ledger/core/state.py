"""The writer's state: everything it decides with, changed only by `evolve` (ledger/core/evolve.py)."""

from __future__ import annotations

from ledger.core.entities import Partner, Program, Progress, Sale, Subscription
from ledger.core.seen import SeenFilter

ProgressKey = tuple[str, str, str, str]  # (partner, program, milestone, period)
BUCKET_INDEX = {"pending": 0, "available": 1, "paid": 2}


class State:
    """Everything the writer decides with; changed only by `evolve`."""

    __slots__ = ("programs", "partners", "sales", "progress", "subscriptions", "declines", "sales_by_program",
                 "sales_by_partner", "maturities", "seen_ids")

    def __init__(self) -> None:
        self.programs: dict[str, Program] = {}
        self.partners: dict[str, Partner] = {}
        self.sales: dict[str, Sale] = {}
        self.progress: dict[ProgressKey, Progress] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.declines: set[str] = set()
        # Sale ids listed under each program and partner, with the latest time each was listed at.
        self.sales_by_program: dict[str, dict[str, int]] = {}
        self.sales_by_partner: dict[str, dict[str, int]] = {}
        # Pending lines by due time, a heap of (due, sale, attempt, revision, level); stale ones are skipped.
        self.maturities: list[tuple[int, str, int, int, int]] = []
        self.seen_ids = SeenFilter()  # every event id recorded, to ask the log only about possible repeats

    def recruiter_of(self, partner_id: str) -> str | None:
        """A joined partner's recruiter, or None."""
        partner = self.partners.get(partner_id)
        return partner.recruited_by if partner is not None else None

    def sales_since(self, index: dict[str, dict[str, int]], key: str, since_us: int) -> list[Sale]:
        """A program's or partner's sales from `since_us` on, in event-time order."""
        # A retried or re-programmed sale is listed at its latest time; its current time decides.
        sales = (self.sales[sale_id] for sale_id, at_us in index.get(key, {}).items() if at_us >= since_us)
        return sorted((s for s in sales if s.at_us >= since_us), key=lambda s: (s.at_us, s.sale_id))
