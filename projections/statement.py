"""`statement_lines`: every movement of a partner's money, one row per posting, for statements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.core.changes import SaleCorrected
from ledger.rules.periods import instant
from ledger.rules.postings import Posting, account_owner
from projections.base import Logged, Projection
from projections.bulk import append_rows

KINDS = {"commission": "commission", "refund": "reversal", "decline": "reversal", "correction": "reversal",
         "maturation": "maturation", "payout": "payout", "bonus": "bonus", "clawback": "bonus_clawback"}
ABOUT_A_SALE = frozenset({"commission", "refund", "decline", "correction", "maturation"})


class StatementLines(Projection):
    """A partner's ledger lines: when, what, which sale, from which account to which, how much."""

    name = "statement_lines"

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.statement_lines (
                position bigint NOT NULL, line int NOT NULL, partner_id text NOT NULL,
                occurred_at timestamptz NOT NULL, kind text NOT NULL, sale_id text, level int, detail text,
                source text NOT NULL, destination text NOT NULL, amount bigint NOT NULL, currency char(3) NOT NULL,
                transaction_id uuid NOT NULL, recorded_at timestamptz NOT NULL, PRIMARY KEY (position, line))""",
            f"CREATE INDEX IF NOT EXISTS statement_lines_partner ON {self.schema}.statement_lines (partner_id, occurred_at)",
            f"CREATE INDEX IF NOT EXISTS statement_lines_known ON {self.schema}.statement_lines (partner_id, recorded_at)",
            # `GET /payouts` pages the payout lines by (occurred_at, position, line).
            f"""CREATE INDEX IF NOT EXISTS statement_lines_payouts ON {self.schema}.statement_lines
                (occurred_at, position, line) WHERE kind = 'payout'""",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {self.schema}.statement_lines")

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        rows = []
        for entry in entries:
            recorded = instant(entry.record.recorded_us)
            corrected = {c.sale_id for c in entry.record.changes if isinstance(c, SaleCorrected)}
            for number, row in enumerate(entry.record.postings):
                posting = Posting(*row)
                rows.append((entry.position, number, _partner(posting), instant(posting.at_us), KINDS[posting.cause],
                             posting.ref if posting.cause in ABOUT_A_SALE else None, posting.level or None,
                             _detail(posting, corrected), posting.source, posting.destination, posting.amount,
                             posting.currency, entry.entry_id, recorded))
        append_rows(curs, "statement_lines", rows, self.schema)


def _partner(posting: Posting) -> str:
    owner = account_owner(posting.destination) or account_owner(posting.source)
    assert owner is not None, "every posting moves a partner's money"
    return owner[0]


def _detail(posting: Posting, corrected: set[str]) -> str | None:
    # A re-priced sale's whole correction (old lines out, new lines in, refunds' share out again)
    # is marked so, so that statements do not count its new lines as earned by a sale.
    if posting.cause in ("commission", "refund", "correction") and posting.ref in corrected:
        return "correction"
    if posting.cause in ("bonus", "clawback"):
        return posting.ref.replace(":", " ", 1)
    if posting.cause == "payout":
        return posting.ref
    return posting.cause if posting.cause in ("refund", "decline", "correction") else None
