"""The ledger's log: the eventsourcing library's PostgreSQL application recorder, written by binary COPY."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from psycopg import Cursor
from psycopg.sql import SQL, Composable, Identifier

from ledger.errors import LedgerError
from ledger.store import chain
from ledger.store.schema import LOG_TABLE, ledger_ddl

NAMESPACE = UUID("6f1c2a4e-3b7d-5e0f-9a8b-1c2d3e4f5a6b")
LogRow = tuple[UUID, int, str, bytes]  # originator id, version, topic, state


@lru_cache(maxsize=65_536)
def entry_id(key: str) -> UUID:
    """The log id of an input event (its event id) or a maturation: a repeat collides with its first."""
    return uuid5(NAMESPACE, f"entry:{key}")


class EarlierLedgerError(LedgerError):
    """The database holds a ledger of the first layout (an event per aggregate change), which this one does not read."""


def refuse_first_layout(datastore: PostgresDatastore) -> None:
    """Refuse to start on a ledger written by the first layout: its history would be silently skipped."""
    with datastore.transaction(commit=False) as curs:
        curs.execute(SQL("SELECT to_regclass(%s) IS NOT NULL AS old, to_regclass(%s) IS NOT NULL AS new"),
                     (f"{datastore.schema}.ledger_events", f"{datastore.schema}.{LOG_TABLE}"))
        row = curs.fetchone()
        if row is None or not row["old"] or row["new"]:
            return
        curs.execute(SQL("SELECT EXISTS (SELECT 1 FROM {}.ledger_events) AS used").format(Identifier(datastore.schema)))
        used = curs.fetchone()
    if used is not None and used["used"]:
        raise EarlierLedgerError(
            f"the database holds a ledger written by an earlier version ({datastore.schema}.ledger_events: one "
            "stored event per aggregate change). This version keeps one log entry per input event and does not "
            "read that layout. Stop every `ledger run` of the earlier version, then run `ledger migrate`: it "
            "decides the same inputs again into this layout, checks the balances against the earlier ones, "
            "and leaves the earlier tables in place.")


class LogRecorder(PostgresApplicationRecorder):
    """One stored event per decision: (uuid5 of its key, version, `type:status`, the msgpack record)."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, events_table_name=LOG_TABLE)
        self.sql_create_statements.extend(SQL(s) for s in ledger_ddl(datastore.schema))  # type: ignore[arg-type]
        self.schema = Identifier(datastore.schema)

    @classmethod
    def construct(cls, factory: PostgresFactory, migrating: bool = False, create: bool = True) -> LogRecorder:
        """The recorder, its schema and tables created if missing (under a lock: workers may start together).

        A ledger of the first layout is refused, unless this is the migration of it. `create=False`
        leaves the tables to their owner (a restricted role may not run DDL).
        """
        recorder = cls(factory.datastore)
        if not migrating:
            refuse_first_layout(factory.datastore)
        chain.refuse_per_position_layout(factory.datastore)
        if not create:
            return recorder
        with factory.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext('ledger-ddl'))")
            try:
                conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(recorder.schema))
                conn.commit()
                recorder.create_table()
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('ledger-ddl'))")
                conn.commit()
        return recorder

    def sql(self, text: str) -> Composable:
        """A statement with `{}` standing for the ledger schema."""
        return SQL(text).format(self.schema)

    def copy_rows(self, curs: Cursor[Any], rows: Sequence[LogRow]) -> None:
        """Append log rows by binary COPY, in the caller's transaction."""
        statement = SQL("COPY {}.{} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)")
        with curs.copy(statement.format(self.schema, Identifier(LOG_TABLE))) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
