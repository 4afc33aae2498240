"""Where a replay cuts the log: positions, recorded time (as known at) and event time (as of)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ledger.store.codec import Record
from projections.cut import (
    Cut,
    ReplayCutError,
    as_of,
    check_schema,
    event_time,
    last_known,
    parse_time,
)

DAY = 86_400_000_000
MARCH_1 = parse_time("2026-03-01")


def _posting(cause: str, at_us: int, amount: int = 100) -> tuple[str, str, int, str, str, str, int, int]:
    return ("expense:commission", "partner:rex:pending", amount, "USD", cause, "S-1", 1, at_us)


def _record(at_us: int, recorded_us: int = 0, postings: list[tuple[str, str, int, str, str, str, int, int]] | None
            = None, kind: str = "sale.completed") -> Record:
    return Record("k", 1, kind, "applied", at_us, recorded_us, postings=postings or [])


def _log(recorded: dict[int, int]) -> Callable[[int], tuple[int, int] | None]:
    """`first_from` over a log whose positions (with gaps) were recorded at these times."""
    def first_from(position: int) -> tuple[int, int] | None:
        later = sorted(p for p in recorded if p >= position)
        return (later[0], recorded[later[0]]) if later else None
    return first_from


def test_known_at_cuts_after_the_last_position_recorded_by_then() -> None:
    log = _log({1: 10, 2: 10, 3: 20, 5: 30, 6: 30, 9: 40})
    assert last_known(30, 9, log) == 6


def test_known_at_before_the_first_record_reads_nothing() -> None:
    assert last_known(5, 9, _log({1: 10, 2: 10, 9: 40})) == 0


def test_known_at_after_the_last_record_reads_to_the_head() -> None:
    assert last_known(99, 9, _log({1: 10, 4: 20, 9: 40})) == 9


def test_known_at_finds_every_cut_of_a_long_log_with_gaps() -> None:
    recorded = {p: p // 7 for p in range(1, 2000) if p % 5}
    for known in range(0, 290, 13):
        expected = max((p for p, at in recorded.items() if at <= known), default=0)
        assert last_known(known, 1999, _log(recorded)) == expected


def test_as_of_leaves_out_an_event_dated_after_then() -> None:
    assert as_of(_record(MARCH_1 + 5 * DAY), MARCH_1 + 4 * DAY) is None


def test_as_of_keeps_a_back_dated_event_recorded_long_after_then() -> None:
    late = _record(MARCH_1 + DAY, recorded_us=MARCH_1 + 90 * DAY, postings=[_posting("commission", MARCH_1 + DAY)])
    assert as_of(late, MARCH_1 + 4 * DAY) == late


def test_as_of_drops_the_postings_dated_after_then_but_keeps_the_entry() -> None:
    record = _record(MARCH_1, postings=[_posting("commission", MARCH_1), _posting("bonus", MARCH_1 + 9 * DAY)])
    kept = as_of(record, MARCH_1 + DAY)
    assert kept is not None and kept.postings == [_posting("commission", MARCH_1)]


def test_a_maturation_counts_from_the_day_its_hold_ended_not_the_day_the_timer_ran() -> None:
    matured = _record(MARCH_1 + 60 * DAY, postings=[_posting("maturation", MARCH_1 + 30 * DAY)],
                      kind="commission.matured")
    assert event_time(matured) == MARCH_1 + 30 * DAY
    assert as_of(matured, MARCH_1 + 31 * DAY) == matured


def test_a_maturation_due_after_then_leaves_the_line_pending() -> None:
    matured = _record(MARCH_1 + 60 * DAY, postings=[_posting("maturation", MARCH_1 + 30 * DAY)],
                      kind="commission.matured")
    assert as_of(matured, MARCH_1 + 29 * DAY) is None


def test_the_default_schema_is_named_after_the_cut() -> None:
    assert Cut(position=123).schema_name() == "replay_position_123"
    assert Cut(as_of_us=MARCH_1).schema_name() == "replay_asof_20260301t000000"
    assert Cut(known_at_us=MARCH_1 + 1).schema_name() == "replay_knownat_20260301t000000000001"
    assert Cut(position=7, as_of_us=MARCH_1).schema_name() == "replay_asof_20260301t000000_position_7"


@pytest.mark.parametrize("name", ["projections", "ledger", "access", "public", "pg_temp", "replay_build_x"])
def test_a_replay_refuses_the_ledgers_own_schemas(name: str) -> None:
    with pytest.raises(ReplayCutError, match="belongs to the ledger"):
        check_schema(name)


@pytest.mark.parametrize("name", ["Replay", "replay-1", "1replay", "x" * 64, "a;drop"])
def test_a_replay_refuses_a_schema_name_that_is_not_a_plain_identifier(name: str) -> None:
    with pytest.raises(ReplayCutError, match="plain lower-case name"):
        check_schema(name)


def test_a_cut_takes_a_position_or_a_known_at_time_not_both() -> None:
    with pytest.raises(ReplayCutError, match="not both"):
        Cut(position=3, known_at_us=MARCH_1)


def test_a_cut_needs_somewhere_to_cut() -> None:
    with pytest.raises(ReplayCutError, match="say where"):
        Cut()


def test_a_time_without_an_offset_is_utc_and_a_date_is_its_midnight() -> None:
    assert parse_time("2026-03-01T00:00:00+01:00") == MARCH_1 - 3_600_000_000
    assert parse_time("2026-03-01T12:00:00Z") == MARCH_1 + DAY // 2
    assert parse_time("2026-03-01T00:00:00") == MARCH_1


def test_a_time_that_is_not_iso_8601_says_how_to_write_one() -> None:
    with pytest.raises(ReplayCutError, match="2026-03-01T12:00:00Z"):
        parse_time("March 1st")
