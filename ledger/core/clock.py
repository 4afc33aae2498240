"""The ledger's event-time clock: how far input has got, so waiting events are refused only when due.

"The latest event time seen" is unsafe while catching up: a topic read faster than another
(refunds ahead of their sales) would move it weeks ahead and refuse events whose prerequisite is
merely still unread. So while any input partition has a backlog, the clock is the earliest of
those partitions' event times: nothing older than it can still be unread in them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

CLOCK_SKEW_US = 86_400_000_000  # a producer's bad clock moves the ledger's at most a day ahead of now
PartitionKey = tuple[str, str, int]  # (cluster, topic, partition)


class Mark(NamedTuple):
    """How far the ledger has read one input partition, and what was still behind it then."""

    offset: int
    event_us: int | None = None
    backlog: int | None = None  # messages after `offset` when it was read; None if unknown

    def then(self, later: Mark) -> Mark:
        """This mark followed by a later one: the furthest offset and time, the latest backlog."""
        times = [t for t in (self.event_us, later.event_us) if t is not None]
        backlog = later.backlog if later.offset >= self.offset and later.backlog is not None else self.backlog
        return Mark(max(self.offset, later.offset), max(times, default=None), backlog)


def batch_marks(read: Iterable[tuple[Any, int | None]], now_us: int) -> dict[PartitionKey, Mark]:
    """Per input partition: its last offset, latest event time and backlog, from (source, event time) pairs."""
    marks: dict[PartitionKey, Mark] = {}
    horizon = now_us + CLOCK_SKEW_US
    for source, event_us in read:
        if source is None:
            continue
        key = (source.cluster, source.topic, source.partition)
        mark = Mark(source.offset, min(event_us, horizon) if event_us is not None else None, source.backlog)
        marks[key] = marks[key].then(mark) if key in marks else mark
    return marks


def merged(stored: Mapping[PartitionKey, Mark], batch: Mapping[PartitionKey, Mark]) -> dict[PartitionKey, Mark]:
    """The stored marks advanced by a batch's."""
    marks = dict(stored)
    for key, mark in batch.items():
        marks[key] = marks[key].then(mark) if key in marks else mark
    return marks


def event_clock(latest_us: int | None, marks: Mapping[PartitionKey, Mark]) -> int | None:
    """The earliest event time among partitions with a backlog; `latest_us` when none has one."""
    behind = [m.event_us for m in marks.values() if m.backlog and m.event_us is not None]
    if not behind or latest_us is None:
        return latest_us
    return min(min(behind), latest_us)
