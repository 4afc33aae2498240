"""Replaying one stored decision into the writer's state: the same fold for every store."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from ledger.core.decision import Applied, Decision, Parked
from ledger.core.evolve import evolve
from ledger.core.state import State
from ledger.core.waiting import Waiter, Waiting


def sale_ids(changes: Iterable[object]) -> Iterator[str]:
    """The sales these stored changes name, to page in before replaying them."""
    for change in changes:
        sale_id = getattr(change, "sale_id", None)
        if sale_id is not None:
            yield sale_id


def replay(state: State, waiting: Waiting, key: str, version: int, decision: Decision,
           waiter_of: Callable[[Waiter | None], Waiter]) -> tuple[Waiter | None, Waiter | None]:
    """Fold a stored decision in; returns (the waiter it ends, the waiter it parks).

    `waiter_of` makes the waiter of a parked event, given the one it parked before (if any).
    """
    if version == 1:
        state.seen_ids.add(key)
    earlier = waiting.by_id.get(key)
    if earlier is not None:
        waiting.unpark(earlier)
    if isinstance(decision, Applied):
        evolve(state, decision.changes, decision.postings)
        return earlier, None
    if not isinstance(decision, Parked):
        return earlier, None
    waiter = waiter_of(earlier)
    waiter.waiting_for, waiter.reason, waiter.detail, waiter.need = decision
    waiter.version = version
    waiting.park(waiter)
    return earlier, waiter
