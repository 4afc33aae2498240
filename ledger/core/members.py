"""Deciding programs, partners joining and moving, and payouts."""

from __future__ import annotations

from ledger.core.changes import (
    PartnerAdmitted,
    PayoutMade,
    ProgramSwitched,
    ProgramVersioned,
)
from ledger.core.correcting import correct
from ledger.core.decision import Decision, Draft, Need, Parked, Refused
from ledger.core.entities import Program
from ledger.core.keys import funds_key, partner_key, program_key
from ledger.core.state import State
from ledger.rules import guards, payouts
from ledger.rules.postings import Posting, partner_account
from ledger.rules.terms import Terms
from ledger.rules.tiers import FlatCurrencyError
from schemas.reasons import Reason
from schemas.wire_types import (
    PartnerJoined,
    PartnerProgramChanged,
    PayoutSent,
    ProgramConfigured,
)


def configure_program(state: State, event: ProgramConfigured, at_us: int) -> Decision:
    """A version of a program's terms; sales it governs that were decided under another are corrected."""
    draft = Draft(state)
    draft.changes.append(ProgramVersioned(event))
    draft.released.append(program_key(event.program_id))
    known = state.programs.get(event.program_id)
    if known is None:
        return draft.done()
    program = Program(event.program_id)  # the program as it will be, to decide the corrections with
    program.versions = list(known.versions)
    program.add(Terms(event))
    try:
        for sale in state.sales_since("program", event.program_id, at_us):
            if sale.program_id == event.program_id:
                correct(draft, sale, program, event.event_id)
    except FlatCurrencyError as error:  # the version cannot pay a sale it governs: refused whole
        return Refused(Reason.CURRENCY_MISMATCH, str(error))
    return draft.done()


def join_partner(state: State, event: PartnerJoined, at_us: int) -> Decision:
    """A partner joins a program, recruited by a partner who joined before (never in a loop)."""
    if event.partner_id in state.partners:
        return Refused(Reason.PARTNER_ALREADY_JOINED, f"partner {event.partner_id} already joined; use "
                                                      "partner.program_changed to move programs")
    recruiter = event.recruited_by
    if recruiter is not None and recruiter != event.partner_id and recruiter not in state.partners:
        return Parked(partner_key(recruiter), Reason.UNKNOWN_PARTNER, f"partner {recruiter} has not joined")
    refusal = guards.recruitment_refusal(event.partner_id, recruiter, state.recruiter_of)
    if refusal is not None:
        return Refused(*refusal)
    draft = Draft(state)
    draft.changes.append(PartnerAdmitted(event.partner_id, event.program_id, recruiter, event.name,
                                         _email_digest(event), at_us, event.event_id))
    draft.released.append(partner_key(event.partner_id))
    return draft.done()


def _email_digest(event: PartnerJoined) -> str:
    # A join carried over from the first layout brings the digest it kept, not the email.
    return getattr(event, "email_digest", "") or guards.email_digest(event.email)


def change_program(state: State, event: PartnerProgramChanged, at_us: int) -> Decision:
    """A partner moves to another program from the event's time; later sales are corrected to it."""
    partner = state.partners.get(event.partner_id)
    if partner is None:
        return Parked(partner_key(event.partner_id), Reason.UNKNOWN_PARTNER, f"partner {event.partner_id} has not joined")
    target = state.programs.get(event.program_id)
    if target is None:
        return Parked(program_key(event.program_id), Reason.UNKNOWN_PROGRAM, f"program {event.program_id} is not configured")
    draft = Draft(state)
    draft.changes.append(ProgramSwitched(event.partner_id, event.program_id, at_us, event.event_id))
    memberships = sorted([*partner.memberships, (at_us, event.event_id, event.program_id)])
    try:
        for sale in state.sales_since("partner", partner.partner_id, at_us):
            if sale.partner_id == partner.partner_id and _program_at(memberships, sale.at_us) == target.program_id:
                correct(draft, sale, target, event.event_id, state.programs.get(sale.program_id))
    except FlatCurrencyError as error:
        return Refused(Reason.CURRENCY_MISMATCH, str(error))
    return draft.done()


def _program_at(memberships: list[tuple[int, str, str]], at_us: int) -> str:
    current = memberships[0][2]
    for effective, _, program_id in memberships:
        if effective > at_us:
            break
        current = program_id
    return current


def send_payout(state: State, event: PayoutSent, at_us: int) -> Decision:
    """A payout moves available to paid, if available as of its date covers it; else it waits for funds."""
    partner = state.partners.get(event.partner_id)
    if partner is None:
        return Parked(partner_key(event.partner_id), Reason.UNKNOWN_PARTNER, f"partner {event.partner_id} has not joined")
    program = state.programs.get(partner.program_at(at_us))
    terms = program.terms_at(at_us) if program is not None else None
    money = event.amount
    refusal = payouts.payout_refusal(payout_ids=partner.payout_ids or (), payout_id=event.payout_id,
                                     amount=money.amount, currency=money.currency,
                                     min_payout=terms.min_payout if terms else None)
    if refusal is not None:
        return Refused(*refusal)
    available = partner.available_as_of(money.currency, at_us)
    if money.amount > available:
        return Parked(funds_key(event.partner_id, money.currency), Reason.OVER_PAYOUT,
                      f"payout {money.amount} {money.currency} exceeds the balance available on "
                      f"{event.occurred_at.isoformat()}: {available}",
                      Need(event.partner_id, money.currency, money.amount, at_us))
    draft = Draft(state)
    draft.changes.append(PayoutMade(event.partner_id, event.payout_id, money.amount, money.currency, at_us))
    draft.postings.append(Posting(partner_account(event.partner_id, "available"),
                                  partner_account(event.partner_id, "paid"), money.amount, money.currency,
                                  "payout", event.payout_id, 0, at_us))
    return draft.done()
