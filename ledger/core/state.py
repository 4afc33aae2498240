"""The writer's state and `evolve`: the fold of recorded changes and postings into it."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from ledger.core import changes as c
from ledger.core.entities import Line, Partner, Program, Progress, Sale, Subscription
from ledger.rules.payouts import AvailableHistory
from ledger.rules.postings import Posting, account_owner
from ledger.rules.terms import Terms
from schemas.wire_types import ProgramConfigured

ProgressKey = tuple[str, str, str, str]  # (partner, program, milestone, period)
BUCKET_INDEX = {"pending": 0, "available": 1, "paid": 2}


class State:
    """Everything the writer decides with; changed only by `evolve`."""

    __slots__ = ("programs", "partners", "sales", "progress", "subscriptions", "declines", "sales_by_program",
                 "sales_by_partner", "maturities")

    def __init__(self) -> None:
        self.programs: dict[str, Program] = {}
        self.partners: dict[str, Partner] = {}
        self.sales: dict[str, Sale] = {}
        self.progress: dict[ProgressKey, Progress] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.declines: set[str] = set()
        self.sales_by_program: dict[str, list[tuple[int, str]]] = {}
        self.sales_by_partner: dict[str, list[tuple[int, str]]] = {}
        # Pending lines by due time, a heap of (due, sale, attempt, revision, level); stale ones are skipped.
        self.maturities: list[tuple[int, str, int, int, int]] = []

    def recruiter_of(self, partner_id: str) -> str | None:
        """A joined partner's recruiter, or None."""
        partner = self.partners.get(partner_id)
        return partner.recruited_by if partner is not None else None

    def sales_since(self, index: dict[str, list[tuple[int, str]]], key: str, since_us: int) -> list[Sale]:
        """A program's or partner's sales from `since_us` on, in event-time order."""
        # A retried or re-programmed sale is listed once per entry; its current time decides.
        sales = {self.sales[sale_id] for at_us, sale_id in index.get(key, ()) if at_us >= since_us}
        return sorted((s for s in sales if s.at_us >= since_us), key=lambda s: (s.at_us, s.sale_id))


def evolve(state: State, changes: Iterable[c.Change], postings: Iterable[Posting]) -> None:
    """Fold one decision's changes and postings into the state."""
    for change in changes:
        _EVOLVE[type(change)](state, change)
    for posting in postings:
        _post(state, posting)


def _post(state: State, posting: Posting) -> None:
    for account, sign in ((posting.destination, 1), (posting.source, -1)):
        owner = account_owner(account)
        if owner is None:
            continue
        partner = state.partners[owner[0]]
        buckets = partner.balances.get(posting.currency)
        if buckets is None:
            buckets = partner.balances[posting.currency] = [0, 0, 0]
        buckets[BUCKET_INDEX[owner[1]]] += sign * posting.amount
        if owner[1] != "available":
            continue
        history = partner.history.get(posting.currency)
        if history is None:
            history = partner.history[posting.currency] = AvailableHistory()
        if posting.cause == "payout":
            history.fold(posting.at_us)  # every payout counts; none is checked before the last one
        else:
            history.record(posting.at_us, sign * posting.amount)


def _program_versioned(state: State, change: c.ProgramVersioned) -> None:
    config = change.config
    if not isinstance(config, ProgramConfigured):
        config = msgspec.convert(config, ProgramConfigured)
    program = state.programs.get(config.program_id)
    if program is None:
        program = state.programs[config.program_id] = Program(config.program_id)
    program.add(Terms(config))


def _partner_admitted(state: State, change: c.PartnerAdmitted) -> None:
    partner = state.partners[change.partner_id] = Partner(change.partner_id, change.recruited_by,
                                                          change.email_digest)
    partner.memberships.append((change.at_us, change.event_id, change.program_id))


def _program_switched(state: State, change: c.ProgramSwitched) -> None:
    memberships = state.partners[change.partner_id].memberships
    memberships.append((change.at_us, change.event_id, change.program_id))
    memberships.sort()


def _sale_recorded(state: State, change: c.SaleRecorded) -> None:
    sale = state.sales.get(change.sale_id)
    if sale is None:
        sale = state.sales[change.sale_id] = Sale(change.sale_id, change.partner_id, change.currency)
        state.sales_by_partner.setdefault(change.partner_id, []).append((change.at_us, change.sale_id))
    state.sales_by_program.setdefault(change.program_id, []).append((change.at_us, change.sale_id))
    sale.product_id, sale.amount, sale.subscription_id = change.product_id, change.amount, change.subscription_id
    sale.contact_id, sale.own_customer, sale.program_id = change.contact_id, change.own_customer, change.program_id
    sale.terms_version, sale.attempt, sale.revision = change.terms_version, change.attempt, 0
    sale.lines = [Line(*line) for line in change.lines]
    sale.note, sale.at_us, sale.refunded, sale.declined = change.note, change.at_us, 0, False
    _hold(state, sale)


def _sale_refunded(state: State, change: c.SaleRefunded) -> None:
    sale = state.sales[change.sale_id]
    sale.refund_ids.add(change.refund_id)
    sale.refunded += change.amount
    for line, amount in zip(sale.lines, change.reversed, strict=True):
        line.reversed += amount


def _sale_declined(state: State, change: c.SaleDeclined) -> None:
    sale = state.sales[change.sale_id]
    sale.declined = True
    for line, amount in zip(sale.lines, change.reversed, strict=True):
        line.reversed += amount


def _decline_recorded(state: State, change: c.DeclineRecorded) -> None:
    state.declines.add(change.decline_id)


def _sale_corrected(state: State, change: c.SaleCorrected) -> None:
    sale = state.sales[change.sale_id]
    if change.program_id != sale.program_id:
        state.sales_by_program.setdefault(change.program_id, []).append((sale.at_us, sale.sale_id))
    sale.program_id, sale.terms_version, sale.revision = change.program_id, change.terms_version, change.revision
    sale.lines = [Line(*line) for line in change.lines]
    sale.note = change.note
    _hold(state, sale)


def _hold(state: State, sale: Sale) -> None:
    pending = [line.level for line in sale.lines if line.bucket == "pending"]
    if not pending:
        return
    terms = state.programs[sale.program_id].version(sale.terms_version)
    due = sale.at_us + (terms.hold_us if terms is not None else 0)
    for level in pending:
        heapq.heappush(state.maturities, (due, sale.sale_id, sale.attempt, sale.revision, level))


def _subscription_started(state: State, change: c.SubscriptionStarted) -> None:
    state.subscriptions[change.subscription_id] = Subscription(change.first_us)


def _slot_taken(state: State, change: c.SlotTaken) -> None:
    state.subscriptions[change.subscription_id].earning[change.sale_id] = change.at_us


def _slot_released(state: State, change: c.SlotReleased) -> None:
    state.subscriptions[change.subscription_id].earning.pop(change.sale_id, None)


def _progress(state: State, change: Any) -> Progress:
    key = (change.partner_id, change.program_id, change.milestone_id, change.period)
    progress = state.progress.get(key)
    if progress is None:
        progress = state.progress[key] = Progress()
    return progress


def _progress_moved(state: State, change: c.ProgressMoved) -> None:
    _progress(state, change).value += change.delta


def _bonus_awarded(state: State, change: c.BonusAwarded) -> None:
    progress = _progress(state, change)
    progress.awarded, progress.awards = True, progress.awards + 1
    progress.bonus, progress.awarded_us = (change.amount, change.currency, change.clawback), change.at_us


def _bonus_clawed_back(state: State, change: c.BonusClawedBack) -> None:
    _progress(state, change).awarded = False


def _line_matured(state: State, change: c.LineMatured) -> None:
    for line in state.sales[change.sale_id].lines:
        if line.level == change.level:
            line.bucket = "available"


def _payout_made(state: State, change: c.PayoutMade) -> None:
    state.partners[change.partner_id].payout_ids.add(change.payout_id)


_EVOLVE: dict[type[Any], Callable[[State, Any], None]] = {
    c.ProgramVersioned: _program_versioned, c.PartnerAdmitted: _partner_admitted,
    c.ProgramSwitched: _program_switched, c.SaleRecorded: _sale_recorded, c.SaleRefunded: _sale_refunded,
    c.SaleDeclined: _sale_declined, c.DeclineRecorded: _decline_recorded, c.SaleCorrected: _sale_corrected,
    c.SubscriptionStarted: _subscription_started, c.SlotTaken: _slot_taken, c.SlotReleased: _slot_released,
    c.ProgressMoved: _progress_moved, c.BonusAwarded: _bonus_awarded, c.BonusClawedBack: _bonus_clawed_back,
    c.LineMatured: _line_matured, c.PayoutMade: _payout_made,
}
