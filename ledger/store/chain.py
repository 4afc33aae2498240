"""The log's hash chain: each position's link covers its stored row and the link before it.

The single writer computes the links as it appends, in the batch's transaction, so no lock is
added. Anyone holding a link can recompute everything before it from the stored rows: an edited,
deleted, inserted or moved row shows at its position (`ledger/store/verify.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from hashlib import sha256
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor

from ledger.store.schema import LOG_TABLE

GENESIS = bytes(32)  # the link before position 1
DEFAULT_SEAL_EVERY = 100_000  # positions between the digests the writer seals by itself
CATCH_UP_CHUNK = 10_000
Sql = Any


def link(previous: bytes, position: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The link of one log row: SHA-256 over the previous link, the position and the row's stored fields."""
    digest = sha256(previous)
    topic_bytes = topic.encode()
    digest.update(position.to_bytes(8, "big") + originator_id.bytes + version.to_bytes(8, "big", signed=True)
                  + len(topic_bytes).to_bytes(4, "big") + topic_bytes + len(state).to_bytes(8, "big"))
    digest.update(state)
    return digest.digest()


def links(previous: bytes, rows: Iterable[tuple[int, UUID, int, str, bytes]]) -> Iterator[tuple[int, bytes]]:
    """(position, link) of consecutive rows, each chained to the one before."""
    for position, originator_id, version, topic, state in rows:
        previous = link(previous, position, originator_id, version, topic, state)
        yield position, previous


def tip(curs: Cursor[Any], sql: Sql) -> tuple[int, bytes]:
    """The last chained position and its link ((0, GENESIS) before any)."""
    curs.execute(sql("SELECT position, link FROM {}.chain ORDER BY position DESC LIMIT 1"))
    row = curs.fetchone()
    return (int(row["position"]), bytes(row["link"])) if row else (0, GENESIS)


def append(curs: Cursor[Any], sql: Sql, chained: list[tuple[int, bytes]]) -> None:
    """Store links by binary COPY."""
    if chained:
        with curs.copy(sql("COPY {}.chain (position, link) FROM STDIN (FORMAT BINARY)")) as copy:
            copy.set_types(["int8", "bytea"])
            for row in chained:
                copy.write_row(row)


def catch_up(datastore: PostgresDatastore, sql: Sql) -> tuple[int, bytes]:
    """The chain's tip; on a ledger written before the chain existed, its rows are chained first.

    Only an empty chain is caught up: rows after a chain's tip were written past the writer, and
    chaining them would vouch for them (the writer's next batch is refused instead).
    """
    with datastore.transaction(commit=False) as curs:
        position, previous = tip(curs, sql)
    if position:
        return position, previous
    while True:
        with datastore.transaction(commit=True) as curs:
            curs.execute(sql(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                             f"{{}}.{LOG_TABLE} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"),
                         (position, CATCH_UP_CHUNK))
            rows = [(r["notification_id"], r["originator_id"], r["originator_version"], r["topic"], bytes(r["state"]))
                    for r in curs.fetchall()]
            if not rows:
                return position, previous
            chained = list(links(previous, rows))
            append(curs, sql, chained)
        position, previous = chained[-1]


def seal(curs: Cursor[Any], sql: Sql, position: int, link_: bytes) -> None:
    """Keep the link at `position` as a sealed digest (once)."""
    curs.execute(sql("INSERT INTO {}.seals (position, link) VALUES (%s, %s) ON CONFLICT (position) DO NOTHING"),
                 (position, link_))


def seals(curs: Cursor[Any], sql: Sql) -> dict[int, bytes]:
    """Every sealed digest, by position."""
    curs.execute(sql("SELECT position, link FROM {}.seals"))
    return {int(r["position"]): bytes(r["link"]) for r in curs.fetchall()}
