"""The operator's read of ledger.dead_letters: which messages were refused, why, and from where."""

from __future__ import annotations

from typing import Any

import psycopg

from ledger.database import LEDGER_SCHEMA

_COLUMNS = "id, reason, event_id, source_topic, source_partition, source_offset, rejected_at"


def dead_letters(conn: psycopg.Connection[Any], reason: str | None = None) -> list[dict[str, Any]]:
    """Every dead letter (or those of one reason), oldest first, without its payload."""
    cursor = conn.execute(f"SELECT {_COLUMNS} FROM {LEDGER_SCHEMA}.dead_letters "
                          "WHERE %(reason)s::text IS NULL OR reason = %(reason)s ORDER BY id", {"reason": reason})
    return _dicts(cursor)


def dead_letter(conn: psycopg.Connection[Any], letter_id: int) -> dict[str, Any] | None:
    """One dead letter with its detail and its payload as text (the rejected message, already scrubbed)."""
    cursor = conn.execute(f"SELECT {_COLUMNS}, detail, payload FROM {LEDGER_SCHEMA}.dead_letters WHERE id = %s",
                          (letter_id,))
    rows = _dicts(cursor)
    if not rows:
        return None
    row = rows[0]
    row["payload"] = bytes(row["payload"]).decode("utf-8", errors="replace")
    return row


def _dicts(cursor: psycopg.Cursor[Any]) -> list[dict[str, Any]]:
    names = [column.name for column in cursor.description or []]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
