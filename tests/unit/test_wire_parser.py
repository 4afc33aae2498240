"""The msgspec hot-path parser accepts what the pydantic contract accepts, with the same values and reasons."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from pydantic import BaseModel

import schemas.wire
from schemas.bounds import MAX_AMOUNT, MAX_MESSAGE_BYTES
from schemas.parsing import Invalid, parse_event
from schemas.reasons import Reason
from schemas.wire import canonical_digest, decode, decode_strict
from schemas.wire_types import WireEventBase

USD = {"amount": 1500, "currency": "USD"}
ADA = {"contact_id": "C-1", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
# One event of each type, every optional field given (the README's examples).
EXAMPLES: dict[str, dict[str, Any]] = {
    "program.configured": {
        "event_id": "e1", "type": "program.configured", "occurred_at": "2026-03-01T08:00:00+00:00",
        "program_id": "acme-partners", "name": "Acme two-tier",
        "tiers": [{"level": 1, "rate": "0.20"}, {"level": 2, "rate": "0.05"}],
        "products": ["pro-plan", {"product_id": "enterprise",
                                  "tiers": [{"level": 1, "flat": {"amount": 5000, "currency": "USD"}}]}],
        "hold_days": 30, "min_payout": {"amount": 1000, "currency": "USD"},
        "milestones": [{"id": "first-sale", "metric": "sales_count", "threshold": 1, "period": "month",
                        "bonus": {"amount": 500, "currency": "USD"}, "clawback": True}],
        "referral_info": "first_name_last_initial", "show_declines": True, "show_purchase_history": False,
        "notify_on_commission": True, "recurring": {"max_payments": 12, "max_months": 24}},
    "partner.joined": {
        "event_id": "e2", "type": "partner.joined", "occurred_at": "2026-03-01T09:00:00+00:00", "partner_id": "rex",
        "program_id": "acme-partners", "recruited_by": "susie", "name": "Rex R", "email": "rex@partners.example"},
    "partner.program_changed": {
        "event_id": "e3", "type": "partner.program_changed", "occurred_at": "2026-04-01T00:00:00+00:00",
        "partner_id": "rex", "program_id": "acme-resellers"},
    "sale.completed": {
        "event_id": "e4", "type": "sale.completed", "occurred_at": "2026-03-05T09:00:00+00:00", "sale_id": "S-1001",
        "partner_id": "rex", "product_id": "pro-plan", "amount": {"amount": 10000, "currency": "USD"},
        "customer": ADA, "subscription_id": "SUB-7"},
    "refund.issued": {
        "event_id": "e5", "type": "refund.issued", "occurred_at": "2026-03-10T09:00:00+00:00", "refund_id": "R-1",
        "sale_id": "S-1001", "amount": {"amount": 2500, "currency": "USD"}},
    "charge.declined": {
        "event_id": "e6", "type": "charge.declined", "occurred_at": "2026-03-11T09:00:00+00:00", "decline_id": "D-1",
        "partner_id": "rex", "sale_id": "S-1001", "product_id": "pro-plan",
        "amount": {"amount": 10000, "currency": "USD"}, "customer": ADA, "reason": "card_declined"},
    "payout.sent": {
        "event_id": "e7", "type": "payout.sent", "occurred_at": "2026-03-20T09:00:00+00:00", "payout_id": "P-1",
        "partner_id": "rex", "amount": USD},
}
PROGRAM, JOINED, SALE = EXAMPLES["program.configured"], EXAMPLES["partner.joined"], EXAMPLES["sale.completed"]


def plain(event: object) -> Any:
    """An accepted event of either parser as plain data: rates as plain decimals, times in ISO form."""
    if isinstance(event, BaseModel):
        return plain(event.model_dump())
    if isinstance(event, msgspec.Struct):
        fields = {name: plain(getattr(event, name)) for name in event.__struct_fields__}
        return fields | ({"type": event.type} if isinstance(event, WireEventBase) else {})
    if isinstance(event, dict):
        return {key: plain(value) for key, value in event.items()}
    if isinstance(event, list):
        return [plain(item) for item in event]
    if isinstance(event, Decimal):
        return format(event, "f")
    return event.isoformat() if isinstance(event, datetime) else event


def raw_of(event: dict[str, Any], **dumps: Any) -> bytes:
    return json.dumps(event, **dumps).encode()


def refusal(raw: bytes) -> Invalid:
    """decode's refusal, checked to be exactly the contract's."""
    decoded, contract = decode(raw), parse_event(raw)
    assert isinstance(decoded, Invalid), decoded
    assert decoded == contract
    return decoded


def acceptance(raw: bytes) -> Any:
    """decode's event, checked to hold the contract's values."""
    decoded, contract = decode(raw), parse_event(raw)
    assert not isinstance(contract, Invalid), contract
    assert not isinstance(decoded, Invalid), decoded
    assert plain(decoded) == plain(contract)
    return decoded


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_event_type_decodes_to_the_same_values_as_the_pydantic_model(kind: str) -> None:
    assert decode_strict(raw_of(EXAMPLES[kind])) is not None  # on the fast path
    acceptance(raw_of(EXAMPLES[kind]))


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_an_event_names_its_type_for_dispatch_without_isinstance(kind: str) -> None:
    event = acceptance(raw_of(EXAMPLES[kind]))
    assert event.type == kind and event.event_id == EXAMPLES[kind]["event_id"]


def test_an_event_time_written_with_an_offset_is_normalised_to_utc() -> None:
    event = acceptance(raw_of(SALE | {"occurred_at": "2026-03-01T02:00:00+05:00"}))
    assert event.occurred_at == datetime(2026, 2, 28, 21, 0, tzinfo=UTC) and event.occurred_at.tzinfo is UTC


def test_tiers_given_out_of_order_are_sorted_by_level_also_inside_a_product_rule() -> None:
    tiers = [{"level": 2, "rate": "0.05"}, {"level": 1, "rate": "0.20"}]
    event = acceptance(raw_of(PROGRAM | {"tiers": tiers, "products": [{"product_id": "p", "tiers": tiers}]}))
    assert [t.level for t in event.tiers] == [1, 2] == [t.level for t in event.products[0].tiers]


@pytest.mark.parametrize("amount", [10.5, 1.0, 1e3, True, "100"])
def test_an_amount_that_is_not_an_integer_is_refused_as_invalid_money(amount: object) -> None:
    raw = raw_of(SALE | {"amount": {"amount": amount, "currency": "USD"}})
    assert refusal(raw).reason is Reason.INVALID_MONEY


@pytest.mark.parametrize("amount", [-1, MAX_AMOUNT + 1, 2**63 - 1, 2**70])
def test_an_amount_past_the_money_bound_is_refused_as_invalid_money(amount: int) -> None:
    assert refusal(raw_of(SALE | {"amount": {"amount": amount, "currency": "USD"}})).reason is Reason.INVALID_MONEY


def test_the_largest_amount_allowed_is_accepted() -> None:
    acceptance(raw_of(SALE | {"amount": {"amount": MAX_AMOUNT, "currency": "USD"}}))


@pytest.mark.parametrize("currency", ["XXX", "XTS", "XAU", "usd", "US", ""])
def test_a_code_that_is_not_an_iso_4217_currency_is_refused_as_invalid_money(currency: str) -> None:
    assert refusal(raw_of(SALE | {"amount": {"amount": 1, "currency": currency}})).reason is Reason.INVALID_MONEY


@pytest.mark.parametrize("when", ["1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
                                  "9999-12-31T23:59:59-01:00", "1969-12-31T23:59:59-01:00",
                                  "2199-12-31T23:30:00-01:00", "2026-03-01T08:00:00", "2026-03-01",
                                  "2026-03-01T08:00:00+24:00", "2026-03-01T08:00:60Z"])
def test_a_time_outside_the_range_or_without_an_offset_is_a_schema_violation(when: str) -> None:
    parsed = refusal(raw_of(SALE | {"occurred_at": when}))
    assert parsed.reason is Reason.SCHEMA_VIOLATION and "occurred_at" in parsed.detail


def test_a_time_with_nanoseconds_is_truncated_to_the_microsecond_as_the_contract_does() -> None:
    event = acceptance(raw_of(SALE | {"occurred_at": "2026-03-01T08:00:00.9999999Z"}))
    assert event.occurred_at == datetime(2026, 3, 1, 8, 0, 0, 999_999, tzinfo=UTC)


@pytest.mark.parametrize("text", ["a\x00b", "a\nb", "a\x1b[31m", "a\x7f", "a\x85b", "abc\n"])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_text_holding_a_control_character_is_a_schema_violation(text: str, ascii_only: bool) -> None:
    raw = raw_of(JOINED | {"name": text}, ensure_ascii=ascii_only)
    assert refusal(raw).reason is Reason.SCHEMA_VIOLATION


@pytest.mark.parametrize("text", ["Zoë", "a\"b\\c/d", "😀", "<&>"])
@pytest.mark.parametrize("ascii_only", [True, False])
def test_text_with_escapes_and_non_ascii_characters_is_accepted(text: str, ascii_only: bool) -> None:
    assert acceptance(raw_of(JOINED | {"name": text}, ensure_ascii=ascii_only)).name == text


@pytest.mark.parametrize("text", ["C:\\new", "\\\\b", "\\u0000"])
def test_an_escaped_backslash_before_a_letter_is_text_and_stays_on_the_fast_path(text: str) -> None:
    raw = raw_of(JOINED | {"name": text})
    assert decode_strict(raw) is not None and acceptance(raw).name == text


def test_a_key_given_twice_counts_with_its_last_value_as_in_the_contract() -> None:
    raw = raw_of(SALE).replace(b'"amount": 10000', b'"amount": -1, "amount": 10000')
    assert acceptance(raw).amount.amount == 10000


@pytest.mark.parametrize("field", [{"partner_id": "p" * 201}, {"name": "n" * 501}, {"email": "e" * 321},
                                   {"partner_id": ""}])
def test_an_id_or_text_past_its_length_bound_is_a_schema_violation(field: dict[str, str]) -> None:
    assert refusal(raw_of(JOINED | field)).reason is Reason.SCHEMA_VIOLATION


def test_an_unknown_field_is_a_schema_violation() -> None:
    assert refusal(raw_of(SALE | {"note": "hi"})).reason is Reason.SCHEMA_VIOLATION


def test_a_missing_required_field_is_a_schema_violation() -> None:
    assert refusal(raw_of({k: v for k, v in SALE.items() if k != "customer"})).reason is Reason.SCHEMA_VIOLATION


@pytest.mark.parametrize("rate", ["1e-5", "0.12345678901", "1.5", "-0.1", ".5", "0.", " 0.2", "0.2\n", 0.2, "NaN"])
def test_a_rate_that_is_not_a_plain_decimal_from_zero_to_one_is_a_schema_violation(rate: object) -> None:
    assert refusal(raw_of(PROGRAM | {"tiers": [{"level": 1, "rate": rate}]})).reason is Reason.SCHEMA_VIOLATION


def test_a_rate_in_other_unicode_digits_is_accepted_as_the_contract_accepts_it() -> None:
    assert acceptance(raw_of(PROGRAM | {"tiers": [{"level": 1, "rate": "٠.٥"}]})).tiers[0].rate == "0.5"


@pytest.mark.parametrize("levels", [[1, 3], [1, 1], [2], [0, 1]])
def test_tier_levels_with_a_gap_or_a_repeat_are_a_schema_violation(levels: list[int]) -> None:
    tiers = [{"level": level, "rate": "0.1"} for level in levels]
    assert refusal(raw_of(PROGRAM | {"tiers": tiers})).reason is Reason.SCHEMA_VIOLATION


@pytest.mark.parametrize("tier", [{"level": 1}, {"level": 1, "rate": "0.1", "flat": USD}])
def test_a_tier_needs_exactly_one_of_rate_or_flat(tier: dict[str, Any]) -> None:
    assert refusal(raw_of(PROGRAM | {"tiers": [tier]})).reason is Reason.SCHEMA_VIOLATION


def test_repeated_milestone_ids_are_a_schema_violation() -> None:
    raw = raw_of(PROGRAM | {"milestones": PROGRAM["milestones"] * 2})
    assert refusal(raw).reason is Reason.SCHEMA_VIOLATION


@pytest.mark.parametrize("kind", ["refund.issued", "payout.sent"])
def test_a_refund_or_payout_of_zero_is_refused(kind: str) -> None:
    refusal(raw_of(EXAMPLES[kind] | {"amount": {"amount": 0, "currency": "USD"}}))


@pytest.mark.parametrize("field", [
    {"tiers": [{"level": n, "rate": "0.01"} for n in range(1, 7)]}, {"products": ["p"] * 1001},
    {"milestones": [PROGRAM["milestones"][0] | {"id": f"m{n}"} for n in range(51)]},
    {"hold_days": 3651}, {"hold_days": -1}, {"recurring": {"max_months": 1201}}, {"recurring": {"max_payments": 0}},
    {"schema_version": 2}, {"milestones": [PROGRAM["milestones"][0] | {"threshold": 0}]}])
def test_a_list_or_number_past_its_bound_is_refused_with_the_contracts_reason(field: dict[str, Any]) -> None:
    refusal(raw_of(PROGRAM | field))


@pytest.mark.parametrize("field", [{"schema_version": "1"}, {"schema_version": 1.0}, {"show_declines": "yes"},
                                   {"show_declines": 1}, {"tiers": [{"level": "1", "rate": "0.2"}]},
                                   {"occurred_at": 1767225600}, {"occurred_at": "2026-03-01T08:00Z"}])
def test_a_lax_spelling_the_contract_accepts_is_accepted_with_the_value_it_stands_for(field: dict[str, Any]) -> None:
    raw = raw_of(PROGRAM | field)
    assert decode_strict(raw) is None  # msgspec is strict: the contract judges, and its event is converted
    acceptance(raw)


def test_an_oversized_message_is_refused_by_its_size_unread() -> None:
    assert refusal(b" " * (MAX_MESSAGE_BYTES + 1)).reason is Reason.MESSAGE_TOO_LARGE


@pytest.mark.parametrize(("raw", "reason"), [
    (b"{not json", Reason.MALFORMED_JSON), (b"[1, 2]", Reason.MALFORMED_JSON), (b"", Reason.MALFORMED_JSON),
    (b"[" * 2000 + b"]" * 2000, Reason.NESTED_TOO_DEEP),
    (raw_of(SALE | {"type": "sale.teleported"}), Reason.UNKNOWN_TYPE)])
def test_a_message_that_is_no_event_is_refused_with_the_contracts_reason(raw: bytes, reason: Reason) -> None:
    assert refusal(raw).reason is reason


def test_a_refusal_names_the_event_id_as_the_contract_does() -> None:
    assert refusal(raw_of(SALE | {"amount": {"amount": -1, "currency": "USD"}})).event_id == "e4"


def test_a_disagreement_between_the_parsers_is_refused_never_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the wire types refused an event the contract accepts (here: a lax spelling, given an empty id).
    monkeypatch.setattr(schemas.wire, "_plain_rates", lambda data: data | {"event_id": ""})
    parsed = decode(raw_of(PROGRAM | {"show_declines": "yes"}))
    assert isinstance(parsed, Invalid) and parsed.reason is Reason.SCHEMA_VIOLATION
    assert "disagrees with the contract" in parsed.detail and parsed.event_id == "e1"


def _digest(raw: bytes) -> bytes:
    event = decode(raw)
    assert not isinstance(event, Invalid), event
    return canonical_digest(event)


def test_the_digest_is_the_same_whatever_the_key_order_and_spacing() -> None:
    reordered = dict(reversed(list(SALE.items())))
    assert _digest(raw_of(SALE)) == _digest(raw_of(reordered, indent=2, separators=(" ,", " :  ")))


def test_the_digest_is_the_same_whatever_offset_the_time_is_written_with() -> None:
    assert _digest(raw_of(SALE)) == _digest(raw_of(SALE | {"occurred_at": "2026-03-05T04:00:00-05:00"}))


def test_the_digest_is_the_same_with_schema_version_one_given_or_left_out() -> None:
    assert _digest(raw_of(SALE)) == _digest(raw_of(SALE | {"schema_version": 1}))


def test_the_digest_is_the_same_with_a_default_given_or_left_out() -> None:
    bare = {k: v for k, v in JOINED.items() if k not in ("recruited_by", "email")}
    assert _digest(raw_of(bare)) == _digest(raw_of(bare | {"recruited_by": None, "email": ""}))


def test_the_digest_changes_with_the_amount() -> None:
    assert _digest(raw_of(SALE)) != _digest(raw_of(SALE | {"amount": {"amount": 10001, "currency": "USD"}}))
