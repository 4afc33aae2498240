"""Verifying the log against its hash chain and sealed Merkle roots: each stored row recomputed, differences named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.store import merkle
from ledger.store.chain import GENESIS, Seal, link, seals
from ledger.store.schema import LOG_TABLE
from schemas.proof import leaf

READ_AHEAD = 10_000
Sql = Any
Progress = Callable[[int], None]  # called with how many positions were checked since the last call


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
    leaves: list[bytes] = field(default_factory=list)  # not yet in the frontier: added in bulk (cheaper a row)

    def add(self, leaf_: bytes) -> None:
        """One more leaf (hashed in bulk, which is cheaper per row)."""
        self.leaves.append(leaf_)
        if len(self.leaves) >= READ_AHEAD:
            self.root()

    def root(self) -> tuple[int, bytes]:
        """The tree's size and root, with every leaf so far."""
        self.frontier, self.size = merkle.extend(self.frontier, self.size, self.leaves)
        self.leaves.clear()
        return self.size, merkle.root(self.frontier)


@dataclass
class Verification:
    """What a verification checked and found."""

    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    last: tuple[int, bytes] = (0, GENESIS)  # the last position checked and its link
    digests: dict[int, Seal] = field(default_factory=dict)  # sealed digests to compare with, by position
    compared: set[int] = field(default_factory=set)  # positions whose digest was compared
    tree: Tree = field(default_factory=Tree)

    @property
    def intact(self) -> bool:
        """True when every position checked matched its link."""
        return not self.findings


def verify(datastore: PostgresDatastore, sql: Sql, start: int = 1, end: int | None = None,
           progress: Progress | None = None, digests: dict[int, Seal] | None = None) -> Verification:
    """Recompute the chain over positions `start`..`end` (the head if None) from the stored rows.

    Every recomputed link and Merkle root is also checked against the digests sealed in the database
    and against `digests` (kept elsewhere): a log rewritten together with its chain differs from those.
    The link and the leaves before `start` are taken as stored.
    """
    found = Verification()
    end_ = end if end is not None else 2**62
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor(name="verify") as curs:
        previous = _link_before(conn, sql, start)
        with conn.cursor() as plain:
            found.digests = seals(plain, sql) | (digests or {})
            found.tree = _tree_before(plain, sql, start, max((p for p in found.digests if start <= p <= end_),
                                                             default=0))
        curs.itersize = READ_AHEAD
        curs.execute(sql(
            f"SELECT coalesce(e.notification_id, c.position) AS position, e.originator_id, e.originator_version, "
            f"e.topic, e.state, c.link, c.leaf FROM {{0}}.{LOG_TABLE} e FULL JOIN {{0}}.chain c ON c.position = "
            "e.notification_id WHERE coalesce(e.notification_id, c.position) BETWEEN %s AND %s ORDER BY 1"),
            (start, end_))
        for row in curs:
            previous = _check(row, previous, found)
            if progress is not None and found.checked % READ_AHEAD == 0:
                progress(READ_AHEAD)
    if progress is not None:
        progress(found.checked % READ_AHEAD)
    for position in sorted(set(digests or {}) - found.compared):
        if start <= position <= end_:
            found.findings.append(Finding(position, "a digest is sealed at this position, but the log has no row "
                                                    "here to check it against"))
    return found


def _link_before(conn: Any, sql: Sql, start: int) -> bytes:
    row = conn.execute(sql("SELECT link FROM {}.chain WHERE position < %s ORDER BY position DESC LIMIT 1"),
                       (start,)).fetchone()
    return bytes(row["link"]) if row else GENESIS


def _tree_before(curs: Any, sql: Sql, start: int, until: int) -> Tree:
    """The tree over the leaves before `start`: the last seal's frontier before it, extended with the leaves since."""
    if not until:
        return Tree()
    curs.execute(sql("SELECT position, tree_size, frontier FROM {}.seals WHERE position < %s "
                     "ORDER BY position DESC LIMIT 1"), (start,))
    sealed = curs.fetchone()
    frontier, size = (merkle.unpack(bytes(sealed["frontier"])), sealed["tree_size"]) if sealed else ([], 0)
    with curs.copy(sql("COPY (SELECT leaf FROM {}.chain WHERE position > %s AND position < %s ORDER BY position) "
                       "TO STDOUT (FORMAT BINARY)"), (sealed["position"] if sealed else 0, start)) as copy:
        copy.set_types(["bytea"])
        frontier, size = merkle.extend(frontier, size, (row[0] for row in copy.rows()))
    return Tree(frontier, size, until)


def _check(row: Any, previous: bytes, found: Verification) -> bytes:
    """Check one position; returns the link the next one builds on (the stored one, so one edit is one finding)."""
    position, stored = row["position"], row["link"]
    found.checked += 1
    if row["state"] is None:
        found.findings.append(Finding(position, "the chain has a link here but the log has no row (deleted)"))
        if position <= found.tree.until:
            found.tree.add(bytes(row["leaf"]))
        return bytes(stored)
    if stored is None:
        found.findings.append(Finding(position, "the log has a row here that the chain does not cover (inserted)"))
        return previous
    leaf_ = leaf(position, row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"]))
    computed = link(previous, leaf_)
    found.last = (position, computed)
    if position <= found.tree.until:  # the stored leaf, as the stored link: an edited row is one finding
        found.tree.add(bytes(row["leaf"]))
    differs = _sealed_differs(found, position, computed)
    if computed != bytes(stored):
        differs.append("the stored row differs from the row that was chained (edited, or moved from another "
                       "position)")
    elif leaf_ != bytes(row["leaf"]):
        differs.append("the stored leaf differs from the row's (the chain was edited: proofs built on it fail)")
    if differs:
        found.findings.append(Finding(position, "; ".join(differs)))
        return bytes(stored)
    return computed


def _sealed_differs(found: Verification, position: int, computed: bytes) -> list[str]:
    sealed = found.digests.get(position)
    if sealed is None:
        return []
    found.compared.add(position)
    differs = []
    if sealed.link != computed:
        differs.append("the recomputed link differs from the digest sealed here (the log and its chain were "
                       "rewritten)")
    size, root = found.tree.root()
    if (sealed.tree_size, sealed.root) != (size, root):
        differs.append(f"the recomputed Merkle root over {size:,} leaves differs from the root sealed "
                       f"here over {sealed.tree_size:,} (the chain's leaves or the seal were changed)")
    return differs
