"""The input contract: what is accepted and the reason code of what is not."""

from __future__ import annotations

import json
from typing import Any

from schemas import Invalid, Reason, SaleCompleted, event_schema, parse_event
from tests.builders import program, refund, sale


def _parse(event: dict[str, Any]) -> object:
    return parse_event(json.dumps(event).encode())


def test_a_valid_sale_parses_to_its_model() -> None:
    parsed = _parse(sale("S-1", "rex", 1_000))
    assert isinstance(parsed, SaleCompleted)
    assert parsed.amount.amount == 1_000


def test_malformed_json_is_refused_as_malformed() -> None:
    parsed = parse_event(b"{not json")
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.MALFORMED_JSON


def test_a_json_array_is_refused_as_malformed() -> None:
    parsed = parse_event(b"[1, 2]")
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.MALFORMED_JSON


def test_an_unknown_type_is_refused_with_the_known_types_listed() -> None:
    parsed = _parse(sale("S-1", "rex", 1) | {"type": "sale.teleported"})
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.UNKNOWN_TYPE
    assert "sale.completed" in parsed.detail


def test_a_negative_amount_is_invalid_money() -> None:
    parsed = _parse(sale("S-1", "rex", -5))
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.INVALID_MONEY


def test_a_float_amount_is_invalid_money() -> None:
    event = sale("S-1", "rex", 1) | {"amount": {"amount": 10.5, "currency": "USD"}}
    parsed = _parse(event)
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.INVALID_MONEY


def test_a_rate_given_as_a_float_is_refused() -> None:
    event = program() | {"tiers": [{"level": 1, "rate": 0.2}]}
    parsed = _parse(event)
    assert isinstance(parsed, Invalid) and "decimal string" in parsed.detail


def test_tier_levels_must_start_at_one_without_gaps() -> None:
    event = program() | {"tiers": [{"level": 1, "rate": "0.1"}, {"level": 3, "rate": "0.1"}]}
    assert isinstance(_parse(event), Invalid)


def test_an_event_time_without_offset_is_refused() -> None:
    parsed = _parse(sale("S-1", "rex", 1) | {"occurred_at": "2026-03-01T10:00:00"})
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.SCHEMA_VIOLATION


def test_a_zero_refund_is_refused() -> None:
    assert isinstance(_parse(refund("S-1", 0)), Invalid)


def test_unknown_fields_are_refused_so_typos_surface() -> None:
    parsed = _parse(sale("S-1", "rex", 1) | {"amout": 3})
    assert isinstance(parsed, Invalid) and "amout" in parsed.detail


def test_json_schema_covers_all_seven_event_types() -> None:
    schema = json.dumps(event_schema())
    for kind in ("program.configured", "partner.joined", "partner.program_changed", "sale.completed",
                 "refund.issued", "charge.declined", "payout.sent"):
        assert kind in schema


def test_text_holding_u0000_is_refused_with_where_it_is() -> None:
    event = sale("S-1", "rex", 1_000, event_id="s-1")
    event["customer"]["first_name"] = "A\x00da"
    parsed = _parse(event)
    assert isinstance(parsed, Invalid)
    assert (parsed.reason, parsed.event_id, parsed.detail) == (
        Reason.SCHEMA_VIOLATION, "s-1",
        "customer.first_name: may not contain control characters (U+0000-U+001F, U+007F-U+009F)")


def test_an_event_id_holding_u0000_is_not_carried_into_the_dead_letter() -> None:
    parsed = _parse(sale("S-1", "rex", 1_000, event_id="s\x00-1"))
    assert isinstance(parsed, Invalid) and parsed.event_id is None and "\x00" not in parsed.detail


def test_an_unknown_field_named_with_u0000_is_described_without_it() -> None:
    parsed = _parse(sale("S-1", "rex", 1_000) | {"n\x00te": "x"})
    assert isinstance(parsed, Invalid) and "\x00" not in parsed.detail


def test_an_escaped_backslash_before_u0000_is_plain_text() -> None:
    assert isinstance(_parse(sale("S-1", "rex", 1_000, event_id="s\\u0000")), SaleCompleted)
