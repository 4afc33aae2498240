"""The partner center's calendar: a milestone period's last day, and a statement's window of whole UTC days."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from projections.portal.periods import DateWindowError, period_end, window


@pytest.mark.parametrize(("period", "last"), [
    ("2026-03", date(2026, 3, 31)), ("2026-02", date(2026, 2, 28)), ("2028-02", date(2028, 2, 29)),
    ("2026-12", date(2026, 12, 31)), ("2026-Q1", date(2026, 3, 31)), ("2026-Q2", date(2026, 6, 30)),
    ("2026-Q4", date(2026, 12, 31))])
def test_a_period_ends_on_its_last_day(period: str, last: date) -> None:
    assert period_end(period) == last


def test_a_lifetime_period_has_no_end() -> None:
    assert period_end("lifetime") is None


def test_a_window_runs_from_the_start_of_its_first_day_to_the_end_of_its_last() -> None:
    assert window("2026-03-01", "2026-03-31")[2] == (datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


def test_a_window_without_dates_is_this_month_so_far() -> None:
    assert window("", "", today=date(2026, 11, 17))[:2] == (date(2026, 11, 1), date(2026, 11, 17))


def test_a_window_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(DateWindowError, match="swap them"):
        window("2026-03-10", "2026-03-01")


def test_a_date_that_is_no_date_is_refused_with_an_example() -> None:
    with pytest.raises(DateWindowError, match="YYYY-MM-DD"):
        window("March", "")
