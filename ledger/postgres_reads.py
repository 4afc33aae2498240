"""What the ledger reads outside a batch's write: seen ids, parked events, aggregates, the log, positions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification as LogEntry
from eventsourcing.persistence import StoredEvent
from psycopg.rows import DictRow, tuple_row
from psycopg.sql import SQL, Composable, Identifier

from ledger.maturation import Maturity
from ledger.parking import ParkedEvent
from ledger.persistence import FirstSeen, ParkingSummary
from ledger.postgres_outbox import row_source
from ledger.watermark import PartitionKey, PartitionMark
from schemas.reasons import Reason

INDEX_COLUMN = {"program": "program_id", "partner": "partner_id"}


class PostgresReads:
    """Read queries of the ledger; mixed into the PostgreSQL recorder."""

    datastore: Any
    schema: Identifier
    events_table_name: str

    def sql(self, text: str) -> Composable:  # provided by the recorder
        raise NotImplementedError

    def _fetch(self, statement: str, params: Sequence[Any] = ()) -> list[DictRow]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(statement), params)
            return curs.fetchall()

    def reachable(self) -> bool:
        """One round trip; False if the database does not answer."""
        try:
            self._fetch("SELECT 1")
        except Exception:  # noqa: BLE001 - any failure to answer means "not now"
            return False
        return True

    def seen_event_ids(self, event_ids: Sequence[str]) -> dict[str, FirstSeen]:
        if not event_ids:
            return {}
        rows = self._fetch("SELECT event_id, body_sha256, source_topic, source_partition, source_offset "
                           "FROM {}.inbox WHERE event_id = ANY(%b)", (list(event_ids),))
        return {r["event_id"]: FirstSeen(r["body_sha256"], row_source(r)) for r in rows}

    def parked_waiting_for(self, keys: Sequence[str]) -> list[ParkedEvent]:
        rows = self._fetch("SELECT * FROM {}.parked WHERE waiting_for = ANY(%b)", (list(keys),))
        return [_parked(r) for r in rows]

    def waiting_on(self, keys: Sequence[str]) -> list[tuple[str, datetime, str]]:
        rows = self._fetch("SELECT waiting_for, occurred_at, event_id FROM {}.parked WHERE waiting_for = ANY(%b)",
                           (list(keys),))
        return [(r["waiting_for"], r["occurred_at"], r["event_id"]) for r in rows]

    def events_of(self, ids: set[UUID]) -> dict[UUID, list[StoredEvent]]:
        found: dict[UUID, list[StoredEvent]] = {}
        if not ids:
            return found
        with self.datastore.transaction(commit=False) as curs:
            # Plain tuples: building a dict per row was most of the cost of reloading a busy
            # partner's history in a long backlog.
            curs.row_factory = tuple_row  # type: ignore[assignment]
            curs.execute(SQL("SELECT originator_id, originator_version, topic, state FROM {}.{} "
                             "WHERE originator_id = ANY(%b) ORDER BY originator_id, originator_version")
                         .format(self.schema, Identifier(self.events_table_name)), (list(ids),))
            for originator_id, version, topic, state in curs.fetchall():
                found.setdefault(originator_id, []).append(StoredEvent(originator_id, version, topic, bytes(state)))
        return found

    def notifications_after(self, position: int, limit: int) -> list[LogEntry]:
        with self.datastore.transaction(commit=False) as curs:
            curs.row_factory = tuple_row  # type: ignore[assignment]
            curs.execute(SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {}.{} "
                             "WHERE notification_id > %s ORDER BY notification_id LIMIT %s")
                         .format(self.schema, Identifier(self.events_table_name)), (position, limit), prepare=True)
            return [LogEntry(id=at, originator_id=originator_id, originator_version=version, topic=topic,
                             state=bytes(state)) for at, originator_id, version, topic, state in curs.fetchall()]

    def parked_before(self, cutoff: datetime, parked_before: datetime) -> list[ParkedEvent]:
        rows = self._fetch("SELECT * FROM {}.parked WHERE occurred_at < %s AND parked_at <= %s", (cutoff, parked_before))
        return [_parked(r) for r in rows]

    def event_clock(self) -> datetime | None:
        rows = self._fetch("SELECT watermark FROM {}.event_clock WHERE id = 1")
        return rows[0]["watermark"] if rows else None

    def parking_summary(self) -> ParkingSummary:
        row = self._fetch("SELECT count(*) AS n, min(parked_at) AS p, min(occurred_at) AS o FROM {}.parked")[0]
        return ParkingSummary(int(row["n"]), row["p"], row["o"])

    def source_positions(self) -> dict[tuple[str, str, int], int]:
        return {key: mark.offset for key, mark in self.partition_marks().items()}

    def partition_marks(self) -> dict[PartitionKey, PartitionMark]:
        rows = self._fetch('SELECT cluster, topic, partition, "offset", event_time, backlog FROM {}.source_positions')
        return {(r["cluster"], r["topic"], r["partition"]): PartitionMark(r["offset"], r["event_time"], r["backlog"])
                for r in rows}

    def sales_since(self, kind: str, key: str, since: datetime) -> list[tuple[str, datetime]]:
        rows = self._fetch(f"SELECT sale_id, occurred_at FROM {{}}.sale_index WHERE {INDEX_COLUMN[kind]} = %s "
                           "AND occurred_at >= %s", (key, since))
        return [(r["sale_id"], r["occurred_at"]) for r in rows]

    def due_maturities(self, now: datetime, limit: int) -> list[Maturity]:
        rows = self._fetch("SELECT * FROM {}.maturities WHERE due_at <= %s ORDER BY due_at, key LIMIT %s", (now, limit))
        return [Maturity(r["sale_id"], r["attempt"], r["level"], r["partner_id"], r["due_at"], r["revision"])
                for r in rows]


def _parked(row: DictRow) -> ParkedEvent:
    return ParkedEvent(row["event_id"], row["type"], row["waiting_for"], row["occurred_at"], bytes(row["payload"]),
                       row_source(row), Reason(row["reason"]), row["detail"])
