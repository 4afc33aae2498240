"""Deciding sales, refunds and declines."""

from __future__ import annotations

from ledger.core.changes import (
    DeclineRecorded,
    SaleDeclined,
    SaleRecorded,
    SaleRefunded,
    SlotReleased,
    SlotTaken,
)
from ledger.core.decision import Decision, Draft, Parked, Refused
from ledger.core.entities import Sale
from ledger.core.keys import declined_key, partner_key, program_key, sale_key
from ledger.core.money_moves import Attempt, credit, progress, reverse
from ledger.core.state import State
from ledger.rules import declines, guards, holds, recurring, refunds, tiers
from ledger.rules.terms import Terms
from schemas.reasons import Reason
from schemas.wire_types import ChargeDeclined, RefundIssued, SaleCompleted

Lines = list[tuple[str, int, int, str]]


def record_sale(state: State, event: SaleCompleted, at_us: int) -> Decision:
    """A sale earns each level of its seller's chain under the terms in effect at its time."""
    seller = state.partners.get(event.partner_id)
    if seller is None:
        return Parked(partner_key(event.partner_id), Reason.UNKNOWN_PARTNER, f"partner {event.partner_id} has not joined")
    existing = state.sale(event.sale_id)
    if existing is not None and not existing.declined:
        # Perhaps a retried charge whose decline has not arrived yet: wait for it.
        return Parked(declined_key(event.sale_id), Reason.DUPLICATE_SALE,
                      f"sale {event.sale_id} is already recorded and not declined")
    program_id = seller.program_at(at_us)
    program = state.programs.get(program_id)
    if program is None:
        return Parked(program_key(program_id), Reason.UNKNOWN_PROGRAM, f"program {program_id} is not configured")
    terms = program.terms_at(at_us)
    if terms is None:
        return Parked(program_key(program_id), Reason.NO_TERMS_IN_EFFECT,
                      f"program {program_id} has no terms in effect at {event.occurred_at.isoformat()}")
    own = guards.is_self_referral(seller.email_digest, event.customer.email)
    money = event.amount
    try:
        lines, note = earned_lines(state, terms, event.partner_id, event.product_id, money.amount, money.currency, own)
    except tiers.FlatCurrencyError as error:
        return Refused(Reason.CURRENCY_MISMATCH, str(error))
    draft = Draft(state)
    if event.subscription_id is not None:
        lines, note = _capped(draft, event, terms, lines, note, at_us)
    attempt = existing.attempt + 1 if existing is not None else 1
    draft.changes.append(SaleRecorded(
        event.sale_id, event.partner_id, event.product_id, money.amount, money.currency, event.subscription_id,
        event.customer.contact_id, program_id, terms.event_id, attempt, lines, note, own, at_us, event.event_id))
    sale = Attempt(event.sale_id, event.partner_id, program_id, money.currency, at_us, attempt, 0)
    credit(draft, sale, lines, terms, event.event_id)
    if lines and lines[0][1] == 1:  # the seller earns (lines come in level order)
        progress(draft, sale, terms, 1, money.amount, at_us)
    draft.released.append(sale_key(event.sale_id))
    return draft.done()


def earned_lines(state: State, terms: Terms, seller: str, product_id: str, amount: int, currency: str,
                 own_customer: bool) -> tuple[Lines, str | None]:
    """The lines a sale earns, and a note saying why it earns nothing when it doesn't."""
    if own_customer:
        return [], guards.SELF_REFERRAL
    paying = terms.tiers_for(product_id)
    if paying is None:
        return [], "product_not_eligible"
    return tiers.lines_for(paying, seller, state.recruiter_of, amount, currency, holds.bucket(terms.hold_us)), None


def _capped(draft: Draft, event: SaleCompleted, terms: Terms, lines: Lines, note: str | None,
            at_us: int) -> tuple[Lines, str | None]:
    assert event.subscription_id is not None
    subscription = draft.subscription(event.subscription_id, at_us)
    capped = recurring.cap_note(max_payments=terms.max_payments, max_months=terms.max_months,
                                first_us=subscription.first_us, earning=subscription.earning,
                                sale_id=event.sale_id, at_us=at_us)
    if capped:
        return [], capped
    if lines and event.sale_id not in subscription.earning:
        subscription.earning[event.sale_id] = at_us
        draft.changes.append(SlotTaken(event.subscription_id, event.sale_id, at_us))
    return lines, note


def refund_sale(state: State, event: RefundIssued, at_us: int) -> Decision:
    """A refund reverses each line by the cumulative refunded share."""
    sale = state.sale(event.sale_id)
    if sale is None:
        return Parked(sale_key(event.sale_id), Reason.UNKNOWN_SALE, f"sale {event.sale_id} is not recorded")
    money = event.amount
    refusal = refunds.refund_refusal(
        sale_id=sale.sale_id, sale_amount=sale.amount, sale_currency=sale.currency, refunded=sale.refunded,
        declined=sale.declined, refund_ids=sale.refund_ids or (), refund_id=event.refund_id, amount=money.amount,
        currency=money.currency)
    if refusal is not None:
        return Refused(*refusal)
    amounts = refunds.refund_reversals([(ln.amount, ln.reversed) for ln in sale.lines], sale.refunded + money.amount,
                                       sale.amount)
    draft = Draft(state)
    draft.changes.append(SaleRefunded(sale.sale_id, event.refund_id, money.amount, amounts, at_us))
    _take_back(draft, state, sale, amounts, "refund", at_us, refunds.taken_back(sale.refunded, money.amount, sale.amount))
    return draft.done()


def decline_charge(state: State, event: ChargeDeclined, at_us: int, sale_expected: bool = True) -> Decision:
    """A declined charge earns nothing and is recorded; naming a recorded sale, it reverses it."""
    sale = state.sale(event.sale_id) if event.sale_id else None
    if event.sale_id and sale is None and sale_expected:
        return Parked(sale_key(event.sale_id), Reason.UNKNOWN_SALE, f"sale {event.sale_id} is not recorded")
    if event.decline_id in state.declines:
        return Refused(Reason.DUPLICATE_ID, f"decline {event.decline_id} was already recorded")
    draft = Draft(state)
    declined_now = sale is not None and not sale.declined
    if sale is not None and declined_now:
        amounts = declines.decline_reversals([(ln.amount, ln.reversed) for ln in sale.lines])
        draft.changes.append(SaleDeclined(sale.sale_id, event.decline_id, amounts, at_us))
        if sale.subscription_id is not None and sale.sale_id in draft.subscription(sale.subscription_id, at_us).earning:
            draft.changes.append(SlotReleased(sale.subscription_id, sale.sale_id))
        _take_back(draft, state, sale, amounts, "decline", at_us, declines.taken_back(sale.amount, sale.refunded))
        draft.released.append(declined_key(sale.sale_id))
    money = event.amount
    draft.changes.append(DeclineRecorded(event.decline_id, event.partner_id, event.sale_id, event.product_id,
                                         money.amount, money.currency, event.customer.contact_id, event.reason,
                                         declined_now, at_us))
    return draft.done()


def _take_back(draft: Draft, state: State, sale: Sale, amounts: list[int], cause: str, at_us: int,
               taken: tuple[int, int]) -> None:
    attempt = Attempt(sale.sale_id, sale.partner_id, sale.program_id, sale.currency, sale.at_us, sale.attempt,
                      sale.revision)
    reverse(draft, attempt, [(ln.partner_id, ln.level, ln.bucket) for ln in sale.lines], amounts, cause, at_us)
    program = state.programs.get(sale.program_id)
    terms = program.terms_at(sale.at_us) if program is not None else None
    count, revenue = taken
    if terms is not None and sale.counts_for_milestones and (count or revenue):
        # A clawback is dated by the refund or decline that causes it, not by the sale it takes back.
        progress(draft, attempt, terms, -count, -revenue, at_us)
