"""Input is bounded at the door: each hostile message is refused with its own reason, never raised."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas import Invalid, Reason, SaleCompleted, parse_event
from schemas.bounds import MAX_AMOUNT, MAX_MESSAGE_BYTES
from tests.builders import joined, program, sale


def _parse(event: dict[str, Any]) -> object:
    return parse_event(json.dumps(event).encode())


def _reason(raw: bytes) -> Reason:
    parsed = parse_event(raw)
    assert isinstance(parsed, Invalid), parsed
    return parsed.reason


def test_json_nested_two_thousand_deep_is_refused_as_nested_too_deep() -> None:
    assert _reason(b"[" * 2000 + b"]" * 2000) is Reason.NESTED_TOO_DEEP


def test_an_object_nested_past_the_bound_is_refused_with_its_event_id() -> None:
    event = sale("S-1", "rex", 1, event_id="deep-1") | {"note": json.loads('{"a":' * 20 + "1" + "}" * 20)}
    parsed = _parse(event)
    assert isinstance(parsed, Invalid) and (parsed.reason, parsed.event_id) == (Reason.NESTED_TOO_DEEP, "deep-1")


def test_a_message_over_the_size_bound_is_refused_by_its_size() -> None:
    parsed = parse_event(b" " * (MAX_MESSAGE_BYTES + 1))
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.MESSAGE_TOO_LARGE
    assert str(MAX_MESSAGE_BYTES + 1) in parsed.detail


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                                  "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z"])
def test_a_time_outside_the_documented_range_is_a_schema_violation(when: str) -> None:
    parsed = _parse(sale("S-1", "rex", 1) | {"occurred_at": when})
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.SCHEMA_VIOLATION
    assert "occurred_at" in parsed.detail


def test_an_event_time_is_normalised_to_utc() -> None:
    parsed = _parse(sale("S-1", "rex", 1) | {"occurred_at": "2026-03-01T02:00:00+05:00"})
    assert isinstance(parsed, SaleCompleted)
    assert parsed.occurred_at == datetime(2026, 2, 28, 21, 0, tzinfo=UTC) and parsed.occurred_at.tzinfo is UTC


@pytest.mark.parametrize("amount", [2**63 - 1, 2**70, MAX_AMOUNT + 1])
def test_an_amount_past_the_money_bound_is_invalid_money(amount: int) -> None:
    assert _reason(json.dumps(sale("S-1", "rex", amount)).encode()) is Reason.INVALID_MONEY


def test_the_largest_amount_allowed_parses() -> None:
    assert isinstance(_parse(sale("S-1", "rex", MAX_AMOUNT)), SaleCompleted)


@pytest.mark.parametrize("currency", ["XXX", "XTS", "XAU", "usd", "ABC"])
def test_a_code_that_is_not_an_iso_4217_currency_is_invalid_money(currency: str) -> None:
    event = sale("S-1", "rex", 100) | {"amount": {"amount": 100, "currency": currency}}
    parsed = _parse(event)
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.INVALID_MONEY
    assert "ISO 4217" in parsed.detail


def test_a_program_id_longer_than_the_bound_is_refused() -> None:
    assert _reason(json.dumps(program("p" * 201)).encode()) is Reason.SCHEMA_VIOLATION


def test_a_partner_name_longer_than_the_bound_is_refused() -> None:
    assert _reason(json.dumps(joined("rex") | {"name": "n" * 501}).encode()) is Reason.SCHEMA_VIOLATION


def test_a_terminal_escape_in_an_id_is_refused_and_not_echoed() -> None:
    parsed = _parse(sale("S-1\x1b[2J", "rex", 1))
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.SCHEMA_VIOLATION
    assert "\x1b" not in parsed.detail


def test_an_event_id_holding_a_control_character_is_not_carried_into_the_dead_letter() -> None:
    parsed = _parse(sale("S-1", "rex", 1, event_id="e\x07-1") | {"amount": "x"})
    assert isinstance(parsed, Invalid) and parsed.event_id is None


def test_a_type_that_is_not_text_is_an_unknown_type() -> None:
    assert _reason(b'{"type": [1], "event_id": "e"}') is Reason.UNKNOWN_TYPE


def test_a_rate_written_with_a_thousand_digits_is_refused() -> None:
    event = program() | {"tiers": [{"level": 1, "rate": "0." + "1" * 1000}]}
    assert _reason(json.dumps(event).encode()) is Reason.SCHEMA_VIOLATION


def test_a_rate_with_an_exponent_is_refused_before_anything_multiplies_by_it() -> None:
    event = program() | {"tiers": [{"level": 1, "rate": "1e-999999999"}]}
    assert _reason(json.dumps(event).encode()) is Reason.SCHEMA_VIOLATION


def test_a_lone_surrogate_in_an_event_id_is_not_carried_into_the_dead_letter() -> None:
    parsed = parse_event(b'{"event_id": "\\udc00", "type": "sale.teleported"}')
    assert isinstance(parsed, Invalid) and parsed.event_id is None
