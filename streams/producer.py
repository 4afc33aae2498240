"""`ledger produce`: publish JSON-lines events to the topic their `type` belongs on."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from schemas.topics import TOPIC_BY_TYPE
from streams.kafka import plain_producer
from streams.settings import Settings

KEY_FIELDS = ("partner_id", "sale_id", "program_id", "event_id")


@dataclass
class ProduceReport:
    """What was published, per topic, and which lines were skipped and why."""

    by_topic: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """Messages published in all."""
        return sum(self.by_topic.values())


def route(line: str, settings: Settings, topic: str | None = None) -> tuple[str, bytes | None, bytes]:
    """(topic, key, value) for one line; keyed by partner so a partner's events stay in order."""
    value = line.encode()
    if topic is not None:
        return settings.topic(topic), None, value
    data = json.loads(line)
    if not isinstance(data, dict) or data.get("type") not in TOPIC_BY_TYPE:
        raise ValueError(f"unknown or missing type {data.get('type') if isinstance(data, dict) else None!r}")
    key = next((str(data[k]) for k in KEY_FIELDS if data.get(k)), None)
    return settings.topic(TOPIC_BY_TYPE[data["type"]]), key.encode() if key else None, value


async def produce_lines(bootstrap: str, settings: Settings, lines: Iterable[str], topic: str | None = None,
                        on_sent: Callable[[int], None] | None = None) -> ProduceReport:
    """Publish every non-blank line; lines that cannot be routed are reported, not sent."""
    report = ProduceReport()
    producer = plain_producer(bootstrap)
    await producer.start()
    try:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                target, key, value = route(line.strip(), settings, topic)
            except ValueError as exc:
                report.skipped.append((number, str(exc)))
                continue
            await producer.send(target, value=value, key=key)
            report.by_topic[target] += 1
            if on_sent:
                on_sent(report.sent)
        await producer.flush()
    finally:
        await producer.stop()
    return report
