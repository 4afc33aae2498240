"""What one batch writes beside its log rows, each set-based: one statement per table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson
from psycopg import Cursor

from ledger.core.balances import COLUMNS, balance_deltas
from ledger.core.clock import Mark, PartitionKey
from ledger.core.decision import Notice
from ledger.core.messages import DeadLetter, Source
from ledger.rules.periods import instant
from ledger.rules.postings import Posting
from ledger.store.codec import Personal
from ledger.store.schema import BALANCES

Sql = Any  # a callable turning text with `{}` for the ledger schema into a statement


def source_columns(source: Source | None) -> tuple[str | None, int | None, int | None, str | None]:
    """(topic, partition, offset, cluster) of a source, or nulls."""
    return (source.topic, source.partition, source.offset, source.cluster) if source else (None, None, None, None)


def _columns(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)]


def dead_letters(curs: Cursor[Any], sql: Sql, letters: Sequence[DeadLetter]) -> None:
    """Refused messages, to be published by the outbox; a redelivered one is one dead letter."""
    if letters:
        rows = [(d.event_id, d.reason.value, d.detail, d.raw, *source_columns(d.source)) for d in letters]
        curs.execute(sql(
            "INSERT INTO {}.dead_letters (event_id, reason, detail, payload, source_topic, source_partition, "
            "source_offset, source_cluster) SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::bytea[], "
            "%b::text[], %b::int[], %b::bigint[], %b::text[]) ON CONFLICT DO NOTHING"), _columns(rows))


def notification_payload(notice: Notice) -> dict[str, Any]:
    """The message a commission notification publishes (money as the input contract has it)."""
    return {"notification_id": notice.key, "type": "commission.earned", "partner_id": notice.partner_id,
            "sale_id": notice.sale_id, "level": notice.level,
            "amount": {"amount": notice.amount, "currency": notice.currency},
            "occurred_at": instant(notice.at_us).isoformat(), "event_id": notice.event_id,
            "attempt": notice.attempt, "revision": notice.revision}


def notifications(curs: Cursor[Any], sql: Sql, notices: Sequence[Notice]) -> None:
    """Commission notifications, once per key."""
    if notices:
        rows = [(n.key, n.partner_id, orjson.dumps(notification_payload(n)).decode()) for n in notices]
        curs.execute(sql("INSERT INTO {}.notifications (key, partner_id, payload) SELECT * FROM unnest("
                         "%s::text[], %s::text[], %s::jsonb[]) ON CONFLICT (key) DO NOTHING"), _columns(rows))


def positions(curs: Cursor[Any], sql: Sql, marks: Mapping[PartitionKey, Mark]) -> None:
    """The furthest offset, event time and backlog read per input partition (merged as Mark.then)."""
    if marks:
        rows = [(*key, m.offset, instant(m.event_us) if m.event_us is not None else None, m.backlog)
                for key, m in sorted(marks.items())]
        curs.execute(sql(
            'INSERT INTO {0}.source_positions AS p (cluster, topic, partition, "offset", event_time, backlog) '
            "SELECT * FROM unnest(%b::text[], %b::text[], %b::int[], %b::bigint[], %b::timestamptz[], %b::bigint[]) "
            'ON CONFLICT (cluster, topic, partition) DO UPDATE SET "offset" = GREATEST(p."offset", EXCLUDED."offset"), '
            "event_time = GREATEST(p.event_time, EXCLUDED.event_time), "
            'backlog = CASE WHEN EXCLUDED."offset" >= p."offset" AND EXCLUDED.backlog IS NOT NULL '
            "THEN EXCLUDED.backlog ELSE p.backlog END, updated_at = now()"), _columns(rows))


def clock(curs: Cursor[Any], sql: Sql, latest_us: int | None) -> None:
    """The latest event time received."""
    if latest_us is not None:
        curs.execute(sql("INSERT INTO {0}.event_clock (id, watermark) VALUES (1, %s) ON CONFLICT (id) "
                         "DO UPDATE SET watermark = GREATEST({0}.event_clock.watermark, EXCLUDED.watermark)"),
                     (instant(latest_us),))


def personal_data(curs: Cursor[Any], sql: Sql, found: Iterable[Personal]) -> None:
    """Names and emails, by contact or partner id; the latest seen wins; a forgotten customer's are skipped.

    Plain text columns sent in binary: a jsonb column parsed from text cost three times as much.
    """
    latest = {(kind, key): fields for kind, key, fields in found}
    if latest:
        rows = [(kind, key, fields.get("first_name", ""), fields.get("last_name", ""), fields.get("email", ""))
                for (kind, key), fields in sorted(latest.items())]
        curs.execute(sql("INSERT INTO {0}.personal_data AS p (kind, id, first_name, last_name, email) SELECT * FROM "
                         "unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[]) AS n (kind, id) WHERE NOT EXISTS ("
                         "SELECT 1 FROM {0}.erased_contacts e WHERE n.kind = 'contact' AND e.contact_id = n.id) "
                         "ON CONFLICT (kind, id) "
                         "DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, "
                         "email = EXCLUDED.email, updated_at = now() WHERE (p.first_name, p.last_name, p.email) "
                         "IS DISTINCT FROM (EXCLUDED.first_name, EXCLUDED.last_name, EXCLUDED.email)"), _columns(rows))


def snapshot(curs: Cursor[Any], sql: Sql, position: int, body: bytes) -> None:
    """The writer's state as of `position`; older snapshots but the previous one go."""
    curs.execute(sql("INSERT INTO {}.snapshots (position, body) VALUES (%s, %s) ON CONFLICT (position) "
                     "DO UPDATE SET body = EXCLUDED.body, taken_at = now()"), (position, body))
    curs.execute(sql("DELETE FROM {0}.snapshots WHERE position < (SELECT min(position) FROM (SELECT position FROM "
                     "{0}.snapshots ORDER BY position DESC LIMIT 2) kept)"))


def parked_messages(curs: Cursor[Any], sql: Sql, parked: Mapping[str, bytes], decided: Sequence[str]) -> None:
    """The original bytes of parked messages (they hold personal data, so they are not in the log)."""
    if decided:
        curs.execute(sql("DELETE FROM {}.parked_messages WHERE event_id = ANY(%s)"), (list(decided),))
    if parked:
        curs.execute(sql("INSERT INTO {}.parked_messages (event_id, payload) SELECT * FROM unnest(%s::text[], "
                         "%s::bytea[]) ON CONFLICT (event_id) DO NOTHING"), _columns(sorted(parked.items())))


def balances(curs: Cursor[Any], postings: Iterable[Posting], head: int) -> None:
    """The balances read model, moved by the batch's postings, and its position (under the rebuild's lock)."""
    curs.execute("SELECT pg_advisory_xact_lock(hashtext('projection:partner_balances'))")
    upsert_balances(curs, postings)
    curs.execute("INSERT INTO projections.tracking (projection, position) VALUES ('partner_balances', %s) "
                 "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, updated_at = now() "
                 "WHERE projections.tracking.position < EXCLUDED.position", (head,))


def upsert_balances(curs: Cursor[Any], postings: Iterable[Posting], table: str = BALANCES) -> None:
    """Move each (partner, currency) row of the balances (`table`) by what the postings move, in one statement."""
    deltas = balance_deltas(postings)
    if deltas:
        rows = [(partner, currency, *values) for (partner, currency), values in sorted(deltas.items())]
        update = ", ".join(f"{c} = b.{c} + EXCLUDED.{c}" for c in COLUMNS)
        curs.execute(f"INSERT INTO {table} AS b (partner_id, currency, {', '.join(COLUMNS)}) SELECT * FROM unnest("
                     "%b::text[], %b::text[], %b::int8[], %b::int8[], %b::int8[], %b::int8[], %b::int8[]) "
                     f"ON CONFLICT (partner_id, currency) DO UPDATE SET {update}", _columns(rows))


