"""The msgspec parser against the pydantic contract: same acceptance, same values, same reasons, never a raise."""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from schemas.bounds import MAX_AMOUNT
from schemas.parsing import Invalid, event_schema, parse_event
from schemas.wire import decode, decode_strict
from tests.unit.test_wire_parser import EXAMPLES, plain

SCHEMA = event_schema()
_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
# What sends a valid event past the fast path by design: seven decimals in a row anywhere (a time's
# would be rounded by msgspec), or an escaped digit or dot (which could hide them).
_LEFT_TO_THE_CONTRACT = re.compile(rb"\.[0-9]{7}|(?<!\\)(?:\\\\)*\\u00(?:3[0-9]|2[eE])")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def agree(raw: bytes) -> None:
    """decode answers as parse_event does: its very Invalid, or an event holding the same values."""
    decoded, contract = decode(raw), parse_event(raw)
    note(f"decode: {decoded!r}\ncontract: {contract!r}")
    if isinstance(contract, Invalid):
        assert decoded == contract
    else:
        assert not isinstance(decoded, Invalid), "the parsers disagree: the contract accepts this event"
        assert plain(decoded) == plain(contract)


# --- (a) events generated from the published JSON Schema ------------------------------------------
# hypothesis-jsonschema 0.23 draws objects with a Hypothesis internal (`many.more`) that Hypothesis
# 6.170 no longer has, so objects, arrays and unions are composed here; every leaf (strings with their
# patterns and lengths, integers with their bounds, enums, consts) is drawn by `from_schema`.

_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {}


@st.composite
def times(draw: st.DrawFn, in_range: bool = False) -> str:
    """RFC 3339 times in the spellings both parsers read, around and past the 1970-2200 range."""
    # In range: a day inside it, so that no offset takes the instant out; and the edges either way.
    low, high = (datetime(1970, 1, 2), datetime(2199, 12, 30)) if in_range else (datetime.min, datetime.max)
    edges = st.sampled_from([datetime(1969, 12, 31, 23, 59, 59), datetime(2199, 12, 31, 23, 59, 59)])
    wall = draw(st.datetimes(min_value=low, max_value=high) | edges)
    separator = draw(st.sampled_from(["T", "t", " "]))
    fraction = draw(st.sampled_from(["", ".5", ".123", ".123456"]) | st.from_regex(r"\.[0-9]{1,12}", fullmatch=True))
    hours, minutes = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    sign = draw(st.sampled_from("+-"))
    offset = draw(st.sampled_from(["Z", "z", "+00:00", "-00:00", f"{sign}{hours:02d}:{minutes:02d}",
                                   f"{sign}{hours:02d}{minutes:02d}"]))
    return f"{wall:%Y-%m-%d}{separator}{wall:%H:%M:%S}{fraction}{offset}"


def _of(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """The strategy of one schema node; built once per node, since from_schema canonicalises at each call."""
    key = json.dumps(node, sort_keys=True)
    if key not in _STRATEGIES:
        _STRATEGIES[key] = _build(node)
    return _STRATEGIES[key]


def _build(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "$ref" in node:
        return st.deferred(lambda: _of(SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]))
    if node.get("format") == "date-time":
        return times()
    if '"$ref"' not in json.dumps(node) and '"object"' not in json.dumps(node):
        return from_schema(node)
    if "oneOf" in node or "anyOf" in node:
        return st.one_of([_of(branch) for branch in node.get("oneOf", node.get("anyOf"))])
    if node["type"] == "array":
        return st.lists(_of(node["items"]), min_size=node.get("minItems", 0), max_size=min(node.get("maxItems", 4), 6))
    properties, required = node["properties"], set(node.get("required", ()))
    return st.fixed_dictionaries({k: _of(v) for k, v in properties.items() if k in required},
                                 optional={k: _of(v) for k, v in properties.items() if k not in required})


@st.composite
def plain_rates(draw: st.DrawFn) -> str:
    """A rate the contract accepts: 0 to 1 with up to ten decimals."""
    places = draw(st.integers(0, 10))
    return format(Decimal(draw(st.integers(0, 10**places))).scaleb(-places), "f")


def _repaired_tiers(tiers: list[dict[str, Any]], draw: st.DrawFn) -> list[dict[str, Any]]:
    """The rules the schema cannot say: levels 1..n (in any order), exactly one of rate and flat."""
    fixed = [{"level": n} | ({"flat": t["flat"]} if t.get("flat") else {"rate": draw(plain_rates())})
             for n, t in enumerate(tiers, start=1)]
    return draw(st.permutations(fixed))


@st.composite
def schema_events(draw: st.DrawFn) -> dict[str, Any]:
    """An instance of the published schema, half of them repaired to pass the rules it cannot express."""
    event = draw(_of(SCHEMA))
    assert _VALIDATOR.is_valid(event)  # the composition draws the schema's instances, nothing else
    if not draw(st.booleans()):
        return event
    event["occurred_at"] = draw(times(in_range=True))
    if "tiers" in event:
        event["tiers"] = _repaired_tiers(event["tiers"], draw)
        for rule in event.get("products") or []:
            if isinstance(rule, dict) and rule.get("tiers") is not None:
                rule["tiers"] = _repaired_tiers(rule["tiers"], draw)
        event["milestones"] = [m | {"id": f"m{n}"} for n, m in enumerate(event.get("milestones", []))]
    if event["type"] in ("refund.issued", "payout.sent"):
        event["amount"]["amount"] = max(event["amount"]["amount"], 1)
    return event


@PROPERTY
@given(schema_events(), st.booleans())
def test_events_from_the_published_schema_are_accepted_as_the_contract_accepts_them(
        event: dict[str, Any], ascii_only: bool) -> None:
    raw = json.dumps(event, ensure_ascii=ascii_only).encode()
    agree(raw)
    if not isinstance(parse_event(raw), Invalid) and not _LEFT_TO_THE_CONTRACT.search(raw):
        assert decode_strict(raw) is not None, "a strictly spelled valid event left the fast path"


# --- (b) mutations of valid events ---------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80) | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
nasty_numbers = st.sampled_from([0, -1, 1, 2, 5, 6, 1.0, 10.5, 1e3, -0.0, True, False, MAX_AMOUNT, MAX_AMOUNT + 1,
                                 2**63, 2**70, 3650, 3651, 1200, 1201, 10**6, 10**6 + 1, 1767225600])
nasty_strings = st.sampled_from([
    "", "x" * 200, "x" * 201, "x" * 320, "x" * 321, "x" * 500, "x" * 501, "XXX", "XAU", "usd", "USD", "EUR",
    "1e-5", "0.12345678901", "0.2", "1", "1.0000000000", "1.5", "٠.٥", ".5", "a\x00b", "a\nb", "\x1b[2J", "a\x7f",
    "\x85", "abc\n", "\ufeff", "C:\\new", "\\u0000", "\\\x1b", "yes", "on", "true", "2026-03-01T08:00:00",
    "2200-01-01T00:00:00Z", "1969-12-31T23:59:59-01:00", "2026-03-01T08:00Z", "2026-03-01T08:00:00,5Z", "1767225600", "revenue", "month"])
nasty_values = nasty_numbers | nasty_strings | times() | json_values | st.text(max_size=12)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) inside a JSON value."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in pairs:
            found.append((item, key))
            stack.append(child)
    return found


@st.composite
def mutated_events(draw: st.DrawFn) -> bytes:
    """A valid event with one value replaced or dropped, a field added, tiers reshuffled, or a key repeated."""
    event = copy.deepcopy(draw(st.sampled_from(list(EXAMPLES.values()))))
    how = draw(st.sampled_from(["replace", "replace", "replace", "drop", "add", "relevel", "repeat"]))
    container, key = draw(st.sampled_from(_slots(event)))
    if how == "replace":
        container[key] = draw(nasty_values)
    elif how == "drop" and isinstance(container, dict):
        del container[key]
    elif how == "add":
        target = container if isinstance(container, dict) else event
        target.setdefault(draw(st.text(max_size=12)), draw(nasty_values))
    elif how == "relevel" and "tiers" in event:
        event["tiers"] = [t | {"level": draw(st.integers(0, 6))} for t in draw(st.permutations(event["tiers"]))]
    raw = json.dumps(event, ensure_ascii=draw(st.booleans())).encode()
    if how == "repeat":  # a key given twice, first with a nasty value: both parsers keep the last
        repeated, value = draw(st.sampled_from(sorted(event))), draw(nasty_values)
        raw = b'{"%s": %s, ' % (repeated.encode(), json.dumps(value).encode()) + raw[1:]
    return raw


@PROPERTY
@given(mutated_events())
def test_mutated_events_are_refused_with_the_contracts_reason_or_accepted_with_its_values(raw: bytes) -> None:
    agree(raw)


# --- (c) any bytes -------------------------------------------------------------------------------
@PROPERTY
@given(st.binary(max_size=300) | mutated_events().map(lambda raw: raw[: len(raw) // 2]))
def test_any_bytes_decode_to_the_contracts_answer_without_raising(raw: bytes) -> None:
    agree(raw)
