"""Telling a redelivered event from an `event_id` reused for a different event."""

from __future__ import annotations

import hashlib

from ledger.persistence import FirstSeen
from schemas.events import InputEvent


def body_digest(event: InputEvent) -> bytes:
    """sha256 of the event's canonical JSON: the same event re-serialised (key order, spacing,
    time offset) has the same digest, a different one does not."""
    return hashlib.sha256(event.model_dump_json().encode()).digest()


def is_repeat(first: FirstSeen, body: bytes) -> bool:
    """A true repeat: the same body, or a first event recorded before bodies were kept."""
    return first.body is None or bytes(first.body) == body


def reuse_detail(event_id: str, first: FirstSeen) -> str:
    """Why a reused id is refused, naming where the first event with it came from."""
    where = (f"{first.source.topic}[{first.source.partition}]@{first.source.offset}" if first.source
             else "an earlier message")
    return (f"event_id {event_id!r} was already used by a different event (first read from {where}); "
            "a repeat must carry the same body, a new event a new event_id")
