"""PostgreSQL ledger recorder: events, inbox, parking, dead letters and positions in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Identifier

from ledger.maturation import Maturity
from ledger.parking import ParkedEvent
from ledger.persistence import InboxRecord, LedgerRecorder
from ledger.postgres_migrations import move_funds_keys
from ledger.postgres_outbox import PostgresOutbox, source_columns
from ledger.postgres_reads import INDEX_COLUMN, PostgresReads
from ledger.schema_sql import ledger_ddl
from ledger.watermark import PartitionKey, PartitionMark

EVENTS_TABLE = "ledger_events"
# Statistics are refreshed once the events table has grown by this share (as autovacuum would).
ANALYZE_GROWTH = 0.2
ANALYZE_MIN_ROWS = 10_000


class PostgresLedgerRecorder(PostgresReads, PostgresOutbox, PostgresApplicationRecorder, LedgerRecorder):
    """Appends a batch atomically; the events table refuses UPDATE, DELETE and TRUNCATE."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = EVENTS_TABLE) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.sql_create_statements.extend(SQL(s) for s in ledger_ddl(datastore.schema, events_table_name))  # type: ignore[arg-type]
        self.schema = Identifier(datastore.schema)
        self._rows_at_analyze: float | None = None
        self._written_since_analyze = 0

    @classmethod
    def construct(cls, factory: PostgresFactory) -> PostgresLedgerRecorder:
        """Create the schema and tables if needed and return the recorder."""
        with factory.datastore.transaction(commit=True) as curs:
            # Under the DDL lock: two workers starting together on a new database both ran
            # CREATE SCHEMA IF NOT EXISTS, and the second failed on pg_namespace's unique index.
            curs.execute(SQL("SELECT pg_advisory_xact_lock(hashtext('ledger-ddl'))"))
            curs.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(factory.datastore.schema)))
        recorder = cls(factory.datastore)
        if factory.env_create_table():
            recorder.create_table()
        return recorder

    def create_table(self) -> None:
        # Workers starting together on a fresh database would race on CREATE … IF NOT EXISTS
        # (seen: a duplicate pg_type row); a session lock on a connection of its own orders them.
        with self.datastore.get_connection() as conn:
            conn.execute("SELECT pg_advisory_lock(hashtext('ledger-ddl'))")
            try:
                super().create_table()
                with self.datastore.transaction(commit=True) as curs:
                    self.keys_to_recheck = move_funds_keys(curs, self.schema)
            finally:
                conn.execute("SELECT pg_advisory_unlock(hashtext('ledger-ddl'))")

    def sql(self, text: str) -> Composable:
        """A statement with `{}` standing for the ledger schema."""
        return SQL(text).format(self.schema)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # One plain transaction, not pipeline mode: large batches in pipeline mode were seen to
        # deadlock (server waiting for the client, client waiting in Pipeline.sync).
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return []
            self._insert_stored_events(curs, stored_events, **kwargs)
            self._analyze_if_grown(curs, len(stored_events))
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _analyze_if_grown(self, curs: Cursor[DictRow], written: int) -> None:
        # Autovacuum skips a table it cannot lock at once, and every batch holds this one's
        # lock. Left to it, the events table never got statistics in a million-event backlog,
        # and reloading aggregates seq-scanned it: deciding slowed from 0.5 to 2 s a batch.
        table = SQL("{}.{}").format(self.schema, Identifier(self.events_table_name))
        if self._rows_at_analyze is None:
            curs.execute(SQL("SELECT greatest(reltuples, 0) AS n FROM pg_class WHERE oid = %s::regclass"),
                         (table.as_string(curs),))
            row = curs.fetchone()
            self._rows_at_analyze = float(row["n"]) if row else 0.0
        self._written_since_analyze += written
        if self._written_since_analyze >= max(ANALYZE_MIN_ROWS, ANALYZE_GROWTH * self._rows_at_analyze):
            curs.execute(SQL("ANALYZE {}").format(table))  # under the lock this batch holds already
            self._rows_at_analyze += self._written_since_analyze
            self._written_since_analyze = 0

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # Writers are serialised by the events-table lock; under it, what the batch read must
        # still be true, or the batch is decided again.
        self._lock_table(curs)
        self._check_read_versions(curs, kwargs.get("read_versions", {}))
        self._check_nothing_parked_for(curs, kwargs.get("made_available", []),
                                       [*kwargs.get("released", []), *kwargs.get("kept_waiting", [])])
        self._check_sales_index(curs, kwargs.get("index_reads", []))
        self._index_sales(curs, kwargs.get("sales_decided", []))
        self._release(curs, kwargs.get("released", []))
        self._park(curs, kwargs.get("parked", []))
        self._record_inbox(curs, kwargs.get("inbox", []), kwargs.get("inbox_updates", {}))
        self._record_dead_letters(curs, kwargs.get("dead_letters", []))
        self._record_notifications(curs, kwargs.get("notifications", []))
        self._record_maturities(curs, kwargs.get("maturities", []), kwargs.get("matured", []))
        self._record_positions(curs, kwargs.get("positions", {}))
        if kwargs.get("clock") is not None:
            curs.execute(self.sql("INSERT INTO {0}.event_clock (id, watermark) VALUES (1, %s) ON CONFLICT (id) "
                                  "DO UPDATE SET watermark = GREATEST({0}.event_clock.watermark, EXCLUDED.watermark)"),
                         (kwargs["clock"],))

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any) -> None:
        # Binary COPY under the table lock _insert_events took: the library's INSERT of a
        # composite array spent more time escaping text than the server spent writing rows.
        self._notify_channel(curs)
        statement = SQL("COPY {}.{} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)")
        with curs.copy(statement.format(self.schema, Identifier(self.events_table_name))) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for stored in stored_events:
                copy.write_row((stored.originator_id, stored.originator_version, stored.topic, stored.state))

    def _fetch_ids_after_insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent],
                                       **_: Any) -> Sequence[int] | None:
        # COPY returns no rows; nothing here reads the ids of a batch it just wrote.
        return None

    def _check_read_versions(self, curs: Cursor[DictRow], read: dict[UUID, int | None]) -> None:
        if not read:
            return
        # One index probe per aggregate for its last version, not a scan of all its events.
        curs.execute(SQL("SELECT i AS originator_id, (SELECT max(originator_version) FROM {}.{} "
                         "WHERE originator_id = i) AS version FROM unnest(%b::uuid[]) AS i")
                     .format(self.schema, Identifier(self.events_table_name)), (list(read),))
        current = {row["originator_id"]: row["version"] for row in curs.fetchall()}
        stale = [i for i, version in read.items() if current.get(i) != version]
        if stale:
            raise IntegrityError(f"{len(stale)} aggregates changed since the batch read them: "
                                 f"{[(str(i), read[i], current.get(i)) for i in stale[:3]]}")

    def _check_nothing_parked_for(self, curs: Cursor[DictRow], keys: list[str], looked_at: list[str]) -> None:
        if not keys:
            return
        curs.execute(self.sql("SELECT count(*) AS n FROM {}.parked WHERE waiting_for = ANY(%b) "
                              "AND NOT (event_id = ANY(%b))"), (keys, looked_at))
        row = curs.fetchone()
        if row and row["n"]:
            raise IntegrityError("another writer parked events this batch makes applicable")

    def _check_sales_index(self, curs: Cursor[DictRow], reads: list[tuple[str, str, datetime, int]]) -> None:
        for kind, key, since, count in reads:
            curs.execute(self.sql(f"SELECT count(*) AS n FROM {{}}.sale_index WHERE {INDEX_COLUMN[kind]} = %s "
                                  "AND occurred_at >= %s"), (key, since))
            row = curs.fetchone()
            if row is None or row["n"] != count:
                raise IntegrityError("sales were recorded under terms this batch corrects")

    def _index_sales(self, curs: Cursor[DictRow], sales: list[tuple[str, str, str, datetime]]) -> None:
        if sales:
            latest = {sale[0]: sale for sale in sales}  # a sale corrected in the batch: its last row
            columns = list(zip(*latest.values(), strict=True))
            curs.execute(self.sql(
                "INSERT INTO {}.sale_index (sale_id, program_id, partner_id, occurred_at) SELECT * FROM unnest("
                "%b::text[], %b::text[], %b::text[], %b::timestamptz[]) ON CONFLICT (sale_id) DO UPDATE SET "
                "program_id = EXCLUDED.program_id, partner_id = EXCLUDED.partner_id, "
                "occurred_at = EXCLUDED.occurred_at"), [list(c) for c in columns])

    def _release(self, curs: Cursor[DictRow], released: list[str]) -> None:
        if released:
            curs.execute(self.sql("WITH d AS (DELETE FROM {0}.parked WHERE event_id = ANY(%b) RETURNING 1) "
                                  "SELECT {0}.expect_rows((SELECT count(*) FROM d), %s, 'release parked')"),
                         (released, len(released)))

    def _park(self, curs: Cursor[DictRow], parked: list[ParkedEvent]) -> None:
        if parked:
            columns = list(zip(*[(p.event_id, p.type, p.waiting_for, p.occurred_at, p.raw, p.reason.value, p.detail,
                                  *source_columns(p.source)) for p in parked], strict=True))
            curs.execute(self.sql(
                "INSERT INTO {}.parked (event_id, type, waiting_for, occurred_at, payload, reason, detail, "
                "source_topic, source_partition, source_offset, source_cluster) SELECT * FROM unnest("
                "%b::text[], %b::text[], %b::text[], %b::timestamptz[], %b::bytea[], %b::text[], %b::text[], "
                "%b::text[], %b::int[], %b::bigint[], %b::text[])"), [list(c) for c in columns])

    def _record_inbox(self, curs: Cursor[DictRow], inbox: list[InboxRecord], updates: dict[str, str]) -> None:
        if inbox:
            columns = list(zip(*[(r.event_id, r.type, r.outcome, *source_columns(r.source)[:3], r.body)
                                 for r in inbox], strict=True))
            curs.execute(self.sql(
                "INSERT INTO {}.inbox (event_id, type, outcome, source_topic, source_partition, source_offset, "
                "body_sha256) SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::int[], "
                "%b::bigint[], %b::bytea[])"),
                [list(c) for c in columns])
        if updates:
            ids, outcomes = zip(*sorted(updates.items()), strict=True)
            curs.execute(self.sql(
                "WITH u AS (UPDATE {0}.inbox i SET outcome = v.outcome FROM unnest(%b::text[], %b::text[]) "
                "AS v(event_id, outcome) WHERE i.event_id = v.event_id AND i.outcome = 'parked' RETURNING 1) "
                "SELECT {0}.expect_rows((SELECT count(*) FROM u), %s, 'inbox of released events')"),
                (list(ids), list(outcomes), len(ids)))

    def _record_maturities(self, curs: Cursor[DictRow], maturities: list[Maturity], matured: list[str]) -> None:
        if matured:
            curs.execute(self.sql("WITH d AS (DELETE FROM {0}.maturities WHERE key = ANY(%b) RETURNING 1) "
                                  "SELECT {0}.expect_rows((SELECT count(*) FROM d), %s, 'matured lines')"),
                         (matured, len(matured)))
        if maturities:
            columns = list(zip(*[(m.key, m.sale_id, m.attempt, m.revision, m.level, m.partner_id, m.due_at)
                                 for m in maturities], strict=True))
            curs.execute(self.sql(
                "INSERT INTO {}.maturities (key, sale_id, attempt, revision, level, partner_id, due_at) SELECT * "
                "FROM unnest(%b::text[], %b::text[], %b::int[], %b::int[], %b::int[], %b::text[], %b::timestamptz[]) "
                "ON CONFLICT (key) DO NOTHING"), [list(c) for c in columns])

    def _record_positions(self, curs: Cursor[DictRow], positions: dict[PartitionKey, PartitionMark]) -> None:
        # The same merge as PartitionMark.then: furthest offset and time, backlog of the furthest offset.
        if positions:
            rows = [(*key, m.offset, m.event_time, m.backlog) for key, m in sorted(positions.items())]
            curs.execute(self.sql(
                'INSERT INTO {0}.source_positions AS p (cluster, topic, partition, "offset", event_time, backlog) '
                "SELECT * FROM unnest(%b::text[], %b::text[], %b::int[], %b::bigint[], %b::timestamptz[], "
                "%b::bigint[]) ON CONFLICT (cluster, topic, partition) DO UPDATE SET "
                '"offset" = GREATEST(p."offset", EXCLUDED."offset"), '
                "event_time = GREATEST(p.event_time, EXCLUDED.event_time), "
                'backlog = CASE WHEN EXCLUDED."offset" >= p."offset" AND EXCLUDED.backlog IS NOT NULL '
                "THEN EXCLUDED.backlog ELSE p.backlog END, updated_at = now()"),
                [list(c) for c in zip(*rows, strict=True)])
