"""The Subscription aggregate: how many renewals of one subscription have earned commission."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import aggregate_id
from ledger.periods import add_months
from schemas.program import Recurring


class Subscription(Aggregate):
    """Payments sharing a `subscription_id`; they earn until the program's recurring cap."""

    @staticmethod
    def create_id(subscription_id: str) -> UUID:
        return aggregate_id("subscription", subscription_id)

    @event("Started")
    def __init__(self, subscription_id: str, first_payment_at: datetime) -> None:
        self.subscription_id = subscription_id
        self.first_payment_at = first_payment_at
        self.earning_sales: dict[str, datetime] = {}

    @property
    def earning_payments(self) -> int:
        """Payments that hold an earning slot (a retried charge keeps its sale's slot)."""
        return len(self.earning_sales)

    @event("PaymentEarned")
    def count_payment(self, sale_id: str, occurred_at: datetime) -> None:
        """A payment that earned commission."""
        self.earning_sales[sale_id] = occurred_at

    @event("PaymentDeclined")
    def release_payment(self, sale_id: str) -> None:
        """A declined payment gives its slot back; its retry may take it again."""
        self.earning_sales.pop(sale_id, None)

    def cap_reached(self, recurring: Recurring | None, sale_id: str, occurred_at: datetime,
                    only_earlier: bool = False) -> str | None:
        """Why a payment at `occurred_at` earns nothing, or None if it still earns.

        A new payment counts every earning payment; a correction counts only earlier ones, so
        re-deciding a subscription in time order keeps the first payments, not the first arrived.
        """
        if recurring is None or (sale_id in self.earning_sales and not only_earlier):
            return None
        counted = [when for other, when in self.earning_sales.items()
                   if other != sale_id and (not only_earlier or (when, other) < (occurred_at, sale_id))]
        if recurring.max_payments is not None and len(counted) >= recurring.max_payments:
            return f"recurring cap of {recurring.max_payments} payments reached"
        if recurring.max_months is not None and occurred_at >= add_months(self.first_payment_at, recurring.max_months):
            return f"recurring cap of {recurring.max_months} months reached"
        return None
