"""Renewals of a subscription earn until the program's recurring cap."""

from __future__ import annotations

from typing import Any

from ledger.subscription import Subscription
from ledger.terms import Terms
from ledger.unit_of_work import UnitOfWork
from schemas.events import SaleCompleted


class RecurringCap:
    """Counts earning payments per subscription and stops commission at the cap."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def cap(self, event: SaleCompleted, terms: Terms, lines: list[dict[str, Any]],
            note: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """The lines the payment earns under the cap, and why it earns nothing if it doesn't."""
        if event.subscription_id is None:
            return lines, note
        subscription = self.uow.get(Subscription, Subscription.create_id(event.subscription_id))
        if subscription is None:
            subscription = Subscription(subscription_id=event.subscription_id, first_payment_at=event.occurred_at)
            self.uow.add(subscription)
        capped = subscription.cap_reached(terms.configured.recurring, event.occurred_at)
        if capped:
            return [], capped
        if lines:
            subscription.count_payment(event.sale_id, event.occurred_at)
        return lines, note
