"""From a Kafka message to what the ledger decides on."""

from __future__ import annotations

from ledger.core.messages import Received, Source
from ledger.writer import received
from schemas.parsing import Invalid
from schemas.reasons import Reason
from schemas.topics import TOPIC_BY_TYPE


def to_received(value: bytes | None, topic: str, partition: int, offset: int, cluster: str,
                input_topic_by_name: dict[str, str], highwater: int | None = None) -> Received:
    """Validate a message; an event on the wrong topic is refused so producers notice.

    `highwater` is the partition's end offset as the consumer last saw it: what is still
    behind this message tells the ledger's event clock that the partition is catching up.
    """
    raw = value or b""
    backlog = max(0, highwater - offset - 1) if highwater is not None else None
    item = received(raw, Source(topic, partition, offset, cluster, backlog))
    event = item.event
    if not isinstance(event, Invalid):
        expected = TOPIC_BY_TYPE[event.type]
        actual = input_topic_by_name.get(topic, topic)
        if expected != actual:
            wrong = Invalid(Reason.WRONG_TOPIC, f"{event.type} belongs on topic '{expected}', not '{actual}'",
                            event.event_id)
            return Received(wrong, raw, item.source, None)
    return item
