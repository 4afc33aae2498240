"""The log's hash chain: each position's leaf digests its stored row, its link the leaf and the link before.

The single writer computes the links as it appends, in the batch's transaction, so no lock is
added. Anyone holding a link can recompute everything before it from the stored rows: an edited,
deleted, inserted or moved row shows at its position (`ledger/store/verify.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor

from ledger.store import merkle
from ledger.store.schema import LOG_TABLE
from schemas.proof import leaf

GENESIS = bytes(32)  # the link before position 1
DEFAULT_SEAL_EVERY = 100_000  # positions between the digests the writer seals by itself
CATCH_UP_CHUNK = 10_000
Sql = Any
Chained = tuple[int, bytes, bytes]  # position, link, leaf


def link(previous: bytes, leaf_: bytes) -> bytes:
    """The link of one log row: SHA-256 over the previous link and the row's leaf (`schemas.proof.leaf`)."""
    return sha256(previous + leaf_).digest()


def links(previous: bytes, rows: Iterable[tuple[int, UUID, int, str, bytes]]) -> Iterator[Chained]:
    """(position, link, leaf) of consecutive rows, each chained to the one before."""
    for position, originator_id, version, topic, state in rows:
        leaf_ = leaf(position, originator_id, version, topic, state)
        previous = sha256(previous + leaf_).digest()
        yield position, previous, leaf_


def tip(curs: Cursor[Any], sql: Sql) -> tuple[int, bytes]:
    """The last chained position and its link ((0, GENESIS) before any)."""
    curs.execute(sql("SELECT position, link FROM {}.chain ORDER BY position DESC LIMIT 1"))
    row = curs.fetchone()
    return (int(row["position"]), bytes(row["link"])) if row else (0, GENESIS)


def append(curs: Cursor[Any], sql: Sql, chained: list[Chained]) -> None:
    """Store links and leaves by binary COPY."""
    if chained:
        with curs.copy(sql("COPY {}.chain (position, link, leaf) FROM STDIN (FORMAT BINARY)")) as copy:
            copy.set_types(["int8", "bytea", "bytea"])
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
        position, previous, _ = chained[-1]


@dataclass(frozen=True)
class Seal:
    """A sealed digest: the chain's link at a position, and the Merkle tree's size and root over the leaves to it."""

    position: int
    link: bytes
    tree_size: int
    root: bytes


def seal(curs: Cursor[Any], sql: Sql, position: int, link_: bytes) -> Seal:
    """Keep the link at `position` as a sealed digest (once), with the Merkle root over the leaves up to it.

    The tree is the previous seal's frontier extended with only the leaves since it.
    """
    curs.execute(sql("SELECT position, link, tree_size, root, frontier FROM {}.seals WHERE position <= %s "
                     "ORDER BY position DESC LIMIT 1"), (position,))
    before = curs.fetchone()
    if before is not None and before["position"] == position:
        return _seal(before)
    frontier, size = (merkle.unpack(bytes(before["frontier"])), before["tree_size"]) if before else ([], 0)
    with curs.copy(sql("COPY (SELECT leaf FROM {}.chain WHERE position > %s AND position <= %s ORDER BY position) "
                       "TO STDOUT (FORMAT BINARY)"), (before["position"] if before else 0, position)) as copy:
        copy.set_types(["bytea"])
        frontier, size = merkle.extend(frontier, size, (row[0] for row in copy.rows()))
    sealed = Seal(position, link_, size, merkle.root(frontier))
    curs.execute(sql("INSERT INTO {}.seals (position, link, tree_size, root, frontier) VALUES (%s, %s, %s, %s, %s) "
                     "ON CONFLICT (position) DO NOTHING"),
                 (position, link_, size, sealed.root, merkle.pack(frontier)))
    return sealed


def seals(curs: Cursor[Any], sql: Sql) -> dict[int, Seal]:
    """Every sealed digest, by position."""
    curs.execute(sql("SELECT position, link, tree_size, root FROM {}.seals"))
    return {int(r["position"]): _seal(r) for r in curs.fetchall()}


def _seal(row: Any) -> Seal:
    return Seal(int(row["position"]), bytes(row["link"]), int(row["tree_size"]), bytes(row["root"]))
