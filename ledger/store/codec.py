"""The log entry as stored: one msgpack record per decision, with no customer's personal data in it.

Names and emails go to a table keyed by contact (or partner) id, so that they can be erased
without touching the append-only log; a parked event is stored without them and joined with
them again when the writer restores its state.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ledger.core.changes import AnyChange, ProgramVersioned
from ledger.core.decision import Applied, Need, Parked, Refused
from ledger.core.messages import Entry, Source
from ledger.rules.postings import Posting
from schemas.reasons import Reason
from schemas.wire_types import ProgramConfigured, WireEvent

PostingRow = tuple[str, str, int, str, str, str, int, int]
Personal = tuple[str, str, dict[str, str]]  # (kind, id, fields): ("contact", "C-1", {...})


class Record(msgspec.Struct, array_like=True, gc=False, omit_defaults=True):
    """One stored decision: what it is about, its outcome, its facts and postings."""

    key: str
    version: int
    type: str
    status: str
    at_us: int
    recorded_us: int
    changes: list[AnyChange] = []
    postings: list[PostingRow] = []
    reason: str | None = None
    detail: str | None = None
    waiting_for: str | None = None
    need: tuple[str, str, int, int] | None = None
    source: tuple[str, int, int, str] | None = None
    digest: bytes | None = None
    event: dict[str, Any] | None = None  # the input event less personal data: kept while it may be decided again


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Record)


def encode(entry: Entry, recorded_us: int) -> bytes:
    """The stored form of a log entry."""
    decision, source = entry.decision, entry.source
    record = Record(entry.key, entry.version, entry.type, entry.status, entry.at_us, recorded_us,
                    source=(source.topic, source.partition, source.offset, source.cluster) if source else None,
                    digest=entry.digest)
    if isinstance(decision, Applied):
        record.changes, record.postings = decision.changes, decision.postings  # type: ignore[assignment]
    else:
        record.reason, record.detail = decision.reason.value, decision.detail
        record.event = strip(entry.event) if entry.event is not None else None
        if isinstance(decision, Parked):
            record.waiting_for, record.need = decision.waiting_for, decision.need
    return _ENCODER.encode(record)


def decode(data: bytes) -> Record:
    """A stored record."""
    return _DECODER.decode(data)


def decision_of(record: Record) -> Applied | Parked | Refused:
    """The decision a record stores (notices and releases are not kept: they were acted on when decided)."""
    if record.status == "applied":
        changes = [ProgramVersioned(msgspec.convert(c.config, ProgramConfigured))
                   if isinstance(c, ProgramVersioned) and isinstance(c.config, dict) else c for c in record.changes]
        return Applied(changes, [Posting(*p) for p in record.postings], [], [])
    reason = Reason(record.reason)
    if record.status == "parked":
        assert record.waiting_for is not None
        return Parked(record.waiting_for, reason, record.detail or "", Need(*record.need) if record.need else None)
    return Refused(reason, record.detail or "")


def source_of(record: Record) -> Source | None:
    """Where the record's input event was read."""
    return Source(*record.source) if record.source else None


def personal_data(event: Any) -> list[Personal]:
    """The names and emails an input event carries, by whose they are."""
    if event is None:
        return []
    customer = getattr(event, "customer", None)
    if customer is not None:
        return [("contact", customer.contact_id, {"first_name": customer.first_name, "last_name": customer.last_name,
                                                  "email": customer.email})]
    if event.type == "partner.joined" and event.email:
        return [("partner", event.partner_id, {"email": event.email})]
    return []


def strip(event: Any) -> dict[str, Any]:
    """The event as a plain mapping, its customer reduced to a contact id and a partner's email left out."""
    plain: dict[str, Any] = msgspec.to_builtins(event)
    plain["type"] = event.type
    if "customer" in plain:
        plain["customer"] = {"contact_id": plain["customer"]["contact_id"]}
    plain.pop("email", None)
    return plain


def rejoin(plain: dict[str, Any], personal: dict[tuple[str, str], dict[str, str]]) -> Any:
    """The event again, with the personal data still kept for it (none once it was erased)."""
    merged = dict(plain)
    if "customer" in merged:
        contact = merged["customer"]["contact_id"]
        merged["customer"] = {"contact_id": contact, **personal.get(("contact", contact), {})}
    elif merged.get("type") == "partner.joined":
        merged.update(personal.get(("partner", merged["partner_id"]), {}))
    return msgspec.convert(merged, WireEvent)


class Stripped:
    """A parked event as stored (less personal data), until it is joined with its personal data again."""

    __slots__ = ("plain", "event_id")

    def __init__(self, plain: dict[str, Any]) -> None:
        self.plain = plain
        self.event_id = plain.get("event_id", "")
