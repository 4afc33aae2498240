"""The log's hash chain, one block per written batch: the leaves of its rows and a link to the block before.

A block covers consecutive positions first..last; its leaves are their rows' leaf hashes
(`schemas.proof.leaf`) one after another, its link SHA-256(link before || first || last || leaves).
The single writer makes one block per batch in the batch's transaction, so no lock is added and a
row costs one hash. Anyone holding a link can recompute everything before it from the stored rows:
an edited, deleted, inserted or moved row shows at its position (`ledger/store/verify.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg import Cursor

from ledger.errors import LedgerError
from ledger.store import merkle
from ledger.store.schema import LOG_TABLE
from schemas.proof import leaf

GENESIS = bytes(32)  # the link before the first block
DEFAULT_SEAL_EVERY = 100_000  # positions between the digests the writer seals by itself
CATCH_UP_CHUNK = 10_000  # the most rows a block of a ledger chained after the fact covers
Sql = Any
Row = tuple[int, UUID, int, str, bytes]  # position, originator id, version, topic, state


@dataclass(frozen=True)
class Block:
    """Consecutive positions first..last: their leaves one after another, and the link over them."""

    first: int
    last: int
    leaves: bytes
    link: bytes


def block_link(previous: bytes, first: int, last: int, leaves: bytes) -> bytes:
    """A block's link: SHA-256 over the previous block's link, its first and last positions and its leaves."""
    return sha256(previous + first.to_bytes(8, "big") + last.to_bytes(8, "big") + leaves).digest()


def block(previous: bytes, first: int, rows: Iterable[tuple[UUID, int, str, bytes]]) -> Block:
    """The block of rows stored one after another from position `first`, chained to link `previous`."""
    leaves = b"".join([leaf(first + n, *row) for n, row in enumerate(rows)])
    last = first + len(leaves) // merkle.HASH - 1
    return Block(first, last, leaves, block_link(previous, first, last, leaves))


def split(leaves: bytes) -> Iterator[bytes]:
    """A block's leaves, one by one."""
    for at in range(0, len(leaves), merkle.HASH):
        yield leaves[at:at + merkle.HASH]


def tip(curs: Cursor[Any], sql: Sql) -> tuple[int, bytes]:
    """The last chained position and its block's link ((0, GENESIS) before any)."""
    curs.execute(sql("SELECT last, link FROM {}.chain ORDER BY last DESC LIMIT 1"))
    row = curs.fetchone()
    return (int(row["last"]), bytes(row["link"])) if row else (0, GENESIS)


def append(curs: Cursor[Any], sql: Sql, block_: Block) -> None:
    """Store one block (a row of the chain)."""
    curs.execute(sql("INSERT INTO {}.chain (last, first, leaves, link) VALUES (%s, %s, %b, %b)"),
                 (block_.last, block_.first, block_.leaves, block_.link))


def refuse_per_position_layout(datastore: PostgresDatastore) -> None:
    """Refuse a chain table of the earlier layout (a row per position): its links are not this version's."""
    with datastore.transaction(commit=False) as curs:
        curs.execute("SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(%s) "
                     "AND attname = 'position' AND NOT attisdropped) AS old", (f"{datastore.schema}.chain",))
        row = curs.fetchone()
    if row is not None and row["old"]:
        raise ChainLayoutError(
            "ledger.chain has the layout of an earlier version (a row per position, not a block per batch). "
            "Run `ledger verify` with that version first; then, as the tables' owner, `ALTER TABLE ledger.chain "
            "RENAME TO chain_v2; ALTER TABLE ledger.seals RENAME TO seals_v2;` and start the ledger again: it "
            "chains the log anew, in blocks.")


def catch_up(datastore: PostgresDatastore, sql: Sql) -> tuple[int, bytes]:
    """The chain's tip; on a ledger written before the chain existed, its rows are chained first.

    Only an empty chain is caught up: rows after a chain's tip were written past the writer, and
    chaining them would vouch for them (the writer's next batch is refused instead). A block ends
    wherever the positions skip (a rolled-back batch's), and after CATCH_UP_CHUNK rows.
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
            for run in consecutive(rows):
                made = block(previous, run[0][0], (row[1:] for row in run))
                append(curs, sql, made)
                position, previous = made.last, made.link


def consecutive(rows: list[Row]) -> Iterator[list[Row]]:
    """The rows in runs of consecutive positions."""
    start = 0
    for at in range(1, len(rows) + 1):
        if at == len(rows) or rows[at][0] != rows[at - 1][0] + 1:
            yield rows[start:at]
            start = at


class ChainLayoutError(LedgerError):
    """The hash chain's table is of an earlier layout: the operator moves it aside, and the log is chained anew."""


@dataclass(frozen=True)
class Seal:
    """A sealed digest: a block's link at its last position, and the Merkle tree's size and root over the leaves
    to it."""

    position: int
    link: bytes
    tree_size: int
    root: bytes


def seal(curs: Cursor[Any], sql: Sql, position: int, link_: bytes) -> Seal:
    """Keep the link of the block ending at `position` as a sealed digest (once), with the Merkle root over the
    leaves up to it. The tree is the previous seal's frontier extended with only the blocks since it."""
    before = latest_seal(curs, sql, position)
    if before is not None and before["position"] == position:
        return _seal(before)
    frontier, size = frontier_through(curs, sql, before, position)
    sealed = Seal(position, link_, size, merkle.root(frontier))
    curs.execute(sql("INSERT INTO {}.seals (position, link, tree_size, root, frontier) VALUES (%s, %s, %s, %s, %s) "
                     "ON CONFLICT (position) DO NOTHING"),
                 (position, link_, size, sealed.root, merkle.pack(frontier)))
    return sealed


def latest_seal(curs: Cursor[Any], sql: Sql, position: int) -> Any:
    """The stored row of the latest seal at or before `position`, or None."""
    curs.execute(sql("SELECT position, link, tree_size, root, frontier FROM {}.seals WHERE position <= %s "
                     "ORDER BY position DESC LIMIT 1"), (position,))
    return curs.fetchone()


def frontier_through(curs: Cursor[Any], sql: Sql, sealed: Any, position: int) -> tuple[list[bytes], int]:
    """The Merkle frontier and size over every leaf up to `position` (a block's end): the seal's frontier
    (`latest_seal`'s row, or None for the empty tree) extended with the leaves of the blocks since it."""
    frontier, size = (merkle.unpack(bytes(sealed["frontier"])), sealed["tree_size"]) if sealed else ([], 0)
    with curs.copy(sql("COPY (SELECT leaves FROM {}.chain WHERE last > %s AND last <= %s ORDER BY last) "
                       "TO STDOUT (FORMAT BINARY)"), (sealed["position"] if sealed else 0, position)) as copy:
        copy.set_types(["bytea"])
        return merkle.extend(frontier, size, (one for row in copy.rows() for one in split(row[0])))


def seals(curs: Cursor[Any], sql: Sql) -> dict[int, Seal]:
    """Every sealed digest, by position."""
    curs.execute(sql("SELECT position, link, tree_size, root FROM {}.seals"))
    return {int(r["position"]): _seal(r) for r in curs.fetchall()}


def _seal(row: Any) -> Seal:
    return Seal(int(row["position"]), bytes(row["link"]), int(row["tree_size"]), bytes(row["root"]))
