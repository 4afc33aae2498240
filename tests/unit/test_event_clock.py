"""The event-time clock behind the parking grace period, while input partitions catch up."""

from __future__ import annotations

from datetime import UTC, datetime

from ledger.core.clock import Mark, event_clock, merged
from schemas import Reason
from tests.builders import joined, program, read_from, refund, sale
from tests.core_ledger import CoreLedger

DAY_1, DAY_5, DAY_30 = (datetime(2026, 3, d, tzinfo=UTC) for d in (1, 5, 30))


def test_clock_waits_for_the_earliest_partition_still_catching_up() -> None:
    marks = {("", "sales", 0): Mark(9, 1, 500), ("", "refunds", 0): Mark(3, 5, 20)}
    assert event_clock(30, marks) == 1


def test_clock_is_the_latest_event_time_once_no_partition_has_a_backlog() -> None:
    stored = {("", "sales", 0): Mark(9, 1, 500)}
    assert event_clock(30, merged(stored, {("", "sales", 0): Mark(509, 5, 0)})) == 30


def test_an_older_offset_does_not_overwrite_a_later_backlog() -> None:
    assert Mark(509, 5, 0).then(Mark(9, 1, 500)) == Mark(509, 5, 0)


def _refund_read_ahead_of_its_sale(ledger: CoreLedger) -> None:
    """Refunds read to day 30 while the sales partition, with a backlog, is still at day 1."""
    ledger.apply_batch([read_from("programs", 0, program()), read_from("partners", 0, joined("rex")),
                        read_from("sales", 0, sale("S-0", "rex", 100, day=1), backlog=40),
                        read_from("refunds", 0, refund("S-1", 2_500, day=3), backlog=1)])
    ledger.apply_batch([read_from("refunds", 1, refund("S-0", 100, day=30), backlog=0)])


def test_refund_read_ahead_of_a_lagging_sales_partition_is_not_refused() -> None:
    ledger = CoreLedger()
    _refund_read_ahead_of_its_sale(ledger)
    result = ledger.apply_batch([read_from("sales", 1, sale("S-1", "rex", 10_000, day=2), backlog=39)])
    assert result.applied == 2 and not result.dead_letters


def test_parked_refund_is_refused_once_every_partition_has_read_past_its_grace_period() -> None:
    ledger = CoreLedger()
    _refund_read_ahead_of_its_sale(ledger)
    result = ledger.apply_batch([read_from("sales", 41, sale("S-9", "rex", 100, day=29), backlog=0)])
    assert [d.reason for d in result.dead_letters] == [Reason.UNKNOWN_SALE]
