"""The Sale aggregate: a sale, its commission lines, and what refunds and declines took back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.errors import CurrencyMismatchError, OverRefundError, RejectedError
from ledger.ids import aggregate_id
from ledger.money import reversal_due
from schemas.reasons import Reason


@dataclass(frozen=True)
class Reversal:
    """Commission one line gives back."""

    partner_id: str
    level: int
    amount: int
    bucket: str


class Sale(Aggregate):
    """A sale credited to a partner, with one commission line per paid level."""

    @staticmethod
    def create_id(sale_id: str) -> UUID:
        return aggregate_id("sale", sale_id)

    @event("Recorded")
    def __init__(  # noqa: PLR0913 - the event's fields
        self, sale_id: str, partner_id: str, product_id: str, amount: int, currency: str,
        customer: dict[str, str], subscription_id: str | None, program_id: str,
        lines: list[dict[str, Any]], note: str | None, occurred_at: datetime, event_id: str,
        terms_version: str = "",
    ) -> None:
        self.sale_id = sale_id
        self.partner_id = partner_id
        self.product_id = product_id
        self.currency = currency
        self.customer = customer
        self.subscription_id = subscription_id
        self.refund_ids: set[str] = set()
        self.attempt = 0
        self._start_attempt(amount, program_id, lines, note, occurred_at, terms_version)

    def _start_attempt(self, amount: int, program_id: str, lines: list[dict[str, Any]],
                       note: str | None, occurred_at: datetime, terms_version: str) -> None:
        self.attempt += 1
        self.revision = 0
        self.terms_version = terms_version
        self.amount = amount
        self.program_id = program_id
        self.lines = [dict(line, reversed=0) for line in lines]
        self.note = note
        self.occurred_at = occurred_at
        self.refunded = 0
        self.declined = False

    @property
    def earned(self) -> int:
        """Commission earned on all lines of the current attempt."""
        return sum(line["amount"] for line in self.lines)

    def refund(self, refund_id: str, amount: int, currency: str, event_id: str,
               occurred_at: datetime) -> list[Reversal]:
        """Record a refund; returns what each line gives back."""
        self.check_refund(refund_id, amount, currency)
        refunded_total = self.refunded + amount
        amounts = [reversal_due(line["amount"], line["reversed"], refunded_total, self.amount)
                   for line in self.lines]
        self._refunded(refund_id, amount, amounts, occurred_at, event_id)
        return self._reversals(amounts)

    def check_refund(self, refund_id: str, amount: int, currency: str) -> None:
        """Refuse reused refund ids, other currencies, declined sales and over-refunds."""
        if refund_id in self.refund_ids:
            raise RejectedError(f"refund {refund_id} was already recorded", Reason.DUPLICATE_ID)
        if currency != self.currency:
            raise CurrencyMismatchError(f"refund in {currency} of a sale in {self.currency}")
        if self.declined:
            raise RejectedError(f"sale {self.sale_id} was declined; nothing left to refund",
                                Reason.SALE_DECLINED)
        if self.refunded + amount > self.amount:
            raise OverRefundError(
                f"refund of {amount} would bring refunds to {self.refunded + amount}, "
                f"above the sale amount {self.amount} {self.currency}")

    @event("Refunded")
    def _refunded(self, refund_id: str, amount: int, reversals: list[int],
                  occurred_at: datetime, event_id: str) -> None:
        self.refund_ids.add(refund_id)
        self.refunded += amount
        self._take_back(reversals)

    def decline(self, decline_id: str, event_id: str, occurred_at: datetime) -> list[Reversal]:
        """The sale's charge was declined: every line gives back all it still holds."""
        if self.declined:
            return []
        amounts = [line["amount"] - line["reversed"] for line in self.lines]
        self._declined(decline_id, amounts, occurred_at, event_id)
        return self._reversals(amounts)

    @event("Declined")
    def _declined(self, decline_id: str, reversals: list[int], occurred_at: datetime,
                  event_id: str) -> None:
        self.declined = True
        self._take_back(reversals)

    @event("Retried")
    def retry(self, amount: int, program_id: str, lines: list[dict[str, Any]],
              note: str | None, occurred_at: datetime, event_id: str, terms_version: str = "") -> None:
        """A declined charge retried successfully: a new attempt that earns again."""
        self._start_attempt(amount, program_id, lines, note, occurred_at, terms_version)

    @event("Corrected")
    def correct(self, terms_version: str, lines: list[dict[str, Any]], note: str | None, event_id: str,
                program_id: str = "") -> None:
        """Terms that govern the sale arrived late: its lines are replaced by ones decided under them.

        `lines` carry what each new line has already given back for refunds so far.
        """
        self.terms_version = terms_version
        self.program_id = program_id or self.program_id
        self.lines = [dict(line) for line in lines]
        self.note = note
        self.revision += 1

    def mature(self, level: int, attempt: int, revision: int, occurred_at: datetime) -> Reversal | None:
        """Move a pending line of this attempt to available; returns what it still holds, if anything."""
        line = next((ln for ln in self.lines if ln["level"] == level), None)
        if line is None or (attempt, revision) != (self.attempt, self.revision) or line["bucket"] != "pending":
            return None
        self._line_matured(level, occurred_at)
        remaining = line["amount"] - line["reversed"]
        return Reversal(line["partner_id"], level, remaining, "pending") if remaining > 0 else None

    @event("LineMatured")
    def _line_matured(self, level: int, occurred_at: datetime) -> None:
        for line in self.lines:
            if line["level"] == level:
                line["bucket"] = "available"

    @property
    def still_counted(self) -> int:
        """1 while refunds have not taken the whole sale back, else 0."""
        return 1 if self.refunded < self.amount else 0

    @property
    def counts_for_milestones(self) -> bool:
        """A sale counts toward milestones when it earns level-1 commission."""
        return any(line["level"] == 1 and line["amount"] > 0 for line in self.lines)

    def _take_back(self, amounts: list[int]) -> None:
        for line, amount in zip(self.lines, amounts, strict=True):
            line["reversed"] += amount

    def _reversals(self, amounts: list[int]) -> list[Reversal]:
        return [Reversal(line["partner_id"], line["level"], amount, line["bucket"])
                for line, amount in zip(self.lines, amounts, strict=True) if amount > 0]
