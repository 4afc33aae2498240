"""What goes into a batch and what comes out of it: messages, log entries, dead letters."""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

from ledger.core.decision import Decision
from schemas.reasons import Reason


class Source(NamedTuple):
    """Where a message came from: a topic, partition and offset of one broker cluster."""

    topic: str
    partition: int
    offset: int
    cluster: str = ""
    backlog: int | None = None  # messages after this one in its partition when it was read, if known


class Received(NamedTuple):
    """One message: its event (or why it is invalid: anything with `reason` and `detail`), bytes, source, digest."""

    event: Any
    raw: bytes
    source: Any
    digest: bytes | None


# FirstSeen and Entry are made for every message and kept until the batch is written (FirstSeen for
# as long as the store's memory of ids lasts): Structs the garbage collector does not track.
class FirstSeen(msgspec.Struct, frozen=True, gc=False):
    """What the ledger kept of the first event under an id: its digest (None: taken as a repeat) and source."""

    digest: bytes | None
    source: Any


class Entry(msgspec.Struct, frozen=True, gc=False):
    """One log entry: a decision on an input event (versions count its parks and its final outcome) or a maturation."""

    key: str
    version: int
    type: str
    status: str  # applied, refused or parked
    at_us: int
    decision: Decision
    source: Any
    digest: bytes | None
    event: Any
    raw: bytes


class DeadLetter(NamedTuple):
    """A refused message, with the reason the producer is given."""

    reason: Reason
    detail: str
    raw: bytes
    source: Any
    event_id: str | None
