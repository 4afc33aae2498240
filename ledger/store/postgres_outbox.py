"""Reading the outboxes (dead letters, notifications) to publish them, and marking what was published."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.core.messages import DeadLetter, Source
from schemas.reasons import Reason


@dataclass(frozen=True)
class StoredDeadLetter:
    """A dead letter as kept in the ledger database until it is published."""

    id: int
    letter: DeadLetter


@dataclass(frozen=True)
class StoredNotice:
    """A commission notification as kept until it is published."""

    key: str
    partner_id: str
    message: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The message value."""
        return self.message


class PostgresOutboxes:
    """The outbox tables of one ledger database."""

    def __init__(self, datastore: PostgresDatastore, sql: Any) -> None:
        self.datastore, self.sql = datastore, sql

    def _fetch(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.sql(statement), params)
            return curs.fetchall()

    def _update(self, statement: str, ids: Sequence[int]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.sql(statement), (list(ids),))

    def unpublished_dead_letters(self, limit: int) -> list[StoredDeadLetter]:
        """Dead letters not yet confirmed as published, oldest first."""
        rows = self._fetch("SELECT * FROM {}.dead_letters WHERE published_at IS NULL ORDER BY id LIMIT %s", (limit,))
        return [StoredDeadLetter(r["id"], DeadLetter(Reason(r["reason"]), r["detail"], bytes(r["payload"]),
                                                     _source(r), r["event_id"])) for r in rows]

    def mark_published(self, ids: Sequence[int]) -> None:
        """These dead letters reached the DLQ topic."""
        self._update("UPDATE {}.dead_letters SET published_at = now() WHERE id = ANY(%s)", ids)

    def dead_letter_count(self) -> int:
        """How many messages were refused in all."""
        return int(self._fetch("SELECT count(*) AS n FROM {}.dead_letters")[0]["n"])

    def unpublished_notifications(self, limit: int) -> list[tuple[int, StoredNotice]]:
        """Commission notifications not yet confirmed as published, oldest first."""
        rows = self._fetch("SELECT id, key, partner_id, payload FROM {}.notifications WHERE published_at IS NULL "
                           "ORDER BY id LIMIT %s", (limit,))
        return [(r["id"], StoredNotice(r["key"], r["partner_id"], r["payload"])) for r in rows]

    def mark_notifications_published(self, ids: Sequence[int]) -> None:
        """These notifications reached their topic."""
        self._update("UPDATE {}.notifications SET published_at = now() WHERE id = ANY(%s)", ids)


def _source(row: Any) -> Source | None:
    if row.get("source_topic") is None:
        return None
    return Source(row["source_topic"], row["source_partition"], row["source_offset"], row.get("source_cluster") or "")
