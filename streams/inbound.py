"""From a Kafka message to what the ledger decides on."""

from __future__ import annotations

from ledger.batch import Inbound, Source
from schemas.parsing import Invalid, parse_event
from schemas.reasons import Reason
from schemas.topics import TOPIC_BY_TYPE


def to_inbound(value: bytes | None, topic: str, partition: int, offset: int, cluster: str,
               input_topic_by_name: dict[str, str]) -> Inbound:
    """Validate a message; an event on the wrong topic is refused so producers notice."""
    raw = value or b""
    source = Source(topic, partition, offset, cluster)
    event = parse_event(raw)
    if not isinstance(event, Invalid):
        expected = TOPIC_BY_TYPE[event.type]
        actual = input_topic_by_name.get(topic, topic)
        if expected != actual:
            event = Invalid(Reason.WRONG_TOPIC, f"{event.type} belongs on topic '{expected}', not '{actual}'",
                            event.event_id)
    return Inbound(event, raw, source)
