"""The writer's state is the fold of its log: replaying what was written gives the state it decided with."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.core.entities import Sale
from ledger.core.state import State
from ledger.core.waiting import Waiting
from ledger.writer import LedgerWriter
from tests.builders import declined, inbound, joined, payout, program, refund, sale
from tests.core_ledger import CoreLedger

MILESTONE = {"id": "two", "metric": "sales_count", "threshold": 2, "period": "month",
             "bonus": {"amount": 700, "currency": "USD"}, "clawback": True}


@st.composite
def streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Programs (one late version), a recruitment chain, sales with refunds, declines and retries, payouts."""
    hold = draw(st.sampled_from([0, 3]))
    events = [program(tiers=("0.20", "0.05"), milestones=[MILESTONE], hold_days=hold, recurring={"max_payments": 2},
                      event_id="p1"),
              program(tiers=("0.10", "0.10"), milestones=[MILESTONE], hold_days=hold, day=draw(st.integers(2, 9)),
                      event_id="p2"),
              joined("a", event_id="ja"), joined("b", "a", event_id="jb"), joined("c", "b", event_id="jc")]
    for n in range(draw(st.integers(1, 12))):
        seller, day, amount = draw(st.sampled_from("abc")), draw(st.integers(1, 12)), draw(st.integers(1, 50)) * 100
        item = sale(f"S{n}", seller, amount, day=day, event_id=f"s{n}")
        if draw(st.booleans()):
            item["subscription_id"] = f"sub-{seller}"
        events.append(item)
        fate = draw(st.sampled_from(["keep", "refund", "decline", "retry"]))
        if fate == "refund":
            events.append(refund(f"S{n}", draw(st.integers(1, amount)), day=day + 1, event_id=f"r{n}"))
        elif fate in ("decline", "retry"):
            events.append(declined(seller, f"S{n}", amount, day=day + 1, event_id=f"d{n}"))
            if fate == "retry":
                events.append(sale(f"S{n}", seller, amount, day=day + 2, event_id=f"t{n}"))
    for n in range(draw(st.integers(0, 3))):
        events.append(payout(draw(st.sampled_from("abc")), draw(st.integers(1, 30)) * 100, day=14, event_id=f"o{n}"))
    return events


def every_sale(state: State) -> dict[str, Sale]:
    """The sales in memory and those paged out (the copy in memory wins)."""
    paged = state.pager.all_sales() if state.pager is not None else []  # type: ignore[attr-defined]
    return {**{s.sale_id: s for s in paged}, **state.sales}


def fingerprint(state: State, waiting: Waiting) -> dict[str, Any]:
    """Everything the writer decides with, as plain values; sales wherever they are kept."""
    return {
        "programs": {k: [t.event_id for t in p.versions] for k, p in state.programs.items()},
        "partners": {k: (p.recruited_by, p.memberships, p.balances, sorted(p.payout_ids or ()),
                         {c: (h.horizon, list(h.at), list(h.amounts)) for c, h in p.history.items()})
                     for k, p in state.partners.items()},
        "sales": {k: (s.program_id, s.terms_version, s.attempt, s.revision, s.refunded, s.declined,
                      sorted(s.refund_ids or ()), [(ln.partner_id, ln.level, ln.amount, ln.bucket, ln.reversed)
                                              for ln in s.lines]) for k, s in every_sale(state).items()},
        "progress": {k: (p.value, p.awarded, p.awards, p.bonus, p.awarded_us) for k, p in state.progress.items()},
        "subscriptions": {k: (s.first_us, s.earning) for k, s in state.subscriptions.items()},
        "declines": sorted(state.declines),
        "maturities": sorted(state.maturities),
        "waiting": sorted((w.event.event_id, w.waiting_for, w.version) for w in waiting.by_id.values()),
    }


@settings(max_examples=80, deadline=None)
@given(streams(), st.randoms(use_true_random=False))
def test_replaying_the_log_rebuilds_the_state_decided_with(events: list[dict[str, Any]], rnd: random.Random) -> None:
    rnd.shuffle(events)
    ledger = CoreLedger(min_wait_s=300)
    size = rnd.randint(1, 6)
    for start in range(0, len(events), size):
        ledger.apply_batch([inbound(e) for e in events[start:start + size]])
    replayed = LedgerWriter(ledger.store)
    assert fingerprint(replayed.state, replayed.waiting) == fingerprint(ledger.writer.state, ledger.writer.waiting)
