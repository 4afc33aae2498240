"""Builders of input events as producers send them (JSON), shared by every kind of test."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.core.messages import Received, Source
from ledger.writer import received

_ids = itertools.count(1)
MARCH = datetime(2026, 3, 1, tzinfo=UTC)


def at(day: int, hour: int = 12) -> str:
    """An RFC 3339 event time on day `day` counted from 1 March 2026 (day 32 is 1 April)."""
    return (MARCH + timedelta(days=day - 1, hours=hour)).isoformat()


def usd(amount: int) -> dict[str, Any]:
    """Money in US cents."""
    return {"amount": amount, "currency": "USD"}


def _base(kind: str, day: int, event_id: str | None) -> dict[str, Any]:
    return {"event_id": event_id or f"{kind}-{next(_ids)}", "occurred_at": at(day)}


def program(program_id: str = "prog", tiers: tuple[str, ...] = ("0.20", "0.05"), day: int = 1,
            event_id: str | None = None, **extra: Any) -> dict[str, Any]:
    """A program paying the given rates on levels 1, 2, …"""
    return _base("prog", day, event_id) | {
        "type": "program.configured", "program_id": program_id, "name": program_id,
        "tiers": [{"level": i, "rate": r} for i, r in enumerate(tiers, start=1)]} | extra


def joined(partner_id: str, recruited_by: str | None = None, program_id: str = "prog", day: int = 1,
           event_id: str | None = None) -> dict[str, Any]:
    """A partner joining, optionally recruited by another."""
    event = _base("join", day, event_id) | {
        "type": "partner.joined", "partner_id": partner_id, "program_id": program_id,
        "name": partner_id.title(), "email": f"{partner_id}@partners.example"}
    return event | ({"recruited_by": recruited_by} if recruited_by else {})


def sale(sale_id: str, partner_id: str, amount: int, day: int = 2, event_id: str | None = None,
         email: str = "customer@example.com", product_id: str = "plan") -> dict[str, Any]:
    """A completed sale in USD cents."""
    return _base("sale", day, event_id) | {
        "type": "sale.completed", "sale_id": sale_id, "partner_id": partner_id, "product_id": product_id,
        "amount": usd(amount), "customer": {"contact_id": f"c-{sale_id}", "first_name": "Ada",
                                            "last_name": "Lovelace", "email": email}}


def refund(sale_id: str, amount: int, day: int = 3, event_id: str | None = None,
           refund_id: str | None = None) -> dict[str, Any]:
    """A (partial) refund in USD cents."""
    base = _base("refund", day, event_id)
    return base | {"type": "refund.issued", "refund_id": refund_id or base["event_id"], "sale_id": sale_id,
                   "amount": usd(amount)}


def declined(partner_id: str, sale_id: str | None, amount: int, day: int = 4,
             event_id: str | None = None) -> dict[str, Any]:
    """A declined charge, naming a sale or not."""
    base = _base("decline", day, event_id)
    event = base | {"type": "charge.declined", "decline_id": base["event_id"], "partner_id": partner_id,
                    "product_id": "plan", "amount": usd(amount), "reason": "card_declined",
                    "customer": {"contact_id": "c-x", "first_name": "Bo", "last_name": "B", "email": "bo@example.com"}}
    return event | ({"sale_id": sale_id} if sale_id else {})


def payout(partner_id: str, amount: int, day: int = 20, event_id: str | None = None) -> dict[str, Any]:
    """A payout in USD cents."""
    base = _base("payout", day, event_id)
    return base | {"type": "payout.sent", "payout_id": base["event_id"], "partner_id": partner_id,
                   "amount": usd(amount)}


def inbound(event: dict[str, Any]) -> Received:
    """The event as the ledger receives it."""
    return received(json.dumps(event).encode())


def read_from(topic: str, offset: int, event: dict[str, Any], backlog: int | None = None) -> Received:
    """The event as read from partition 0 of `topic`, with `backlog` messages still behind it."""
    return received(json.dumps(event).encode(), Source(topic, 0, offset, "", backlog))


def two_tier_events() -> list[dict[str, Any]]:
    """Susie recruited Rex; Rex sells 100.00: Rex earns 20.00, Susie 5.00."""
    return [program(event_id="p1"), joined("susie", event_id="j-susie"),
            joined("rex", recruited_by="susie", event_id="j-rex"), sale("S-1", "rex", 10_000, event_id="s-1")]
