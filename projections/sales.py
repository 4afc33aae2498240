"""`sales` and `declines`: each sale's current attempt, net of refunds, and every declined charge.

Customers are named by contact id only; their names and emails stay in the ledger's personal
data, which the partner-facing view joins (and analysts are not granted).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.core.changes import (
    DeclineRecorded,
    SaleCorrected,
    SaleDeclined,
    SaleRecorded,
    SaleRefunded,
)
from ledger.rules.guards import SELF_REFERRAL
from ledger.rules.periods import instant
from projections.base import Logged, Projection, changes
from projections.bulk import append_rows
from projections.rowset import RowSet

SALE_COLUMNS = ("sale_id", "partner_id", "program_id", "product_id", "amount", "refunded", "currency", "status",
                "attempt", "subscription_id", "contact_id", "note", "occurred_at")


class SalesFacts(Projection):
    """Each sale's current attempt (net of refunds, declined or not) and every declined charge."""

    name = "sales"

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.sales (
                sale_id text PRIMARY KEY, partner_id text NOT NULL, program_id text NOT NULL, product_id text NOT NULL,
                amount bigint NOT NULL, refunded bigint NOT NULL, currency char(3) NOT NULL, status text NOT NULL,
                attempt int NOT NULL, subscription_id text, contact_id text NOT NULL, note text,
                occurred_at timestamptz NOT NULL)""",
            f"CREATE INDEX IF NOT EXISTS sales_partner ON {self.schema}.sales (partner_id, occurred_at)",
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.declines (
                decline_id text PRIMARY KEY, partner_id text NOT NULL, sale_id text, product_id text NOT NULL,
                amount bigint NOT NULL, currency char(3) NOT NULL, reason text NOT NULL, contact_id text NOT NULL,
                occurred_at timestamptz NOT NULL)""",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        for table in ("sales", "declines"):
            curs.execute(f"DELETE FROM {self.schema}.{table}")

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        sales = RowSet("sales", "sale_id", SALE_COLUMNS, self.schema)
        found = list(changes(entries))
        sales.load(curs, (c.sale_id for _, c in found if isinstance(c, SaleRecorded | SaleRefunded | SaleDeclined
                                                                         | SaleCorrected)))
        declines = []
        for _, change in found:
            if isinstance(change, DeclineRecorded):
                declines.append((change.decline_id, change.partner_id, change.sale_id, change.product_id, change.amount,
                                 change.currency, change.reason, change.contact_id, instant(change.at_us)))
            elif isinstance(change, SaleRecorded):
                sales.put(_recorded(change))
            elif isinstance(change, SaleRefunded | SaleDeclined | SaleCorrected):
                row = sales.get(change.sale_id)
                if row is not None:
                    sales.put(row | _change(change, row))
        sales.flush(curs)
        append_rows(curs, "declines", declines, self.schema)


def _recorded(change: SaleRecorded) -> dict[str, Any]:
    return {"sale_id": change.sale_id, "partner_id": change.partner_id, "program_id": change.program_id,
            "product_id": change.product_id, "amount": change.amount, "refunded": 0, "currency": change.currency,
            "status": "completed", "attempt": change.attempt, "subscription_id": change.subscription_id,
            "contact_id": change.contact_id, "note": _note(change.own_customer, change.note),
            "occurred_at": instant(change.at_us)}


def _change(change: Any, row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(change, SaleRefunded):
        return {"refunded": row["refunded"] + change.amount}
    if isinstance(change, SaleDeclined):
        return {"status": "declined"}
    return {"program_id": change.program_id, "note": _note(row["note"] == SELF_REFERRAL, change.note)}


def _note(own_customer: bool, note: str | None) -> str | None:
    # A self-referral is what the leaderboard leaves out, so it wins over any other reason to earn
    # nothing (a self-referred renewal past the recurring cap is recorded with the cap's note).
    return SELF_REFERRAL if own_customer else note
