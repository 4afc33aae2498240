"""The Decline aggregate: a declined charge, kept so partners can be shown it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.ids import aggregate_id


class Decline(Aggregate):
    """A declined charge; it earns nothing and may reverse the sale it names."""

    @staticmethod
    def create_id(decline_id: str) -> UUID:
        return aggregate_id("decline", decline_id)

    @event("ChargeDeclined")
    def __init__(  # noqa: PLR0913 - the event's fields
        self, decline_id: str, partner_id: str, sale_id: str | None, product_id: str,
        amount: int, currency: str, customer: dict[str, str], reason: str,
        reversed_sale: bool, occurred_at: datetime, event_id: str,
    ) -> None:
        self.decline_id = decline_id
        self.partner_id = partner_id
        self.sale_id = sale_id
        self.amount = amount
        self.currency = currency
        self.reversed_sale = reversed_sale
