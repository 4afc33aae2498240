"""The ledger's event-time clock: how far input has got, so waiting events are refused only when due.

The grace period of a parked event is measured on this clock. "The latest event time seen"
is unsafe while catching up: a topic read faster than another (refunds ahead of their sales)
would move it weeks ahead and refuse events whose prerequisite is merely still unread. So
while any input partition has a backlog, the clock is the earliest of those partitions' event
times: nothing older than it can still be unread in them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledger.batch import Inbound
from schemas.parsing import Invalid

CLOCK_SKEW = timedelta(days=1)
PartitionKey = tuple[str, str, int]  # (cluster, topic, partition)


@dataclass(frozen=True)
class PartitionMark:
    """How far the ledger has read one input partition, and what was still behind it then."""

    offset: int
    event_time: datetime | None = None
    backlog: int | None = None  # messages after `offset` when it was read; None if the consumer did not know

    def then(self, later: PartitionMark) -> PartitionMark:
        """This mark followed by a later batch's: the furthest offset and time, the latest backlog."""
        times = [t for t in (self.event_time, later.event_time) if t is not None]
        backlog = later.backlog if later.offset >= self.offset and later.backlog is not None else self.backlog
        return PartitionMark(max(self.offset, later.offset), max(times, default=None), backlog)


def batch_marks(items: Sequence[Inbound]) -> dict[PartitionKey, PartitionMark]:
    """Per input partition of a batch: its last offset, latest event time, and backlog behind that offset."""
    marks: dict[PartitionKey, PartitionMark] = {}
    horizon = _horizon()
    for item in items:
        source = item.source
        if source is None:
            continue
        key = (source.cluster, source.topic, source.partition)
        event_time = None if isinstance(item.event, Invalid) else min(item.event.occurred_at, horizon)
        mark = PartitionMark(source.offset, event_time, source.backlog)
        marks[key] = marks[key].then(mark) if key in marks else mark
    return marks


def latest_event_time(stored: datetime | None, items: Sequence[Inbound]) -> datetime | None:
    """The latest `occurred_at` received, a bad clock's future capped at a day ahead of now."""
    horizon = _horizon()
    times = [min(i.event.occurred_at, horizon) for i in items if not isinstance(i.event, Invalid)]
    return max([*times, *([stored] if stored else [])], default=None)


def event_clock(latest: datetime | None, stored: Mapping[PartitionKey, PartitionMark],
                batch: Mapping[PartitionKey, PartitionMark]) -> datetime | None:
    """The earliest event time among partitions with a backlog; `latest` when none has one."""
    marks = dict(stored)
    for key, mark in batch.items():
        marks[key] = marks[key].then(mark) if key in marks else mark
    behind = [m.event_time for m in marks.values() if m.backlog and m.event_time is not None]
    if not behind or latest is None:
        return latest
    return min(min(behind), latest)


def _horizon() -> datetime:
    # A producer's bad clock moves the ledger's no further than a day ahead of now, so one
    # bad timestamp cannot expire every parked event.
    return datetime.now(UTC) + CLOCK_SKEW
