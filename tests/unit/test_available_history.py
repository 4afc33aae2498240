"""The dated moves behind a partner's available balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ledger.rules.payouts import AS_OF_WINDOW_US, AvailableHistory
from ledger.rules.periods import instant, micros

DAY0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: int) -> int:
    return micros(DAY0 + timedelta(days=n))


def moves(history: AvailableHistory) -> list[tuple[int, int]]:
    return list(zip(history.at, history.amounts, strict=True))


def test_only_moves_dated_after_the_moment_are_left_out() -> None:
    history = AvailableHistory()
    for n, amount in ((1, 100), (5, -30), (9, 7)):
        history.record(day(n), amount)
    assert history.dated_after(day(5)) == 7


def test_moves_arriving_out_of_date_order_are_kept_in_date_order() -> None:
    history = AvailableHistory()
    history.record(day(9), 7)
    history.record(day(1), 100)
    assert history.dated_after(day(2)) == 7


def test_a_fold_counts_earlier_moves_as_before_any_later_moment() -> None:
    history = AvailableHistory()
    history.record(day(1), 100)
    history.record(day(5), -30)
    history.fold(day(6))
    assert (history.dated_after(day(0)), moves(history)) == (0, [])


def test_a_fold_inside_a_day_leaves_out_only_that_days_later_moves() -> None:
    history = AvailableHistory()
    history.record(day(3) + 3_600_000_000, 100)
    history.record(day(3) + 7_200_000_000, 7)
    history.fold(day(3) + 5_400_000_000)
    assert (history.dated_after(day(1)), history.dated_after(day(3) + 6_000_000_000)) == (7, 7)


def test_a_move_dated_before_the_fold_is_not_kept() -> None:
    history = AvailableHistory()
    history.fold(day(6))
    history.record(day(3), 100)
    assert moves(history) == []


def test_moves_older_than_the_window_behind_the_newest_are_folded() -> None:
    history = AvailableHistory()
    history.record(day(1), 100)
    history.record(day(2) + AS_OF_WINDOW_US, 5)
    assert moves(history) == [(day(2) + AS_OF_WINDOW_US, 5)]


def test_moves_at_one_instant_are_kept_as_their_sum() -> None:
    history = AvailableHistory()
    history.record(day(3), 100)
    history.record(micros(instant(day(3)).astimezone(timezone(timedelta(hours=-5)))), -40)
    assert moves(history) == [(day(3), 60)]


def test_moments_in_other_offsets_compare_by_instant() -> None:
    history = AvailableHistory()
    history.record(day(3), 100)
    just_before = (instant(day(3)) - timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=9)))
    assert history.dated_after(micros(just_before)) == 100
