"""The Partner aggregate: membership, recruiter and the partner's own accounts."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.as_of import AvailableHistory
from ledger.errors import OverPayoutError, RejectedError
from ledger.ids import aggregate_id
from ledger.postings import COMMISSION_EXPENSE, Posting, partner_account
from schemas.reasons import Reason

BUCKETS = ("pending", "available", "paid")


def email_digest(email: str) -> str:
    """A stable digest of an email, so the ledger can compare emails without keeping them."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest() if email.strip() else ""


class Partner(Aggregate):
    """A partner in a program; commission is credited to and paid from its accounts."""

    @staticmethod
    def create_id(partner_id: str) -> UUID:
        return aggregate_id("partner", partner_id)

    @event("Joined")
    def __init__(  # noqa: PLR0913 - the event's fields
        self, partner_id: str, program_id: str, recruited_by: str | None, name: str,
        email_digest: str, joined_at: datetime, event_id: str,
    ) -> None:
        self.partner_id = partner_id
        self.recruited_by = recruited_by
        self.name = name
        self.email_digest = email_digest
        self.memberships: list[tuple[datetime, str, str]] = [(joined_at, event_id, program_id)]
        self.balances: dict[str, dict[str, int]] = {}
        self.payout_ids: set[str] = set()
        self.available_history: dict[str, AvailableHistory] = {}

    def program_at(self, when: datetime) -> str:
        """The program the partner belonged to at `when` (the first one before joining)."""
        ordered = sorted(self.memberships)  # by instant, whatever the offsets were
        current = ordered[0][2]
        for effective, _, program_id in ordered:
            if effective <= when:
                current = program_id
        return current

    def balance(self, currency: str, bucket: str) -> int:
        """Current balance of one of the partner's accounts."""
        return self.balances.get(currency, {}).get(bucket, 0)

    def available_as_of(self, currency: str, when: datetime) -> int:
        """Available money as of `when`: moves dated after it are left out, payouts all count."""
        history = self.available_history.get(currency)
        later = history.dated_after(when) if history is not None else 0
        return self.balance(currency, "available") - later

    @event("ProgramChanged")
    def change_program(self, program_id: str, effective_at: datetime, event_id: str) -> None:
        self.memberships.append((effective_at, event_id, program_id))

    def accrue(self, transaction_id: UUID, sale_id: str, level: int, amount: int,
               currency: str, bucket: str, occurred_at: datetime) -> None:
        """Credit commission earned on a sale to pending or available."""
        posting = Posting(COMMISSION_EXPENSE, partner_account(self.partner_id, bucket), amount, currency)
        self._commission_accrued(transaction_id, sale_id, level, amount, currency, bucket,
                                 [posting.as_dict()], occurred_at)

    @event("CommissionAccrued")
    def _commission_accrued(self, transaction_id: UUID, sale_id: str, level: int, amount: int,
                            currency: str, bucket: str, postings: list[dict[str, Any]],
                            occurred_at: datetime) -> None:
        self._apply_postings(postings, occurred_at)

    def reverse(self, transaction_id: UUID, sale_id: str, level: int, amount: int,
                currency: str, bucket: str, cause: str, occurred_at: datetime) -> None:
        """Give back commission of a refunded or declined sale."""
        posting = Posting(partner_account(self.partner_id, bucket), COMMISSION_EXPENSE, amount, currency)
        self._commission_reversed(transaction_id, sale_id, level, amount, currency, bucket, cause,
                                  [posting.as_dict()], occurred_at)

    @event("CommissionReversed")
    def _commission_reversed(self, transaction_id: UUID, sale_id: str, level: int, amount: int,
                             currency: str, bucket: str, cause: str,
                             postings: list[dict[str, Any]], occurred_at: datetime) -> None:
        self._apply_postings(postings, occurred_at)

    def mature(self, transaction_id: UUID, sale_id: str, level: int, amount: int, currency: str,
               occurred_at: datetime) -> None:
        """The hold period is over: pending commission becomes available."""
        posting = Posting(partner_account(self.partner_id, "pending"), partner_account(self.partner_id, "available"),
                          amount, currency)
        self._commission_matured(transaction_id, sale_id, level, amount, currency, [posting.as_dict()], occurred_at)

    @event("CommissionMatured")
    def _commission_matured(self, transaction_id: UUID, sale_id: str, level: int, amount: int, currency: str,
                            postings: list[dict[str, Any]], occurred_at: datetime) -> None:
        self._apply_postings(postings, occurred_at)

    def award_bonus(self, transaction_id: UUID, milestone_id: str, period: str, amount: int, currency: str,
                    occurred_at: datetime) -> None:
        """Credit a milestone bonus to available."""
        posting = Posting(COMMISSION_EXPENSE, partner_account(self.partner_id, "available"), amount, currency)
        self._bonus_awarded(transaction_id, milestone_id, period, amount, currency, [posting.as_dict()], occurred_at)

    @event("MilestoneBonusAwarded")
    def _bonus_awarded(self, transaction_id: UUID, milestone_id: str, period: str, amount: int, currency: str,
                       postings: list[dict[str, Any]], occurred_at: datetime) -> None:
        self._apply_postings(postings, occurred_at)

    def claw_back_bonus(self, transaction_id: UUID, milestone_id: str, period: str, amount: int, currency: str,
                        occurred_at: datetime) -> None:
        """Take a milestone bonus back (available may go negative)."""
        posting = Posting(partner_account(self.partner_id, "available"), COMMISSION_EXPENSE, amount, currency)
        self._bonus_clawed_back(transaction_id, milestone_id, period, amount, currency, [posting.as_dict()],
                                occurred_at)

    @event("MilestoneBonusClawedBack")
    def _bonus_clawed_back(self, transaction_id: UUID, milestone_id: str, period: str, amount: int, currency: str,
                           postings: list[dict[str, Any]], occurred_at: datetime) -> None:
        self._apply_postings(postings, occurred_at)

    def pay_out(self, transaction_id: UUID, payout_id: str, amount: int, currency: str,
                occurred_at: datetime, min_payout: int | None) -> None:
        """Move available money to paid."""
        self.check_payout(payout_id, amount, currency, occurred_at, min_payout)
        posting = Posting(partner_account(self.partner_id, "available"),
                          partner_account(self.partner_id, "paid"), amount, currency)
        self._payout_sent(transaction_id, payout_id, amount, currency, [posting.as_dict()], occurred_at)

    def check_payout(self, payout_id: str, amount: int, currency: str, occurred_at: datetime,
                     min_payout: int | None) -> None:
        """Refuse reused payout ids, payouts below the minimum and above the balance available when sent."""
        if payout_id in self.payout_ids:
            raise RejectedError(f"payout {payout_id} was already recorded", Reason.DUPLICATE_ID)
        if min_payout is not None and amount < min_payout:
            raise RejectedError(f"payout {amount} {currency} is below the program's minimum "
                                f"{min_payout}", Reason.BELOW_MIN_PAYOUT)
        available = self.available_as_of(currency, occurred_at)
        if amount > available:
            raise OverPayoutError(f"payout {amount} {currency} exceeds the balance available on "
                                  f"{occurred_at.isoformat()}: {available}",
                                  self.partner_id, amount, currency, occurred_at)

    @event("PayoutSent")
    def _payout_sent(self, transaction_id: UUID, payout_id: str, amount: int, currency: str,
                     postings: list[dict[str, Any]], occurred_at: datetime) -> None:
        self.payout_ids.add(payout_id)
        self._apply_postings(postings)
        self._history(currency).fold(occurred_at)

    def _apply_postings(self, postings: list[dict[str, Any]], dated: datetime | None = None) -> None:
        # `dated`: when the moves count for payouts; None for a payout, which always counts.
        for posting in map(Posting.from_dict, postings):
            buckets = self.balances.get(posting.currency)
            if buckets is None:
                buckets = self.balances[posting.currency] = dict.fromkeys(BUCKETS, 0)
            for bucket, amount in posting.bucket_moves(self.partner_id):
                buckets[bucket] += amount
                if dated is not None and bucket == "available":
                    self._history(posting.currency).record(dated, amount)

    def _history(self, currency: str) -> AvailableHistory:
        # Not setdefault(): that would build a history on every call (a sixth of applying a posting).
        history = self.available_history.get(currency)
        if history is None:
            history = self.available_history[currency] = AvailableHistory()
        return history
