"""What a decision changes, as small facts: the writer's state is their fold (`evolve`).

Each is stored inside the one log entry of the input event that caused it, so replaying the
log rebuilds the state without deciding again, and read models learn what happened from them.
No customer name or email is in any of them: a sale names its customer by contact id only.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Change(msgspec.Struct, frozen=True, array_like=True, tag=True, gc=False):
    """A fact a decision records."""


class ProgramVersioned(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A version of a program's terms, effective from its event time."""

    config: Any  # the program.configured event as received (it holds no personal data)


class PartnerAdmitted(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A partner joined a program, perhaps recruited by another."""

    partner_id: str
    program_id: str
    recruited_by: str | None
    name: str
    email_digest: str
    at_us: int
    event_id: str


class ProgramSwitched(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A partner moved to another program from `at_us` on."""

    partner_id: str
    program_id: str
    at_us: int
    event_id: str


class SaleRecorded(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A sale (or a new attempt of a declined one) and the commission lines it earns."""

    sale_id: str
    partner_id: str
    product_id: str
    amount: int
    currency: str
    subscription_id: str | None
    contact_id: str
    program_id: str
    terms_version: str
    attempt: int
    lines: list[tuple[str, int, int, str]]  # (partner, level, amount, bucket)
    note: str | None
    own_customer: bool
    at_us: int
    event_id: str


class SaleRefunded(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A refund of a sale, and what each commission line gave back for it."""

    sale_id: str
    refund_id: str
    amount: int
    reversed: list[int]
    at_us: int


class SaleDeclined(Change, frozen=True, array_like=True, tag=True, gc=False):
    """The sale's charge was declined: every line gave back what it held."""

    sale_id: str
    decline_id: str
    reversed: list[int]
    at_us: int


class DeclineRecorded(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A declined charge, recorded whether or not it named a recorded sale."""

    decline_id: str
    partner_id: str
    sale_id: str | None
    product_id: str
    amount: int
    currency: str
    contact_id: str
    reason: str
    reversed_sale: bool
    at_us: int


class SaleCorrected(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A sale re-decided under the terms that govern it; lines carry what refunds took of them."""

    sale_id: str
    program_id: str
    terms_version: str
    revision: int
    lines: list[tuple[str, int, int, str, int]]  # (partner, level, amount, bucket, reversed)
    note: str | None


class SubscriptionStarted(Change, frozen=True, array_like=True, tag=True, gc=False):
    """The first payment of a subscription seen: the recurring cap counts months from it."""

    subscription_id: str
    first_us: int


class SlotTaken(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A payment that earns holds a slot under its subscription's cap."""

    subscription_id: str
    sale_id: str
    at_us: int


class SlotReleased(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A declined or re-capped payment gives its slot back."""

    subscription_id: str
    sale_id: str


class ProgressMoved(Change, frozen=True, array_like=True, tag=True, gc=False):
    """Milestone progress of a partner in a period moved by `delta` (sales or revenue)."""

    partner_id: str
    program_id: str
    milestone_id: str
    period: str
    delta: int
    threshold: int = 0  # the milestone's threshold in the terms that moved it


class BonusAwarded(Change, frozen=True, array_like=True, tag=True, gc=False):
    """The threshold was crossed: the bonus is awarded, claw-backable or not."""

    partner_id: str
    program_id: str
    milestone_id: str
    period: str
    amount: int
    currency: str
    clawback: bool
    at_us: int


class BonusClawedBack(Change, frozen=True, array_like=True, tag=True, gc=False):
    """Progress fell below the threshold and the bonus was taken back."""

    partner_id: str
    program_id: str
    milestone_id: str
    period: str
    at_us: int


class LineMatured(Change, frozen=True, array_like=True, tag=True, gc=False):
    """A pending line's hold period is over: what it still holds is available."""

    sale_id: str
    attempt: int
    revision: int
    level: int


class PayoutMade(Change, frozen=True, array_like=True, tag=True, gc=False):
    """Money paid out to a partner, from available to paid."""

    partner_id: str
    payout_id: str
    amount: int
    currency: str
    at_us: int


AnyChange = (ProgramVersioned | PartnerAdmitted | ProgramSwitched | SaleRecorded | SaleRefunded | SaleDeclined
             | DeclineRecorded | SaleCorrected | SubscriptionStarted | SlotTaken | SlotReleased | ProgressMoved
             | BonusAwarded | BonusClawedBack | LineMatured | PayoutMade)
