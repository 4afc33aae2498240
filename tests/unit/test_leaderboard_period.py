"""A leaderboard period names its own kind: `lifetime`, a month (`2026-11`) or a quarter (`2026-Q4`)."""

from __future__ import annotations

import pytest

from projections.leaderboard_period import PeriodError, leaderboard_period


@pytest.mark.parametrize(("period", "expected"), [("lifetime", ("lifetime", "lifetime")),
                                                  ("2026-11", ("month", "2026-11")),
                                                  ("2026-Q4", ("quarter", "2026-Q4")),
                                                  ("2026-q4", ("quarter", "2026-Q4"))])
def test_the_kind_follows_from_the_period(period: str, expected: tuple[str, str]) -> None:
    assert leaderboard_period(period) == expected


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "2026-Q0", "2026-Q5", "November", "2026", "", "2026-11-01"])
def test_a_period_that_names_no_period_is_refused(period: str) -> None:
    with pytest.raises(PeriodError, match="2026-Q4"):
        leaderboard_period(period)


def test_a_kind_that_contradicts_the_period_is_refused() -> None:
    with pytest.raises(PeriodError, match="is a month period, not a quarter one"):
        leaderboard_period("2026-11", "quarter")


def test_a_kind_that_agrees_with_the_period_is_taken() -> None:
    assert leaderboard_period("2026-Q4", "quarter") == ("quarter", "2026-Q4")
