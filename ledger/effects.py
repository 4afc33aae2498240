"""What a sale, refund or decline does to partners: accruals, reversals, notifications, holds, milestones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from uuid import UUID

from ledger.ids import aggregate_id, transaction_id
from ledger.maturation import Maturity, due_at
from ledger.milestone import MilestoneProgress
from ledger.notifications import Notification
from ledger.parking import funds_key
from ledger.partner import Partner
from ledger.periods import period_key
from ledger.program import Program
from ledger.sale import Reversal, Sale
from ledger.terms import Terms
from ledger.unit_of_work import UnitOfWork
from schemas.events import SaleCompleted
from schemas.program import Milestone

PartnerOf = Callable[[str], Partner]


class SaleEffects:
    """Moves money between partner accounts for one sale, and records what follows from it."""

    def __init__(self, uow: UnitOfWork, partner_of: PartnerOf) -> None:
        self.uow = uow
        self.partner_of = partner_of

    def credit(self, sale: Sale, terms: Terms, event_id: str, notify: bool = True) -> list[str]:
        """Accrue every line of the sale's current attempt; returns keys of funds made available."""
        self.uow.sales_decided.append((sale.sale_id, sale.program_id, sale.partner_id, sale.occurred_at))
        funded = []
        for line in sale.lines:
            self.partner_of(line["partner_id"]).accrue(
                transaction_id(event_id), sale.sale_id, line["level"], line["amount"], sale.currency,
                line["bucket"], sale.occurred_at)
            if line["bucket"] == "pending":
                self.uow.maturities.append(Maturity(sale.sale_id, sale.attempt, line["level"], line["partner_id"],
                                                    due_at(sale.occurred_at, terms.hold_days), sale.revision))
            else:
                funded.append(funds_key(line["partner_id"], sale.currency))
            if notify and terms.configured.notify_on_commission:
                self.uow.notifications.append(Notification(
                    line["partner_id"], sale.sale_id, line["level"], line["amount"], sale.currency,
                    sale.occurred_at, event_id, sale.attempt, sale.revision))
        if sale.counts_for_milestones:
            funded += self.progress(sale, terms, event_id, count=sale.still_counted, revenue=sale.amount - sale.refunded)
        return sorted(set(funded))

    def debit(self, sale: Sale, terms: Terms | None, reversals: list[Reversal], cause: str, event_id: str,
              occurred_at: datetime, taken_back: tuple[int, int]) -> list[str]:
        """Reverse lines of a refunded or declined sale and take its milestone progress back.

        Returns funds keys of bonuses awarded (terms whose threshold was lowered since may award one).
        """
        for reversal in reversals:
            self.partner_of(reversal.partner_id).reverse(
                transaction_id(event_id), sale.sale_id, reversal.level, reversal.amount, sale.currency,
                reversal.bucket, cause, occurred_at)
        count, revenue = taken_back
        if terms is not None and sale.counts_for_milestones and (count or revenue):
            # A clawback is dated by the refund or decline that causes it, not by the sale it takes back.
            return self.progress(sale, terms, event_id, count=-count, revenue=-revenue, when=occurred_at)
        return []

    def mature(self, sale: Sale, maturity: Maturity, now: datetime) -> str | None:
        """Make a matured pending line available; returns the funds key it releases."""
        remaining = sale.mature(maturity.level, maturity.attempt, maturity.revision, now)
        if remaining is None:
            return None
        tx = transaction_id(f"maturation:{maturity.key}")
        # Dated at the due time, not the timer's tick, so "as of" answers follow event time.
        self.partner_of(remaining.partner_id).mature(tx, sale.sale_id, remaining.level, remaining.amount,
                                                     sale.currency, maturity.due_at)
        return funds_key(remaining.partner_id, sale.currency)

    def progress(self, sale: Sale, terms: Terms, event_id: str, count: int, revenue: int,
                 when: datetime | None = None) -> list[str]:
        """Move the seller's progress on every milestone of the sale's terms, then settle bonuses (dated `when`).

        Returns the funds keys of bonuses awarded: a bonus is available at once, so it may fund a waiting payout.
        """
        funded = []
        for milestone in terms.configured.milestones:
            delta = count if milestone.metric == "sales_count" else _revenue(milestone, sale, revenue)
            if delta:
                progress = self._progress_of(sale, milestone)
                progress.progress(delta, sale.sale_id, event_id)
                if self._settle(progress, milestone, event_id, when or sale.occurred_at):
                    funded.append(funds_key(progress.partner_id, milestone.bonus.currency))
        return funded

    def progress_ids(self, sales: Iterable[SaleCompleted]) -> set[UUID]:
        """Milestone progress these sales will move, as far as the partners and programs at hand tell.

        Most are new (a partner's first sale in a period): asking for them in one query, with
        the batch's other aggregates, saves a round trip each.
        """
        ids: set[UUID] = set()
        for sale in sales:
            seller = self.uow.peek(Partner, aggregate_id("partner", sale.partner_id))
            program_id = seller.program_at(sale.occurred_at) if seller else None
            program = self.uow.peek(Program, Program.create_id(program_id)) if program_id else None
            terms = program.terms_at(sale.occurred_at) if program else None
            for milestone in terms.configured.milestones if terms and program_id else []:
                period = period_key(milestone.period, sale.occurred_at)
                ids.add(MilestoneProgress.create_id(sale.partner_id, program_id, milestone.id, period))
        return ids

    def _progress_of(self, sale: Sale, milestone: Milestone) -> MilestoneProgress:
        period = period_key(milestone.period, sale.occurred_at)
        progress_id = MilestoneProgress.create_id(sale.partner_id, sale.program_id, milestone.id, period)
        progress = self.uow.get(MilestoneProgress, progress_id)
        if progress is None:
            progress = MilestoneProgress(partner_id=sale.partner_id, program_id=sale.program_id,
                                         milestone_id=milestone.id, period=period, threshold=milestone.threshold)
            self.uow.add(progress)
        return progress

    def _settle(self, progress: MilestoneProgress, milestone: Milestone, event_id: str, when: datetime) -> bool:
        # Award on crossing up; claw back on falling below only with clawback; so the net is
        # never more than one bonus per partner, milestone and period.
        # The threshold is the current definition's; a clawback takes back exactly what was awarded.
        partner = self.partner_of(progress.partner_id)
        tx = transaction_id(f"milestone:{progress.id}:{progress.awards}:{event_id}")
        reached = progress.value >= milestone.threshold
        if reached and not progress.awarded:
            bonus = milestone.bonus
            progress.achieve(event_id, bonus.amount, bonus.currency, milestone.clawback, when)
            partner.award_bonus(tx, milestone.id, progress.period, bonus.amount, bonus.currency, when)
            return True
        if not reached and progress.awarded and progress.bonus[2]:
            amount, currency, _ = progress.bonus
            # Never dated before the bonus it takes back: a refund can be dated before the sale that won it.
            awarded_at = progress.awarded_at
            progress.lose(event_id)
            partner.claw_back_bonus(tx, milestone.id, progress.period, amount, currency,
                                    max(when, awarded_at) if awarded_at else when)
        return False


def _revenue(milestone: Milestone, sale: Sale, revenue: int) -> int:
    # Revenue counts in the bonus's currency only; other currencies still count as sales.
    return revenue if sale.currency == milestone.bonus.currency else 0

