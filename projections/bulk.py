"""Set-based writes: a batch's rows go in by COPY and land in one INSERT … ON CONFLICT."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Cursor

from projections.tracking import SCHEMA


def write_rows(curs: Cursor[Any], table: str, rows: Iterable[Sequence[Any]], *, columns: Sequence[str] = (),
               conflict: str = "ON CONFLICT DO NOTHING", schema: str = SCHEMA) -> None:
    """Insert `rows` into `<schema>.<table>`; `conflict` may refer to the existing row as `t`.

    Rows are copied into a temporary table of the same shape, then moved in one statement:
    per-row INSERTs cost a round trip each, which dominated catching up and rebuilding.
    `columns` defaults to every column of the table, in order.
    """
    rows = list(rows)
    if not rows:
        return
    stage = f"stage_{table}"
    curs.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {schema}.{table}) ON COMMIT DROP")
    names = ", ".join(columns) if columns else "*"
    listed = f" ({names})" if columns else ""
    with curs.copy(f"COPY {stage}{listed} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    curs.execute(f"WITH moved AS (DELETE FROM {stage} RETURNING {names}) "
                 f"INSERT INTO {schema}.{table} AS t{listed} SELECT {names} FROM moved {conflict}")


def append_rows(curs: Cursor[Any], table: str, rows: Iterable[Sequence[Any]], schema: str = SCHEMA) -> None:
    """Copy rows straight into `<schema>.<table>`, for rows that are only ever added.

    Half the server's work of `write_rows`, which stages every row in a temporary table first.
    Exactly once comes from the tracked position, so a row written twice is a bug, and the
    transaction fails on the primary key instead of hiding it.
    """
    rows = list(rows)
    if not rows:
        return
    with curs.copy(f"COPY {schema}.{table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
