"""`evolve`: the fold of a decision's recorded changes and postings into the writer's state.

The live path (after `decide`) and a restart (replaying the log) both go through it.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from itertools import starmap
from typing import Any

import msgspec
from msgspec.structs import replace

from ledger.core import changes as c
from ledger.core.entities import Line, Partner, Program, Progress, Sale, Subscription
from ledger.core.state import BUCKET_INDEX, State, list_sale
from ledger.rules.payouts import AvailableHistory
from ledger.rules.postings import Posting, account_owner
from ledger.rules.terms import Terms
from schemas.wire_types import ProgramConfigured


def evolve(state: State, changes: Iterable[c.Change], postings: Iterable[Posting]) -> None:
    """Fold one decision's changes and postings into the state."""
    for change in changes:
        _EVOLVE[type(change)](state, change)
    for posting in postings:
        _post(state, posting)


def _post(state: State, posting: Posting) -> None:
    amount, currency = posting.amount, posting.currency
    for account in (posting.destination, posting.source):  # into the destination, then out of the source
        owner = account_owner(account)
        if owner is not None:
            partner, bucket = state.partners[owner[0]], owner[1]
            buckets = partner.balances.get(currency)
            if buckets is None:
                buckets = partner.balances[currency] = [0, 0, 0]
            buckets[BUCKET_INDEX[bucket]] += amount
            if bucket == "available":
                history = partner.history.get(currency)
                if history is None:
                    history = partner.history[currency] = AvailableHistory()
                if posting.cause == "payout":
                    history.fold(posting.at_us)  # every payout counts; none is checked before the last one
                else:
                    history.record(posting.at_us, amount)
        amount = -amount


def _program_versioned(state: State, change: c.ProgramVersioned) -> None:
    config = change.config
    if not isinstance(config, ProgramConfigured):
        config = msgspec.convert(config, ProgramConfigured)
    program = state.programs.get(config.program_id)
    if program is None:
        program = state.programs[config.program_id] = Program(config.program_id)
    program.add(Terms(config))


def _partner_admitted(state: State, change: c.PartnerAdmitted) -> None:
    state.partners[change.partner_id] = Partner(change.partner_id, change.recruited_by, change.email_digest,
                                                ((change.at_us, change.event_id, change.program_id),))


def _program_switched(state: State, change: c.ProgramSwitched) -> None:
    partner = state.partners[change.partner_id]
    partner.memberships = tuple(sorted([*partner.memberships, (change.at_us, change.event_id, change.program_id)]))


def _sale_recorded(state: State, change: c.SaleRecorded) -> None:
    first = state.sale(change.sale_id)  # a retried charge keeps its partner, currency and refund ids
    if first is None:
        list_sale(state.sales_by_partner, change.partner_id, change.sale_id, change.at_us)
    list_sale(state.sales_by_program, change.program_id, change.sale_id, change.at_us)
    sale = state.sales[change.sale_id] = Sale(
        change.sale_id, first.partner_id if first else change.partner_id, first.currency if first else change.currency,
        change.product_id, change.amount, change.subscription_id, change.contact_id, change.own_customer,
        change.program_id, change.terms_version, change.attempt, 0, tuple(starmap(Line, change.lines)), change.note,
        change.at_us, 0, False, first.refund_ids if first else None)
    _hold(state, sale)


def _sale_refunded(state: State, change: c.SaleRefunded) -> None:
    sale = _sale(state, change.sale_id)
    if sale.refund_ids is None:
        sale.refund_ids = set()
    sale.refund_ids.add(change.refund_id)
    sale.refunded += change.amount
    sale.lines = _given_back(sale.lines, change.reversed)


def _sale_declined(state: State, change: c.SaleDeclined) -> None:
    sale = _sale(state, change.sale_id)
    sale.declined = True
    sale.lines = _given_back(sale.lines, change.reversed)


def _given_back(lines: tuple[Line, ...], amounts: list[int]) -> tuple[Line, ...]:
    return tuple([replace(line, reversed=line.reversed + amount) if amount else line
                  for line, amount in zip(lines, amounts, strict=True)])


def _decline_recorded(state: State, change: c.DeclineRecorded) -> None:
    state.declines.add(change.decline_id)


def _sale_corrected(state: State, change: c.SaleCorrected) -> None:
    sale = _sale(state, change.sale_id)
    if change.program_id != sale.program_id:
        list_sale(state.sales_by_program, change.program_id, sale.sale_id, sale.at_us)
    sale.program_id, sale.terms_version, sale.revision = change.program_id, change.terms_version, change.revision
    sale.lines = tuple(starmap(Line, change.lines))
    sale.note = change.note
    _hold(state, sale)


def _sale(state: State, sale_id: str) -> Sale:
    # Paged back in when a replayed change names a sale paged out after the snapshot replayed from.
    sale = state.sales.get(sale_id)
    if sale is None:
        sale = state.sale(sale_id)
        if sale is None:
            raise KeyError(f"a change names sale {sale_id}, which was never recorded")
    return sale


def _hold(state: State, sale: Sale) -> None:
    due = None
    for line in sale.lines:
        if line.bucket == "pending":
            if due is None:
                terms = state.programs[sale.program_id].version(sale.terms_version)
                due = sale.at_us + (terms.hold_us if terms is not None else 0)
            heapq.heappush(state.maturities, (due, sale.sale_id, sale.attempt, sale.revision, line.level))


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
    sale = _sale(state, change.sale_id)
    sale.lines = tuple([replace(line, bucket="available") if line.level == change.level else line
                        for line in sale.lines])


def _payout_made(state: State, change: c.PayoutMade) -> None:
    partner = state.partners[change.partner_id]
    if partner.payout_ids is None:
        partner.payout_ids = set()
    partner.payout_ids.add(change.payout_id)


_EVOLVE: dict[type[Any], Callable[[State, Any], None]] = {
    c.ProgramVersioned: _program_versioned, c.PartnerAdmitted: _partner_admitted,
    c.ProgramSwitched: _program_switched, c.SaleRecorded: _sale_recorded, c.SaleRefunded: _sale_refunded,
    c.SaleDeclined: _sale_declined, c.DeclineRecorded: _decline_recorded, c.SaleCorrected: _sale_corrected,
    c.SubscriptionStarted: _subscription_started, c.SlotTaken: _slot_taken, c.SlotReleased: _slot_released,
    c.ProgressMoved: _progress_moved, c.BonusAwarded: _bonus_awarded, c.BonusClawedBack: _bonus_clawed_back,
    c.LineMatured: _line_matured, c.PayoutMade: _payout_made,
}
