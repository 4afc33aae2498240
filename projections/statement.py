"""`statement_lines`: every movement of a partner's money, one row per posting, for statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.partner import Partner
from ledger.postings import Posting
from projections.balances import partner_of
from projections.base import Projection
from projections.bulk import append_rows
from projections.tracking import SCHEMA

KINDS = {
    Partner.CommissionAccrued: "commission",
    Partner.CommissionReversed: "reversal",
    Partner.CommissionMatured: "maturation",
    Partner.PayoutSent: "payout",
    Partner.MilestoneBonusAwarded: "bonus",
    Partner.MilestoneBonusClawedBack: "bonus_clawback",
}


class StatementLines(Projection):
    """A partner's ledger lines: when, what, which sale, from which account to which, how much."""

    name = "statement_lines"
    event_classes = tuple(KINDS)

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.statement_lines (
                aggregate_id uuid NOT NULL, version int NOT NULL, line int NOT NULL, partner_id text NOT NULL, occurred_at timestamptz NOT NULL,
                kind text NOT NULL, sale_id text, level int, detail text, source text NOT NULL,
                destination text NOT NULL, amount bigint NOT NULL, currency char(3) NOT NULL,
                transaction_id uuid NOT NULL, recorded_at timestamptz NOT NULL,
                PRIMARY KEY (aggregate_id, version, line))""",
            f"CREATE INDEX IF NOT EXISTS statement_lines_partner ON {SCHEMA}.statement_lines (partner_id, occurred_at)",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {SCHEMA}.statement_lines")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        rows = [(event.originator_id, event.originator_version, number, partner_of(event), event.occurred_at, KINDS[type(event)],
                 getattr(event, "sale_id", None), getattr(event, "level", None), _detail(event), posting.source,
                 posting.destination, posting.amount, posting.currency, event.transaction_id, event.timestamp)
                for event in events for number, posting in enumerate(map(Posting.from_dict, event.postings))]
        append_rows(curs, "statement_lines", rows)


def _detail(event: Any) -> str | None:
    if hasattr(event, "milestone_id"):
        return f"{event.milestone_id} {event.period}"
    if hasattr(event, "payout_id"):
        return str(event.payout_id)
    return getattr(event, "cause", None)
