"""Which leaderboard period a caller means: `lifetime`, a month (`2026-11`) or a quarter (`2026-Q4`)."""

from __future__ import annotations

import re

from ledger.errors import LedgerError

KINDS = ("lifetime", "month", "quarter")
_FORMS = {"month": re.compile(r"\d{4}-(0[1-9]|1[0-2])"), "quarter": re.compile(r"\d{4}-Q[1-4]")}
EXAMPLES = "lifetime, a month such as 2026-11, or a quarter such as 2026-Q4"


class PeriodError(LedgerError):
    """A leaderboard period that names no period, or whose kind contradicts the one given."""


def period_kind(period: str) -> tuple[str, str]:
    """(kind, period as the leaderboard stores it) of `lifetime`, `2026-11` or `2026-Q4` (`2026-q4` too)."""
    if period.strip().lower() == "lifetime":
        return "lifetime", "lifetime"
    normal = period.strip().upper()
    for kind, form in _FORMS.items():
        if form.fullmatch(normal):
            return kind, normal
    raise PeriodError(f"period {period!r} is not a period: give {EXAMPLES}")


def leaderboard_period(period: str, kind: str | None = None) -> tuple[str, str]:
    """The period's kind inferred from it; a `kind` given as well must agree with it."""
    inferred, normal = period_kind(period)
    if kind is not None and kind != inferred:
        raise PeriodError(f"period {normal!r} is a {inferred} period, not a {kind} one: "
                          f"leave period_kind out (it follows from the period) or give {EXAMPLES}")
    return inferred, normal
