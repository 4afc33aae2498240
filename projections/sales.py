"""`sales`, `declines` and the referred customers' contact data (kept apart from analysts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.decline import Decline
from ledger.sale import Sale
from projections.base import Projection
from projections.bulk import append_rows
from projections.rowset import RowSet
from projections.tracking import SCHEMA

SALE_COLUMNS = ("aggregate_id", "sale_id", "partner_id", "program_id", "product_id", "amount", "refunded", "currency", "status",
                "attempt", "subscription_id", "note", "occurred_at")


class SalesFacts(Projection):
    """Each sale's current attempt (net of refunds, declined or not) and every declined charge."""

    name = "sales"
    event_classes = (Sale.Recorded, Sale.Refunded, Sale.Declined, Sale.Retried, Sale.Corrected,
                     Decline.ChargeDeclined)

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.sales (
                aggregate_id text PRIMARY KEY, sale_id text NOT NULL UNIQUE, partner_id text NOT NULL, program_id text NOT NULL, product_id text NOT NULL,
                amount bigint NOT NULL, refunded bigint NOT NULL, currency char(3) NOT NULL, status text NOT NULL,
                attempt int NOT NULL, subscription_id text, note text, occurred_at timestamptz NOT NULL)""",
            f"CREATE INDEX IF NOT EXISTS sales_partner ON {SCHEMA}.sales (partner_id, occurred_at)",
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.declines (
                decline_id text PRIMARY KEY, partner_id text NOT NULL, sale_id text, product_id text NOT NULL,
                amount bigint NOT NULL, currency char(3) NOT NULL, reason text NOT NULL,
                occurred_at timestamptz NOT NULL)""",
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.customer_contacts (
                ref_kind text NOT NULL, ref_id text NOT NULL, contact_id text NOT NULL, first_name text NOT NULL,
                last_name text NOT NULL, email text NOT NULL, PRIMARY KEY (ref_kind, ref_id))""",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        for table in ("sales", "declines", "customer_contacts"):
            curs.execute(f"DELETE FROM {SCHEMA}.{table}")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        sales = RowSet("sales", "aggregate_id", SALE_COLUMNS)
        sales.load(curs, (str(e.originator_id) for e in events if not isinstance(e, Decline.ChargeDeclined)))
        contacts: list[tuple[str, str, dict[str, str]]] = []
        declines: list[tuple[Any, ...]] = []
        for event in events:
            if isinstance(event, Decline.ChargeDeclined):
                declines.append((event.decline_id, event.partner_id, event.sale_id, event.product_id, event.amount,
                                 event.currency, event.reason, event.occurred_at))
                contacts.append(("decline", event.decline_id, event.customer))
            elif isinstance(event, Sale.Recorded):
                sales.put(_recorded(event))
                contacts.append(("sale", event.sale_id, event.customer))
            else:
                row = sales.get(str(event.originator_id))
                if row is not None:
                    sales.put(row | _change(event, row))
        sales.flush(curs)
        append_rows(curs, "declines", declines)
        append_rows(curs, "customer_contacts", [(kind, ref, c.get("contact_id", ""), c.get("first_name", ""),
                                                c.get("last_name", ""), c.get("email", "")) for kind, ref, c in contacts])


def _recorded(event: Any) -> dict[str, Any]:
    return {"aggregate_id": str(event.originator_id), "sale_id": event.sale_id, "partner_id": event.partner_id, "program_id": event.program_id,
            "product_id": event.product_id, "amount": event.amount, "refunded": 0, "currency": event.currency,
            "status": "completed", "attempt": 1, "subscription_id": event.subscription_id, "note": event.note,
            "occurred_at": event.occurred_at}


def _change(event: Any, row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(event, Sale.Refunded):
        return {"refunded": row["refunded"] + event.amount}
    if isinstance(event, Sale.Declined):
        return {"status": "declined"}
    if isinstance(event, Sale.Retried):
        return {"amount": event.amount, "refunded": 0, "status": "completed", "attempt": row["attempt"] + 1,
                "program_id": event.program_id, "note": event.note, "occurred_at": event.occurred_at}
    return {"program_id": event.program_id or row["program_id"], "note": event.note}
