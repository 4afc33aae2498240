"""Fields every input event carries."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class InputEventBase(BaseModel):
    """The common envelope: idempotency key, type, event time and schema version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(min_length=1, max_length=200, description="Unique per event; the idempotency key")
    occurred_at: AwareDatetime = Field(description="Event time, RFC 3339 with offset")
    schema_version: int = Field(default=1, ge=1, le=1)
