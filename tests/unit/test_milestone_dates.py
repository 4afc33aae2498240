"""A bonus is dated by the sale that crossed its threshold in event time, whatever order the sales arrive in."""

from __future__ import annotations

from datetime import datetime

from ledger.core.changes import BonusAwarded
from ledger.rules.periods import micros
from ledger.writer import LedgerWriter
from tests.builders import at, joined, program, refund, sale
from tests.core_ledger import CoreLedger
from tests.unit.conftest import Apply

TWO_SALES = {"id": "two", "metric": "sales_count", "threshold": 2, "bonus": {"amount": 1_000, "currency": "USD"}}
SETUP = (program(milestones=[TWO_SALES]), joined("rex"))


def _awarded_on(ledger: CoreLedger) -> list[int]:
    return [change.at_us for entry in ledger.store.log for change in getattr(entry.decision, "changes", [])
            if isinstance(change, BonusAwarded)]


def _day(day: int) -> int:
    return micros(datetime.fromisoformat(at(day)))


def test_a_bonus_is_dated_by_the_sale_that_crossed_the_threshold(ledger: CoreLedger, apply: Apply) -> None:
    apply(*SETUP, sale("S-1", "rex", 10_000, day=5), sale("S-2", "rex", 10_000, day=20))
    assert _awarded_on(ledger) == [_day(20)]


def test_a_bonus_completed_by_an_earlier_sale_arriving_late_is_dated_by_the_later_sale(
        ledger: CoreLedger, apply: Apply) -> None:
    apply(*SETUP, sale("S-2", "rex", 10_000, day=20))
    apply(sale("S-1", "rex", 10_000, day=5))
    assert _awarded_on(ledger) == [_day(20)]


def test_a_later_sale_refunded_in_full_does_not_date_the_bonus(ledger: CoreLedger, apply: Apply) -> None:
    apply(*SETUP, sale("S-2", "rex", 10_000, day=20), refund("S-2", 10_000, day=21), sale("S-3", "rex", 10_000, day=25))
    apply(sale("S-1", "rex", 10_000, day=5))
    assert _awarded_on(ledger) == [_day(25)]


def test_the_bonus_money_is_dated_like_the_award(ledger: CoreLedger, apply: Apply) -> None:
    apply(*SETUP, sale("S-2", "rex", 10_000, day=20), sale("S-1", "rex", 10_000, day=5))
    bonus = [p for entry in ledger.store.log for p in getattr(entry.decision, "postings", []) if p.cause == "bonus"]
    assert [p.at_us for p in bonus] == [_day(20)]


def test_a_writer_restored_from_the_log_keeps_the_award_date(ledger: CoreLedger, apply: Apply) -> None:
    apply(*SETUP, sale("S-2", "rex", 10_000, day=20), sale("S-1", "rex", 10_000, day=5))
    restored = LedgerWriter(ledger.store)
    assert [p.awarded_us for p in restored.state.progress.values()] == [_day(20)]
