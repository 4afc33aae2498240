"""Verifying the log against its hash chain and sealed Merkle roots: each stored row recomputed, differences named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import tuple_row

from ledger.store import merkle
from ledger.store.chain import (
    GENESIS,
    Block,
    Seal,
    block_link,
    frontier_through,
    latest_seal,
    seals,
    split,
)
from ledger.store.schema import LOG_TABLE
from schemas.proof import leaf

READ_AHEAD = 10_000  # log rows a round trip
BLOCKS_AHEAD = 64  # chain blocks a round trip (up to 10,000 leaves each)
Sql = Any
Progress = Callable[[int], None]  # called with how many positions were checked since the last call
EDITED = "the stored row differs from the row chained at this position (edited, or moved from another position)"


@dataclass(frozen=True)
class Finding:
    """A position where the log and its chain disagree, and how."""

    position: int
    what: str


@dataclass
class Tree:
    """The Merkle tree over the leaves checked so far; grown only up to the last seal in the range."""

    frontier: list[bytes] = field(default_factory=list)
    size: int = 0
    until: int = 0  # the last sealed position to compare a root with

    def add(self, leaves: bytes) -> None:
        """A block's leaves."""
        self.frontier, self.size = merkle.extend(self.frontier, self.size, split(leaves))

    def root(self) -> tuple[int, bytes]:
        """The tree's size and root."""
        return self.size, merkle.root(self.frontier)


@dataclass
class Verification:
    """What a verification checked and found."""

    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    last: tuple[int, bytes] = (0, GENESIS)  # the last block's last position checked and its link
    digests: dict[int, Seal] = field(default_factory=dict)  # sealed digests to compare with, by position
    compared: set[int] = field(default_factory=set)  # positions whose digest was compared
    tree: Tree = field(default_factory=Tree)

    @property
    def intact(self) -> bool:
        """True when every position checked matched its block."""
        return not self.findings

    def note(self, position: int, what: str) -> None:
        """A finding; several at one position are one finding."""
        if self.findings and self.findings[-1].position == position:
            self.findings[-1] = Finding(position, f"{self.findings[-1].what}; {what}")
        else:
            self.findings.append(Finding(position, what))


def verify(datastore: PostgresDatastore, sql: Sql, start: int = 1, end: int | None = None,
           progress: Progress | None = None, digests: dict[int, Seal] | None = None) -> Verification:
    """Recompute the chain's blocks over positions `start`..`end` (the head if None) from the stored rows.

    Whole blocks are checked: from the one holding `start`, trusting the link before it, to the one
    holding `end`. Every block's link and Merkle root at a seal is also checked against the digests
    sealed in the database and against `digests` (kept elsewhere): a log rewritten together with its
    chain differs from those.
    """
    found = Verification()
    end_ = end if end is not None else 2**62
    with datastore.get_connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")  # one snapshot for both cursors
        start, end_, previous = _bounds(conn, sql, start, end_)
        with conn.cursor() as plain:
            found.digests = seals(plain, sql) | (digests or {})
            found.tree = _tree_before(plain, sql, start, max((p for p in found.digests if start <= p <= end_),
                                                             default=0))
        with conn.cursor(name="blocks", row_factory=tuple_row) as blocks, \
                conn.cursor(name="rows", row_factory=tuple_row) as rows:
            blocks.itersize, rows.itersize = BLOCKS_AHEAD, READ_AHEAD
            blocks.execute(sql("SELECT first, last, leaves, link FROM {}.chain WHERE last >= %s AND first <= %s "
                               "ORDER BY last"), (start, end_))
            rows.execute(sql(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                             f"{{}}.{LOG_TABLE} WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id"),
                         (start, end_))
            _merge((Block(*row) for row in blocks), iter(rows), previous, found, progress)
    for position in sorted(set(found.digests) - found.compared):
        if start <= position <= end_:
            found.note(position, "a digest is sealed at this position, but no block of the chain ends here to "
                                 "check it against")
    found.findings.sort(key=lambda finding: finding.position)
    return found


def _bounds(conn: Any, sql: Sql, start: int, end: int) -> tuple[int, int, bytes]:
    """The range widened to whole blocks, and the link of the block before it."""
    row = conn.execute(sql("SELECT (SELECT first FROM {0}.chain WHERE last >= %s ORDER BY last LIMIT 1), "
                           "(SELECT last FROM {0}.chain WHERE last >= %s ORDER BY last LIMIT 1), "
                           "(SELECT link FROM {0}.chain WHERE last < %s ORDER BY last DESC LIMIT 1)"),
                       (start, end, start)).fetchone()
    first, last, link = row["first"], row["last"], row["link"]
    return (min(start, first) if first else start, max(end, last) if last and first <= end else end,
            bytes(link) if link else GENESIS)


def _merge(blocks: Iterator[Block], rows: Iterator[tuple[Any, ...]], previous: bytes, found: Verification,
           progress: Progress | None) -> None:
    """Walk the blocks and the rows together, position by position."""
    row = next(rows, None)
    covered = 0  # the last position of the block before
    for stored in blocks:
        while row is not None and row[0] < stored.first:
            row = _inserted(row, rows, found)
        computed = _check_block(stored, previous, covered, found)
        row = _check_rows(stored, row, rows, found, computed == bytes(stored.link))
        _check_seal(stored, computed, found)
        if progress is not None:
            progress(stored.last - stored.first + 1)
        previous, covered = bytes(stored.link), stored.last
    while row is not None:
        row = _inserted(row, rows, found)


def _inserted(row: tuple[Any, ...], rows: Iterator[tuple[Any, ...]], found: Verification) -> tuple[Any, ...] | None:
    found.checked += 1
    found.note(row[0], "the log has a row here that no block of the chain covers (inserted)")
    return next(rows, None)


def _check_block(stored: Block, previous: bytes, covered: int, found: Verification) -> bytes:
    """The block's link recomputed from its leaves and the link before (returned), and its bounds."""
    computed = block_link(previous, stored.first, stored.last, bytes(stored.leaves))
    if computed != bytes(stored.link) or stored.first <= covered or \
            len(stored.leaves) != (stored.last - stored.first + 1) * merkle.HASH:
        found.note(stored.first, f"the chain's block {stored.first:,}..{stored.last:,} does not hold (its link, "
                                 "leaves or bounds were edited)")
    return computed


def _check_seal(stored: Block, computed: bytes, found: Verification) -> None:
    """The recomputed link, and the Merkle root with the block's leaves, against a digest sealed at its end."""
    found.last = (stored.last, computed)
    if stored.last <= found.tree.until:  # the stored leaves, as the stored links: an edited row is one finding
        found.tree.add(bytes(stored.leaves))
    sealed = found.digests.get(stored.last)
    if sealed is None:
        return
    found.compared.add(stored.last)
    if sealed.link != computed:
        found.note(sealed.position, "the recomputed link differs from the digest sealed here (the log and its chain "
                                    "were rewritten)")
    size, root = found.tree.root()
    if (sealed.tree_size, sealed.root) != (size, root):
        found.note(sealed.position, f"the recomputed Merkle root over {size:,} leaves differs from the root sealed "
                                    f"here over {sealed.tree_size:,} (the chain's leaves or the seal were changed)")


def _check_rows(stored: Block, row: tuple[Any, ...] | None, rows: Iterator[tuple[Any, ...]],
                found: Verification, holds: bool) -> tuple[Any, ...] | None:
    """Each position of the block: its row's leaf recomputed and compared with the block's; returns the next row."""
    leaves, edited = bytes(stored.leaves), EDITED if holds else "the row's leaf differs from its block's"
    for position in range(stored.first, stored.last + 1):
        found.checked += 1
        if row is None or row[0] != position:
            found.note(position, "the chain covers this position but the log has no row (deleted)")
            continue
        at = (position - stored.first) * merkle.HASH
        if leaf(position, row[1], row[2], row[3], bytes(row[4])) != leaves[at:at + merkle.HASH]:
            found.note(position, edited)
        row = next(rows, None)
    return row


def _tree_before(curs: Any, sql: Sql, start: int, until: int) -> Tree:
    """The tree over the leaves before `start`: the last seal's frontier before it, extended with the blocks since."""
    if not until:
        return Tree()
    frontier, size = frontier_through(curs, sql, latest_seal(curs, sql, start - 1), start - 1)
    return Tree(frontier, size, until)
