"""Verifying the log against its hash chain: every stored row recomputed, the first difference named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.store.chain import GENESIS, link, seals
from ledger.store.schema import LOG_TABLE

READ_AHEAD = 10_000
Sql = Any
Progress = Callable[[int], None]  # called with how many positions were checked since the last call


@dataclass(frozen=True)
class Finding:
    """A position where the log and its chain disagree, and how."""

    position: int
    what: str


@dataclass
class Verification:
    """What a verification checked and found."""

    checked: int = 0
    findings: list[Finding] = field(default_factory=list)
    last: tuple[int, bytes] = (0, GENESIS)  # the last position checked and its link
    digests: dict[int, bytes] = field(default_factory=dict)  # sealed links to compare with, by position
    compared: set[int] = field(default_factory=set)  # positions whose digest was compared

    @property
    def intact(self) -> bool:
        """True when every position checked matched its link."""
        return not self.findings


def verify(datastore: PostgresDatastore, sql: Sql, start: int = 1, end: int | None = None,
           progress: Progress | None = None, digests: dict[int, bytes] | None = None) -> Verification:
    """Recompute the chain over positions `start`..`end` (the head if None) from the stored rows.

    Every recomputed link is also checked against the digests sealed in the database and against
    `digests` (kept elsewhere): a log rewritten together with its chain differs from those.
    """
    found = Verification()
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor(name="verify") as curs:
        previous = _link_before(conn, sql, start)
        with conn.cursor() as plain:
            found.digests = seals(plain, sql) | (digests or {})
        curs.itersize = READ_AHEAD
        curs.execute(sql(
            f"SELECT coalesce(e.notification_id, c.position) AS position, e.originator_id, e.originator_version, "
            f"e.topic, e.state, c.link FROM {{0}}.{LOG_TABLE} e FULL JOIN {{0}}.chain c ON c.position = "
            "e.notification_id WHERE coalesce(e.notification_id, c.position) BETWEEN %s AND %s ORDER BY 1"),
            (start, end if end is not None else 2**62))
        for row in curs:
            previous = _check(row, previous, found)
            if progress is not None and found.checked % READ_AHEAD == 0:
                progress(READ_AHEAD)
    if progress is not None:
        progress(found.checked % READ_AHEAD)
    for position in sorted(set(digests or {}) - found.compared):
        if position >= start and (end is None or position <= end):
            found.findings.append(Finding(position, "a digest is sealed at this position, but the log has no row "
                                                    "here to check it against"))
    return found


def _link_before(conn: Any, sql: Sql, start: int) -> bytes:
    row = conn.execute(sql("SELECT link FROM {}.chain WHERE position < %s ORDER BY position DESC LIMIT 1"),
                       (start,)).fetchone()
    return bytes(row["link"]) if row else GENESIS


def _check(row: Any, previous: bytes, found: Verification) -> bytes:
    """Check one position; returns the link the next one builds on (the stored one, so one edit is one finding)."""
    position, stored = row["position"], row["link"]
    found.checked += 1
    if row["state"] is None:
        found.findings.append(Finding(position, "the chain has a link here but the log has no row (deleted)"))
        return bytes(stored)
    if stored is None:
        found.findings.append(Finding(position, "the log has a row here that the chain does not cover (inserted)"))
        return previous
    computed = link(previous, position, row["originator_id"], row["originator_version"], row["topic"],
                    bytes(row["state"]))
    found.last = (position, computed)
    sealed = found.digests.get(position)
    if sealed is not None:
        found.compared.add(position)
    if sealed is not None and sealed != computed:
        found.findings.append(Finding(position, "the recomputed link differs from the digest sealed here (the log "
                                                "and its chain were rewritten)"))
    if computed != bytes(stored):
        found.findings.append(Finding(position, "the stored row differs from the row that was chained (edited, "
                                                "or moved from another position)"))
        return bytes(stored)
    return computed
