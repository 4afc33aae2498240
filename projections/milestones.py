"""`milestone_progress`: each partner's value toward each milestone in each period, and its bonus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.core.changes import BonusAwarded, BonusClawedBack, ProgressMoved
from ledger.rules.periods import instant
from projections.base import Logged, Projection, changes
from projections.rowset import RowSet

COLUMNS = ("progress_key", "partner_id", "program_id", "milestone_id", "period", "value", "threshold",
           "achieved", "achieved_at", "bonus_amount", "bonus_currency", "times_awarded")
Moved = ProgressMoved | BonusAwarded | BonusClawedBack


class MilestoneProgressView(Projection):
    """Progress per partner, program, milestone and period (`lifetime`, `2026-03`, `2026-Q1`)."""

    name = "milestone_progress"

    def ddl(self) -> list[str]:
        return [f"""CREATE TABLE IF NOT EXISTS {self.schema}.milestone_progress_rows (
            progress_key text PRIMARY KEY, partner_id text NOT NULL, program_id text NOT NULL,
            milestone_id text NOT NULL, period text NOT NULL, value bigint NOT NULL, threshold bigint NOT NULL,
            achieved boolean NOT NULL, achieved_at timestamptz, bonus_amount bigint, bonus_currency char(3),
            times_awarded int NOT NULL)"""]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {self.schema}.milestone_progress_rows")

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        moved = [c for _, c in changes(entries) if isinstance(c, Moved)]
        rows = RowSet("milestone_progress_rows", "progress_key", COLUMNS, self.schema)
        rows.load(curs, (_key(c) for c in moved))
        for change in moved:
            key = _key(change)
            row = rows.get(key) or {"progress_key": key, "partner_id": change.partner_id,
                                    "program_id": change.program_id, "milestone_id": change.milestone_id,
                                    "period": change.period, "value": 0, "threshold": 0, "achieved": False,
                                    "achieved_at": None, "bonus_amount": None, "bonus_currency": None,
                                    "times_awarded": 0}
            rows.put(row | _change(change, row))
        rows.flush(curs)


def _key(change: Moved) -> str:
    return f"{change.partner_id}|{change.program_id}|{change.milestone_id}|{change.period}"


def _change(change: Moved, row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(change, ProgressMoved):
        return {"value": row["value"] + change.delta, "threshold": change.threshold or row["threshold"]}
    if isinstance(change, BonusAwarded):
        return {"achieved": True, "achieved_at": instant(change.at_us), "bonus_amount": change.amount,
                "bonus_currency": change.currency, "times_awarded": row["times_awarded"] + 1}
    return {"achieved": False, "achieved_at": None}
