"""The hot-path parser: msgspec reads the strict spelling of the input contract, pydantic judges the rest.

`decode(raw)` accepts exactly what `schemas.parsing.parse_event` accepts, with the same values:

- the fast path (`decode_strict`, about 3 µs against pydantic's 12 on the bench workload): msgspec
  decodes the message into a `WireEvent`, unless a screen of the raw bytes finds what msgspec could
  read differently from pydantic: an escape or byte that may be a control character (pydantic
  refuses text holding one), or seven decimals in a row (msgspec rounds a time's nanoseconds to the
  microsecond, pydantic truncates them);
- everything else goes to `parse_event`: its `Invalid` (reason, detail, event id) is returned as it
  is, and an event it accepts is converted to its `WireEvent`. The contract accepts lax spellings the
  strict fast path refuses: `"level": "1"` or `1.0`, `"schema_version": "1"` or `true`,
  `"show_declines": "yes"` or `1`, `"occurred_at": 1767225600` (Unix time), `"08:00Z"` without
  seconds, `"08:00:00,5Z"`. Should the wire types refuse an event the contract accepted, the two
  disagree: a bug here, so the message is refused as a schema violation saying so, never guessed at.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import Any

import msgspec

from schemas.bounds import CONTROL_CHARACTER, MAX_MESSAGE_BYTES
from schemas.parsing import Invalid, parse_event
from schemas.reasons import Reason
from schemas.wire_types import WireEvent

__all__ = ["WireEvent", "canonical_digest", "decode", "decode_strict"]

_DECODER = msgspec.json.Decoder(WireEvent)
_CANONICAL = msgspec.json.Encoder(order="sorted")
_MAX_DETAIL = 1000
# A control character reaches a decoded string only as an escape that is not itself escaped (the
# raw bytes \\n are a backslash and an n) or as a raw DEL (0x7f) or C1 character (0xc2 0x80-0x9f);
# JSON forbids raw C0 bytes in strings. Escaped digits and dots are screened too, so that a time
# cannot hide a seventh decimal from _sub_microsecond. Single bytes are tested first, which keeps
# the regex off the hot path.
_BACKSLASH, _DEL, _C1_LEAD = 0x5C, 0x7F, 0xC2
_maybe_control = re.compile(
    rb"(?<!\\)(?:\\\\)*\\(?:u00[01]|u007[fF]|u00[89]|u003[0-9]|u002[eE]|[bfnrt])|\x7f|\xc2[\x80-\x9f]").search
_sub_microsecond = re.compile(rb"\.[0-9]{7}").search


def decode(raw: bytes) -> WireEvent | Invalid:
    """One message value as a `WireEvent`, or the `Invalid` parse_event gives it; never raises."""
    event = decode_strict(raw)
    return _by_the_contract(raw) if event is None else event


def decode_strict(raw: bytes) -> WireEvent | None:
    """The fast path alone: the event if msgspec surely reads it as pydantic would, else None."""
    # Oversized messages are left unread, as parse_event leaves them.
    if len(raw) > MAX_MESSAGE_BYTES or _sub_microsecond(raw) or (
            (_BACKSLASH in raw or _DEL in raw or _C1_LEAD in raw) and _maybe_control(raw)):
        return None
    try:
        return _DECODER.decode(raw)
    except (msgspec.MsgspecError, ArithmeticError):
        return None


def _by_the_contract(raw: bytes) -> WireEvent | Invalid:
    parsed = parse_event(raw)
    if isinstance(parsed, Invalid):
        return parsed
    try:
        return msgspec.convert(_plain_rates(parsed.model_dump()), WireEvent)
    except (msgspec.MsgspecError, ArithmeticError) as exc:
        # Never pass on what the wire types cannot hold; the detail says it is this parser's fault.
        detail = f"the wire parser disagrees with the contract, which accepts this event: {exc}"
        shown = CONTROL_CHARACTER.sub(lambda m: f"\\u{ord(m.group()):04x}", detail)
        return Invalid(Reason.SCHEMA_VIOLATION, shown[:_MAX_DETAIL], parsed.event_id)


def _plain_rates(value: Any) -> Any:
    """pydantic's dump with each rate (a Decimal) written as the plain decimal the wire types hold."""
    if isinstance(value, dict):
        return {key: _plain_rates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_rates(item) for item in value]
    return format(value, "f") if isinstance(value, Decimal) else value


def canonical_digest(event: WireEvent) -> bytes:
    """sha256 of the event's canonical JSON, equal for a true repeat and different for another body.

    The canonical form is msgspec's compact JSON of the decoded event: object keys sorted, no
    spacing, `type` included; every field equal to its default left out (`schema_version` 1,
    `recruited_by: null`, `first_name: ""`, `milestones: []`, `clawback: false`, … given or absent
    alike); `occurred_at` as the UTC instant, `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` (the offset it was
    written with does not count); tiers sorted by level; rates as plain decimals ("0.20" and "0.2"
    differ, as their JSON does); strings unescaped, so `"\\u00e9"` and `"é"` are the same. A lax
    spelling the contract accepts (`"show_declines": "yes"`) counts as the value it stands for.
    """
    return hashlib.sha256(_CANONICAL.encode(event)).digest()
