"""Telling a redelivered event from an `event_id` reused for a different event."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from ledger.persistence import FirstSeen
from schemas.events import InputEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def body_digest(raw: bytes, event: InputEvent) -> bytes:
    """sha256 of the message's canonical JSON: keys sorted, spacing ignored, the time in UTC and
    the default schema version left out, so the same event re-serialised has the same digest.

    Taken from the producer's JSON rather than the model's, so that a later version of the
    contract (a new optional field) does not change the digests of events already recorded.
    """
    try:
        data: dict[str, Any] = orjson.loads(raw)
    except orjson.JSONDecodeError:  # valid to pydantic, not to orjson: the bytes themselves
        return hashlib.sha256(raw).digest()
    data["occurred_at"] = (event.occurred_at - _EPOCH) // _MICROSECOND  # one instant, one number
    if data.get("schema_version") == 1:
        del data["schema_version"]
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).digest()


def is_repeat(first: FirstSeen, body: bytes) -> bool:
    """A true repeat: the same body, or a first event recorded before bodies were kept."""
    return first.body is None or bytes(first.body) == body


def reuse_detail(event_id: str, first: FirstSeen) -> str:
    """Why a reused id is refused, naming where the first event with it came from."""
    where = (f"{first.source.topic}[{first.source.partition}]@{first.source.offset}" if first.source
             else "an earlier message")
    return (f"event_id {event_id!r} was already used by a different event (first read from {where}); "
            "a repeat must carry the same body, a new event a new event_id")
