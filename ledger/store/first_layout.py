"""Reading a ledger of the first layout (an event per aggregate change) back into the input events it decided.

Each input event the first layout applied left one event naming it (`event_id`), in the order it
was decided: deciding those inputs again, in that order, rebuilds the same ledger in this layout.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from uuid import UUID, uuid5

import orjson

from schemas.wire_types import PartnerJoined

NAMESPACE = UUID("6f1c2a4e-3b7d-5e0f-9a8b-1c2d3e4f5a6b")  # the first layout's namespace of ids
Row = tuple[UUID, str, bytes]  # originator id, topic, state


class MigratedJoin(PartnerJoined, tag="partner.joined", kw_only=True):
    """A join as the first layout kept it: the email's digest, not the email."""

    email_digest: str = ""


def transaction_id(event_id: str) -> UUID:
    """The first layout's id of the ledger transaction of an input event."""
    return uuid5(NAMESPACE, f"transaction:{event_id}")


def inputs(rows: Iterable[Row], payout_event_ids: Mapping[UUID, str]) -> Iterator[dict[str, Any]]:
    """The input events the first layout applied, in the order it applied them."""
    partners: dict[UUID, str] = {}
    sales: dict[UUID, dict[str, Any]] = {}
    for originator_id, topic, state in rows:
        kind = topic.rsplit(":", 1)[-1]
        fields = _untagged(orjson.loads(state))
        found = _input(kind, originator_id, fields, partners, sales, payout_event_ids)
        if found is not None:
            yield found


def _input(kind: str, originator: UUID, fields: dict[str, Any], partners: dict[UUID, str],
           sales: dict[UUID, dict[str, Any]], payouts: Mapping[UUID, str]) -> dict[str, Any] | None:
    if kind in ("Program.Configured", "Program.Reconfigured"):
        return {k: v for k, v in fields["terms"].items() if v is not None}
    if kind == "Partner.Joined":
        partners[originator] = fields["partner_id"]
        return _joined(fields)
    if kind == "Partner.ProgramChanged":
        return {"event_id": fields["event_id"], "type": "partner.program_changed", "occurred_at": fields["effective_at"],
                "partner_id": partners[originator], "program_id": fields["program_id"]}
    if kind == "Partner.PayoutSent":
        return {"event_id": payouts[UUID(str(fields["transaction_id"]))], "type": "payout.sent",
                "occurred_at": fields["occurred_at"], "payout_id": fields["payout_id"],
                "partner_id": partners[originator], "amount": _money(fields)}
    if kind in ("Sale.Recorded", "Sale.Retried"):
        return _sale(kind, originator, fields, sales)
    if kind == "Sale.Refunded":
        sale = sales[originator]
        return {"event_id": fields["event_id"], "type": "refund.issued", "occurred_at": fields["occurred_at"],
                "refund_id": fields["refund_id"], "sale_id": sale["sale_id"],
                "amount": {"amount": fields["amount"], "currency": sale["amount"]["currency"]}}
    if kind == "Decline.ChargeDeclined":
        return {"event_id": fields["event_id"], "type": "charge.declined", "occurred_at": fields["occurred_at"],
                "decline_id": fields["decline_id"], "partner_id": fields["partner_id"], "product_id": fields["product_id"],
                "amount": _money(fields), "customer": fields["customer"], "reason": fields["reason"],
                **({"sale_id": fields["sale_id"]} if fields.get("sale_id") else {})}
    return None  # a consequence of an input (a commission, a bonus, a maturation), decided again with it


def _joined(fields: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": fields["event_id"], "type": "partner.joined", "occurred_at": fields["joined_at"],
            "partner_id": fields["partner_id"], "program_id": fields["program_id"], "name": fields["name"],
            "email_digest": fields.get("email_digest", ""),
            **({"recruited_by": fields["recruited_by"]} if fields.get("recruited_by") else {})}


def _sale(kind: str, originator: UUID, fields: dict[str, Any], sales: dict[UUID, dict[str, Any]]) -> dict[str, Any]:
    if kind == "Sale.Recorded":
        sales[originator] = {"sale_id": fields["sale_id"], "partner_id": fields["partner_id"],
                             "product_id": fields["product_id"], "amount": _money(fields),
                             "customer": fields["customer"],
                             **({"subscription_id": fields["subscription_id"]} if fields.get("subscription_id") else {})}
    sale = sales[originator]
    amount = {"amount": fields["amount"], "currency": sale["amount"]["currency"]}
    return {"event_id": fields["event_id"], "type": "sale.completed", "occurred_at": fields["occurred_at"],
            **sale, "amount": amount}


def _money(fields: dict[str, Any]) -> dict[str, Any]:
    return {"amount": fields["amount"], "currency": fields["currency"]}


def _untagged(fields: dict[str, Any]) -> dict[str, Any]:
    # The first layout's JSON tagged datetimes, UUIDs and decimals: {"_type_": ..., "_data_": ...}.
    return {key: value["_data_"] if isinstance(value, dict) and "_type_" in value else value
            for key, value in fields.items()}
