"""The event-time clock behind the parking grace period, while input partitions catch up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ledger.application import LedgerApp
from ledger.core.clock import Mark, merged
from ledger.core.clock import event_clock as core_clock
from ledger.watermark import PartitionMark, event_clock
from schemas import Reason
from tests.builders import joined, program, read_from, refund, sale
from tests.core_ledger import CoreLedger

DAY_1, DAY_5, DAY_30 = (datetime(2026, 3, d, tzinfo=UTC) for d in (1, 5, 30))


def test_clock_is_the_latest_event_time_when_no_partition_has_a_backlog() -> None:
    marks = {("", "sales", 0): PartitionMark(9, DAY_1, 0), ("", "refunds", 0): PartitionMark(3, DAY_5, 0)}
    assert event_clock(DAY_30, marks, {}) == DAY_30


def test_clock_waits_for_the_earliest_partition_still_catching_up() -> None:
    marks = {("", "sales", 0): PartitionMark(9, DAY_1, 500), ("", "refunds", 0): PartitionMark(3, DAY_5, 20)}
    assert event_clock(DAY_30, marks, {}) == DAY_1


def test_a_partition_that_caught_up_in_this_batch_no_longer_holds_the_clock_back() -> None:
    stored = {("", "sales", 0): PartitionMark(9, DAY_1, 500)}
    assert event_clock(DAY_30, stored, {("", "sales", 0): PartitionMark(509, DAY_5, 0)}) == DAY_30


def test_a_partition_whose_backlog_is_unknown_does_not_hold_the_clock_back() -> None:
    assert event_clock(DAY_30, {("", "sales", 0): PartitionMark(9, DAY_1, None)}, {}) == DAY_30


def test_an_older_offset_does_not_overwrite_a_later_backlog() -> None:
    merged = PartitionMark(509, DAY_5, 0).then(PartitionMark(9, DAY_1, 500))
    assert merged == PartitionMark(509, DAY_5, 0)


def test_the_core_clock_waits_for_the_earliest_partition_still_catching_up() -> None:
    marks = {("", "sales", 0): Mark(9, 1, 500), ("", "refunds", 0): Mark(3, 5, 20)}
    assert core_clock(30, marks) == 1


def test_the_core_clock_is_the_latest_event_time_once_no_partition_has_a_backlog() -> None:
    stored = {("", "sales", 0): Mark(9, 1, 500)}
    assert core_clock(30, merged(stored, {("", "sales", 0): Mark(509, 5, 0)})) == 30


def test_in_the_core_an_older_offset_does_not_overwrite_a_later_backlog() -> None:
    assert Mark(509, 5, 0).then(Mark(9, 1, 500)) == Mark(509, 5, 0)


KINDS = pytest.mark.parametrize("kind", ["app", "core"])


def _ledger(kind: str) -> LedgerApp | CoreLedger:
    if kind == "core":
        return CoreLedger()
    return LedgerApp(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "LEDGER_PARKING_MIN_WAIT_S": "0"})


def _refund_read_ahead_of_its_sale(ledger: LedgerApp | CoreLedger) -> None:
    """Refunds read to day 30 while the sales partition, with a backlog, is still at day 1."""
    ledger.apply_batch([read_from("programs", 0, program()), read_from("partners", 0, joined("rex")),
                        read_from("sales", 0, sale("S-0", "rex", 100, day=1), backlog=40),
                        read_from("refunds", 0, refund("S-1", 2_500, day=3), backlog=1)])
    ledger.apply_batch([read_from("refunds", 1, refund("S-0", 100, day=30), backlog=0)])


@KINDS
def test_refund_read_ahead_of_a_lagging_sales_partition_is_not_refused(kind: str) -> None:
    ledger = _ledger(kind)
    _refund_read_ahead_of_its_sale(ledger)
    result = ledger.apply_batch([read_from("sales", 1, sale("S-1", "rex", 10_000, day=2), backlog=39)])
    assert result.applied == 2 and not result.dead_letters


@KINDS
def test_parked_refund_is_refused_once_every_partition_has_read_past_its_grace_period(kind: str) -> None:
    ledger = _ledger(kind)
    _refund_read_ahead_of_its_sale(ledger)
    result = ledger.apply_batch([read_from("sales", 41, sale("S-9", "rex", 100, day=29), backlog=0)])
    assert [d.reason for d in result.dead_letters] == [Reason.UNKNOWN_SALE]
