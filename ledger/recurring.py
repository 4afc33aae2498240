"""Renewals of a subscription earn until the program's recurring cap."""

from __future__ import annotations

from typing import Any

from ledger.sale import Sale
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
        capped = subscription.cap_reached(terms.configured.recurring, event.sale_id, event.occurred_at)
        if capped:
            return [], capped
        if lines and event.sale_id not in subscription.earning_sales:
            subscription.count_payment(event.sale_id, event.occurred_at)
        return lines, note

    def release(self, subscription_id: str | None, sale_id: str) -> None:
        """A declined payment no longer holds a slot under the cap."""
        if subscription_id is None:
            return
        subscription = self.uow.get(Subscription, Subscription.create_id(subscription_id))
        if subscription is not None and sale_id in subscription.earning_sales:
            subscription.release_payment(sale_id)

    def recap(self, sale: Sale, terms: Terms, lines: list[dict[str, Any]],
              note: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """The cap applied again when a late term version re-decides a payment."""
        subscription = self.uow.get(Subscription, Subscription.create_id(sale.subscription_id)) \
            if sale.subscription_id else None
        if subscription is None:
            return lines, note
        holds = sale.sale_id in subscription.earning_sales
        capped = subscription.cap_reached(terms.configured.recurring, sale.sale_id, sale.occurred_at, only_earlier=True)
        if capped or not lines:
            if holds:
                subscription.release_payment(sale.sale_id)
            return ([], capped) if capped else (lines, note)
        if not holds:
            subscription.count_payment(sale.sale_id, sale.occurred_at)
        return lines, note
