"""`commission_lines`: what each partner earned and gave back on each sale, per level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.partner import Partner
from projections.balances import partner_of
from projections.base import Projection
from projections.bulk import write_rows
from projections.tracking import SCHEMA


class CommissionLines(Projection):
    """Earned and reversed commission per (sale, partner, level), from the partners' ledger events."""

    name = "commission_lines"
    event_classes = (Partner.CommissionAccrued, Partner.CommissionReversed)

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.commission_lines (
                sale_id text NOT NULL, partner_id text NOT NULL, level int NOT NULL, currency char(3) NOT NULL,
                earned bigint NOT NULL DEFAULT 0, reversed bigint NOT NULL DEFAULT 0,
                first_occurred_at timestamptz NOT NULL,
                PRIMARY KEY (sale_id, partner_id, level, currency))""",
            f"CREATE INDEX IF NOT EXISTS commission_lines_partner ON {SCHEMA}.commission_lines (partner_id)",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {SCHEMA}.commission_lines")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        deltas: dict[tuple[str, str, int, str], list[Any]] = defaultdict(lambda: [0, 0, None])
        for event in events:
            row = deltas[(event.sale_id, partner_of(event), event.level, event.currency)]
            row[0 if isinstance(event, Partner.CommissionAccrued) else 1] += event.amount
            row[2] = min(filter(None, (row[2], event.occurred_at)))
        if deltas:
            write_rows(curs, "commission_lines", [(*key, *values) for key, values in sorted(deltas.items())],
                       conflict="ON CONFLICT (sale_id, partner_id, level, currency) DO UPDATE SET "
                                "earned = t.earned + EXCLUDED.earned, reversed = t.reversed + EXCLUDED.reversed, "
                                "first_occurred_at = least(t.first_occurred_at, EXCLUDED.first_occurred_at)")
