"""Partners recruiting each other: the join that closes the cycle is refused, even while the others wait."""

from __future__ import annotations

from datetime import datetime

from ledger.core.batch import Fold
from ledger.core.keys import partner_key
from ledger.core.state import State
from ledger.core.waiting import Waiter, Waiting
from ledger.rules.periods import DAY_US, micros
from schemas import Reason
from tests.builders import at, inbound, joined, program, sale
from tests.unit.conftest import Apply, Balance


def test_two_partners_recruiting_each_other_the_second_join_is_refused_as_a_cycle(apply: Apply) -> None:
    result = apply(program(), joined("ann", "bob", event_id="j-ann"), joined("bob", "ann", event_id="j-bob"))
    assert [(d.reason, d.event_id) for d in result.dead_letters] == [(Reason.RECRUITMENT_CYCLE, "j-bob")]
    assert result.parked == 1  # ann still waits for bob, who may yet join without a recruiter


def test_the_join_closing_the_cycle_is_refused_when_it_arrives_in_a_later_batch(apply: Apply) -> None:
    apply(program(), joined("ann", "bob", event_id="j-ann"))
    result = apply(joined("bob", "ann", event_id="j-bob"))
    assert [(d.reason, d.event_id) for d in result.dead_letters] == [(Reason.RECRUITMENT_CYCLE, "j-bob")]


def test_a_longer_cycle_among_waiting_joins_is_refused_at_its_last_join(apply: Apply) -> None:
    result = apply(program(), joined("ann", "bob"), joined("bob", "cid"), joined("cid", "ann", event_id="j-cid"))
    assert [(d.reason, d.event_id) for d in result.dead_letters] == [(Reason.RECRUITMENT_CYCLE, "j-cid")]


def test_the_waiting_side_of_a_refused_cycle_joins_once_its_recruiter_joins_without_one(
        apply: Apply, balance: Balance) -> None:
    apply(program(), joined("ann", "bob"), joined("bob", "ann"))
    apply(joined("bob", event_id="j-bob-again"), sale("S-1", "ann", 10_000))
    assert (balance("ann"), balance("bob")) == (2_000, 500)


def test_a_join_waiting_for_a_recruiter_outside_any_cycle_keeps_waiting(apply: Apply) -> None:
    result = apply(program(), joined("ann", "bob"), joined("cid", "ann"))
    assert result.parked == 2 and not result.dead_letters


def test_mutual_joins_both_parked_by_an_older_ledger_expire_as_a_cycle_first() -> None:
    waiting = Waiting()
    for partner, recruiter, day in (("ann", "bob", 2), ("bob", "ann", 3)):
        event = inbound(joined(partner, recruiter, day=day, event_id=f"j-{partner}")).event
        waiter = Waiter(event, b"", None, b"", micros(event.occurred_at), 0)
        waiter.waiting_for, waiter.reason, waiter.version = partner_key(recruiter), Reason.UNKNOWN_PARTNER, 1
        waiting.park(waiter)
    fold = Fold(State(), waiting, {}, now_wall_us=0)
    fold.expire(clock_us=micros(datetime.fromisoformat(at(30))), grace_us=7 * DAY_US, min_wait_us=0)
    assert [(d.reason, d.event_id) for d in fold.dead_letters] == [(Reason.RECRUITMENT_CYCLE, "j-ann"),
                                                                   (Reason.UNKNOWN_PARTNER, "j-bob")]
