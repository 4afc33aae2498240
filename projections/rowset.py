"""Rows of one table touched by a batch: loaded once, changed in Python, written back in one statement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Cursor

from projections.bulk import write_rows
from projections.tracking import SCHEMA


class RowSet:
    """A batch's working copy of some rows of `table`, keyed by its one-column primary key."""

    def __init__(self, table: str, key: str, columns: tuple[str, ...], schema: str = SCHEMA) -> None:
        self.table, self.key, self.columns, self.schema = table, key, columns, schema
        self.rows: dict[str, dict[str, Any]] = {}
        self.dirty: set[str] = set()

    def load(self, curs: Cursor[Any], keys: Iterable[str]) -> None:
        """Read the rows with these keys that exist (others stay absent)."""
        wanted = sorted({k for k in keys if k not in self.rows})
        if not wanted:
            return
        names = ", ".join(self.columns)
        curs.execute(f"SELECT {names} FROM {self.schema}.{self.table} WHERE {self.key} = ANY(%s)", (wanted,))
        for values in curs.fetchall():
            row = dict(zip(self.columns, values, strict=True))
            self.rows[row[self.key]] = row

    def get(self, key: str) -> dict[str, Any] | None:
        """The row, as changed so far in this batch."""
        return self.rows.get(key)

    def put(self, row: dict[str, Any]) -> None:
        """Add or replace a row (only rows put are written back)."""
        self.rows[row[self.key]] = row
        self.dirty.add(row[self.key])

    def flush(self, curs: Cursor[Any]) -> None:
        """Upsert every row of the batch."""
        if not self.dirty:
            return
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in self.columns if c != self.key)
        write_rows(curs, self.table, [tuple(self.rows[key][c] for c in self.columns) for key in sorted(self.dirty)],
                   columns=self.columns, conflict=f"ON CONFLICT ({self.key}) DO UPDATE SET {updates}", schema=self.schema)
