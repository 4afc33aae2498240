"""Fields every input event carries."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from schemas.bounds import EventTime, Id


class InputEventBase(BaseModel):
    """The common envelope: idempotency key, type, event time and schema version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: Id = Field(description="Unique per event; the idempotency key")
    occurred_at: EventTime
    schema_version: int = Field(default=1, ge=1, le=1)
