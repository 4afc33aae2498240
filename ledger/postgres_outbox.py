"""Dead letters and commission notifications: written with the batch, published afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import Composable

from ledger.batch import DeadLetter, Source
from ledger.notifications import Notification
from ledger.persistence import StoredDeadLetter
from schemas.reasons import Reason


class PostgresOutbox:
    """Outbox tables of the ledger; mixed into the PostgreSQL recorder."""

    def sql(self, text: str) -> Composable:  # provided by the recorder
        raise NotImplementedError

    def _fetch(self, statement: str, params: Sequence[Any] = ()) -> list[DictRow]:  # provided by the recorder
        raise NotImplementedError

    datastore: Any

    def _record_dead_letters(self, curs: Cursor[DictRow], letters: list[DeadLetter]) -> None:
        if letters:
            columns = list(zip(*[(d.event_id, d.reason.value, d.detail, d.raw, *source_columns(d.source))
                                 for d in letters], strict=True))
            # A redelivered invalid message (same cluster, topic, partition, offset) is one dead letter.
            curs.execute(self.sql(
                "INSERT INTO {}.dead_letters (event_id, reason, detail, payload, source_topic, source_partition, "
                "source_offset, source_cluster) SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], "
                "%b::bytea[], %b::text[], %b::int[], %b::bigint[], %b::text[]) ON CONFLICT DO NOTHING"),
                [list(c) for c in columns])

    def _record_notifications(self, curs: Cursor[DictRow], notifications: list[Notification]) -> None:
        if notifications:
            columns = list(zip(*[(n.key, n.partner_id, orjson.dumps(n.payload()).decode()) for n in notifications],
                               strict=True))
            curs.execute(self.sql(
                "INSERT INTO {}.notifications (key, partner_id, payload) SELECT * FROM unnest("
                "%s::text[], %s::text[], %s::jsonb[]) ON CONFLICT (key) DO NOTHING"), [list(c) for c in columns])

    def unpublished_dead_letters(self, limit: int) -> list[StoredDeadLetter]:
        rows = self._fetch("SELECT * FROM {}.dead_letters WHERE published_at IS NULL ORDER BY id LIMIT %s", (limit,))
        return [StoredDeadLetter(r["id"], DeadLetter(Reason(r["reason"]), r["detail"], bytes(r["payload"]),
                                                     row_source(r), r["event_id"])) for r in rows]

    def mark_published(self, ids: Sequence[int]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.sql("UPDATE {}.dead_letters SET published_at = now() WHERE id = ANY(%s)"), (list(ids),))

    def dead_letter_count(self) -> int:
        return int(self._fetch("SELECT count(*) AS n FROM {}.dead_letters")[0]["n"])

    def unpublished_notifications(self, limit: int) -> list[tuple[int, Notification]]:
        rows = self._fetch("SELECT id, payload FROM {}.notifications WHERE published_at IS NULL ORDER BY id LIMIT %s",
                           (limit,))
        return [(r["id"], notification_of(r["payload"])) for r in rows]

    def mark_notifications_published(self, ids: Sequence[int]) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.sql("UPDATE {}.notifications SET published_at = now() WHERE id = ANY(%s)"),
                         (list(ids),))


def notification_of(payload: dict[str, Any]) -> Notification:
    """Inverse of Notification.payload()."""
    from datetime import datetime

    return Notification(payload["partner_id"], payload["sale_id"], payload["level"], payload["amount"]["amount"],
                        payload["amount"]["currency"], datetime.fromisoformat(payload["occurred_at"]),
                        payload["event_id"], payload["attempt"], payload["revision"])


def source_columns(source: Source | None) -> tuple[str | None, int | None, int | None, str | None]:
    """(topic, partition, offset, cluster) of a source, or nulls."""
    return (source.topic, source.partition, source.offset, source.cluster) if source else (None, None, None, None)


def row_source(row: DictRow) -> Source | None:
    """The source recorded in a row's source_* columns."""
    if row.get("source_topic") is None:
        return None
    return Source(row["source_topic"], row["source_partition"], row["source_offset"], row.get("source_cluster") or "")
