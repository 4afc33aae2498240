"""`commission_lines`: what each partner earned and gave back on each sale, per level."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.rules.periods import instant
from ledger.rules.postings import account_owner
from projections.base import Logged, Projection, postings
from projections.bulk import write_rows

EARNED, REVERSED = "commission", frozenset({"refund", "decline", "correction"})


class CommissionLines(Projection):
    """Earned and reversed commission per (sale, partner, level), from the postings of the log."""

    name = "commission_lines"

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.commission_lines (
                sale_id text NOT NULL, partner_id text NOT NULL, level int NOT NULL, currency char(3) NOT NULL,
                earned bigint NOT NULL DEFAULT 0, reversed bigint NOT NULL DEFAULT 0,
                first_occurred_at timestamptz NOT NULL,
                PRIMARY KEY (sale_id, partner_id, level, currency))""",
            # The list endpoint (projections/listings.py) pages in these orders, all lines or one partner's.
            f"DROP INDEX IF EXISTS {self.schema}.commission_lines_partner",
            f"""CREATE INDEX IF NOT EXISTS commission_lines_by_time ON {self.schema}.commission_lines
                (first_occurred_at, sale_id, partner_id, level, currency)""",
            f"""CREATE INDEX IF NOT EXISTS commission_lines_by_partner ON {self.schema}.commission_lines
                (partner_id, first_occurred_at, sale_id, level, currency)""",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {self.schema}.commission_lines")

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        deltas: dict[tuple[str, str, int, str], list[int]] = {}
        for _, posting in postings(entries):
            earned = posting.cause == EARNED
            if not earned and posting.cause not in REVERSED:
                continue
            owner = account_owner(posting.destination if earned else posting.source)
            assert owner is not None, "commission moves a partner's money"
            row = deltas.setdefault((posting.ref, owner[0], posting.level, posting.currency), [0, 0, posting.at_us])
            row[0 if earned else 1] += posting.amount
            row[2] = min(row[2], posting.at_us)
        if deltas:
            write_rows(curs, "commission_lines", [(*key, earned, reversed_, instant(first)) for key, (
                earned, reversed_, first) in sorted(deltas.items())],
                conflict="ON CONFLICT (sale_id, partner_id, level, currency) DO UPDATE SET "
                         "earned = t.earned + EXCLUDED.earned, reversed = t.reversed + EXCLUDED.reversed, "
                         "first_occurred_at = least(t.first_occurred_at, EXCLUDED.first_occurred_at)", schema=self.schema)
