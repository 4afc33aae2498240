"""`milestone_progress`: each partner's value toward each milestone in each period, and its bonus."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.milestone import MilestoneProgress
from projections.base import Projection
from projections.rowset import RowSet
from projections.tracking import SCHEMA

COLUMNS = ("aggregate_id", "partner_id", "program_id", "milestone_id", "period", "value", "threshold",
           "achieved", "achieved_at", "bonus_amount", "bonus_currency", "times_awarded")


class MilestoneProgressView(Projection):
    """Progress per partner, program, milestone and period (`lifetime`, `2026-03`, `2026-Q1`)."""

    name = "milestone_progress"
    event_classes = (MilestoneProgress.Started, MilestoneProgress.Progressed, MilestoneProgress.Achieved,
                     MilestoneProgress.Lost)

    def ddl(self) -> list[str]:
        return [f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.milestone_progress_rows (
            aggregate_id text PRIMARY KEY, partner_id text NOT NULL, program_id text NOT NULL,
            milestone_id text NOT NULL, period text NOT NULL, value bigint NOT NULL, threshold bigint NOT NULL,
            achieved boolean NOT NULL, achieved_at timestamptz, bonus_amount bigint, bonus_currency char(3),
            times_awarded int NOT NULL)"""]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {SCHEMA}.milestone_progress_rows")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        rows = RowSet("milestone_progress_rows", "aggregate_id", COLUMNS)
        rows.load(curs, (str(e.originator_id) for e in events))
        for event in events:
            key = str(event.originator_id)
            if isinstance(event, MilestoneProgress.Started):
                rows.put({"aggregate_id": key, "partner_id": event.partner_id, "program_id": event.program_id,
                          "milestone_id": event.milestone_id, "period": event.period, "value": 0,
                          "threshold": event.threshold, "achieved": False, "achieved_at": None,
                          "bonus_amount": None, "bonus_currency": None, "times_awarded": 0})
                continue
            row = rows.get(key)
            if row is not None:
                rows.put(row | _change(event, row))
        rows.flush(curs)


def _change(event: Any, row: dict[str, Any]) -> dict[str, Any]:
    if isinstance(event, MilestoneProgress.Progressed):
        return {"value": row["value"] + event.delta}
    if isinstance(event, MilestoneProgress.Achieved):
        return {"achieved": True, "achieved_at": event.timestamp, "bonus_amount": event.bonus_amount,
                "bonus_currency": event.bonus_currency, "times_awarded": row["times_awarded"] + 1}
    return {"achieved": False, "achieved_at": None}
