"""Where a replay cuts the log: at a position, as known at a recorded time, or as of an event time.

"As known at T" is recorded time: what the ledger had recorded by T, wrong or late as it was then.
It is a prefix of the log, which is in recording order. "As of T" is event time: what had
happened by T, as the ledger knows it now, so an event dated before T but recorded after it
(back-dated, or late) counts, and one dated after T does not, wherever it is in the log.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from ledger.errors import LedgerError
from ledger.rules.periods import instant, micros
from ledger.store.codec import Record

RESERVED = frozenset({"projections", "ledger", "access", "public", "information_schema"})
NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
AT_US = 7  # where a stored posting keeps its date
MATURED = "commission.matured"
STAGING = "replay_build_"


class ReplayCutError(LedgerError):
    """A replay was asked for a cut or a schema it cannot build."""


@dataclass(frozen=True)
class Cut:
    """Which part of the log a replay reads: up to a position (or a recorded time), and as of an event time."""

    position: int | None = None  # the last position read; None: the head when the replay starts
    known_at_us: int | None = None  # resolved into `position` by a search over the log
    as_of_us: int | None = None

    def __post_init__(self) -> None:
        if self.position is not None and self.known_at_us is not None:
            raise ReplayCutError("give --position or --known-at, not both (either one may go with --as-of)")
        if self.position is not None and self.position < 0:
            raise ReplayCutError("--position must be 0 or more")
        if self.position is None and self.known_at_us is None and self.as_of_us is None:
            raise ReplayCutError("say where to cut the log: --as-of TIME, --known-at TIME or --position N")

    def schema_name(self) -> str:
        """The default schema of a replay at this cut, e.g. `replay_asof_20260301t000000`."""
        parts = ["replay"]
        if self.as_of_us is not None:
            parts.append(f"asof_{_stamp(self.as_of_us)}")
        if self.known_at_us is not None:
            parts.append(f"knownat_{_stamp(self.known_at_us)}")
        if self.position is not None:
            parts.append(f"position_{self.position}")
        return "_".join(parts)


def event_time(record: Record) -> int:
    """When what a record stores happened: its input event's time; a maturation's, the day the hold ended.

    A maturation is written when the timer runs, which may be long after its due date; its
    postings carry that date, and "as of" follows event time.
    """
    if record.type == MATURED and record.postings:
        return min(row[AT_US] for row in record.postings)
    return record.at_us


def as_of(record: Record, as_of_us: int) -> Record | None:
    """The record as the ledger stood at `as_of_us` in event time: None if it happened later,
    else without its postings dated after then (a posting dated later had not happened yet)."""
    if event_time(record) > as_of_us:
        return None
    kept = [row for row in record.postings if row[AT_US] <= as_of_us]
    return record if len(kept) == len(record.postings) else msgspec.structs.replace(record, postings=kept)


def last_known(known_at_us: int, head: int, first_from: Callable[[int], tuple[int, int] | None]) -> int:
    """The last position recorded at or before `known_at_us` (0 if none): a binary search over 1..head.

    `first_from(p)` is (position, recorded_us) of the first entry at or after p, or None; the log
    is in recording order, so recorded times never decrease with position.
    """
    low, high = 0, head  # the answer is in [low, high]; `low` is 0 or a position recorded by then
    while low < high:
        middle = (low + high + 1) // 2
        found = first_from(middle)
        if found is None or found[1] > known_at_us:
            high = middle - 1
        else:
            low = found[0]
    return low


def check_schema(name: str) -> str:
    """The name, if a replay may build into it; the error says why not and what to do."""
    if name in RESERVED or name.startswith("pg_") or name.startswith(STAGING):
        raise ReplayCutError(f"schema {name!r} belongs to the ledger itself; a replay never replaces it. "
                             "Choose another --schema (e.g. replay_march), or leave it out for a name from the cut")
    if not NAME.fullmatch(name):
        raise ReplayCutError(f"schema {name!r} is not a plain lower-case name of at most 63 characters "
                             "(letters, digits, underscores); choose another --schema")
    return name


def staging_schema(name: str) -> str:
    """The schema a replay into `name` is built in before it is renamed into place (within 63 characters)."""
    return STAGING + hashlib.sha256(name.encode()).hexdigest()[:16]


def parse_time(text: str) -> int:
    """An ISO 8601 time (a date alone is midnight; no offset is UTC) in microseconds since the epoch."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ReplayCutError(f"{text!r} is not a time; write it as 2026-03-01 or 2026-03-01T12:00:00Z") from exc
    return micros(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


def _stamp(at_us: int) -> str:
    moment = instant(at_us)
    text = moment.strftime("%Y%m%dt%H%M%S")
    return f"{text}{moment.microsecond:06d}" if moment.microsecond else text
