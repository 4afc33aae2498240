"""What goes into one ledger batch and what comes out of it."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import InputEvent
from schemas.parsing import Invalid
from schemas.reasons import Reason


@dataclass(frozen=True)
class Source:
    """Where a message came from: a topic, partition and offset of one broker cluster."""

    topic: str
    partition: int
    offset: int
    cluster: str = ""
    backlog: int | None = None  # messages after this one in its partition when it was read, if known


@dataclass(frozen=True)
class Inbound:
    """One received message: the validated event or why it is invalid, and its raw bytes."""

    event: InputEvent | Invalid
    raw: bytes
    source: Source | None = None


@dataclass(frozen=True)
class DeadLetter:
    """A message the ledger refused, with the reason it gives the producer."""

    reason: Reason
    detail: str
    raw: bytes
    source: Source | None
    event_id: str | None


@dataclass
class BatchResult:
    """What one batch did: applied, skipped as already applied, parked, and refused."""

    applied: int = 0
    duplicates: int = 0
    parked: int = 0
    dead_letters: list[DeadLetter] = field(default_factory=list)
    attempts: int = 1
    decide_s: float = 0.0  # seconds deciding (reads included), for the worker's log
    encode_s: float = 0.0  # seconds turning the batch's domain events into stored events
    save_s: float = 0.0  # seconds writing them and their side records (the transaction)
