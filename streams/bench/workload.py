"""A synthetic partner-program workload: a recruitment tree, power-law sales, refunds, declines, payouts."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ledger.errors import LedgerError

START = datetime(2026, 1, 1, tzinfo=UTC)
PROGRAM = {
    "event_id": "bench-program", "type": "program.configured", "occurred_at": START.isoformat(),
    "program_id": "bench", "name": "Bench two-tier", "tiers": [{"level": 1, "rate": "0.20"}, {"level": 2, "rate": "0.05"}],
    "milestones": [{"id": "ten-a-month", "metric": "sales_count", "threshold": 10, "period": "month",
                    "bonus": {"amount": 5_000, "currency": "USD"}, "clawback": True}],
}
SALE = '"type": "sale.completed"'
EVENTS_PER_PARTNER = 100  # the tree built unless told: one partner per this many events...
MAX_DEFAULT_PARTNERS = 10_000  # ...up to this many


class WorkloadError(LedgerError):
    """A workload whose partners' joins would leave no room for sales."""


@dataclass(frozen=True)
class Workload:
    """Message values in publishing order, how many distinct events they hold, and how many are sales."""

    lines: list[str]
    distinct: int
    sales: int


def default_partners(events: int) -> int:
    """The recruitment tree's size unless one is given: one partner per 100 events, 1 to 10,000."""
    return max(1, min(MAX_DEFAULT_PARTNERS, events // EVENTS_PER_PARTNER))


def max_partners(events: int) -> int:
    """The largest tree whose joins leave at least as many events again for sales, refunds and payouts."""
    return max(0, (events - 1) // 2)  # one event is the program


def check_shape(events: int, partners: int) -> None:
    """Refuse a shape in which the joins crowd out the sales (a run of joins measures nothing)."""
    if not 1 <= partners <= max_partners(events):
        raise WorkloadError(f"{partners:,} partners leave no room for sales in {events:,} events (each join is one): "
                            f"use 1 to {max_partners(events):,} partners, or at least {2 * partners + 1:,} events")


def generate(events: int, partners: int, seed: int = 42) -> Workload:
    """`events` messages over `partners` partners: sales, ~8 % refunds, ~3 % declines, ~1 % payouts, ~1 % duplicates."""
    check_shape(events, partners)
    rnd = random.Random(seed)
    lines = [json.dumps(PROGRAM)]
    lines += [json.dumps(_joined(i, rnd)) for i in range(partners)]
    # Power law: a few partners sell most. Cumulative weights, so each draw is a bisection.
    weights = list(itertools.accumulate(1 / (i + 1) ** 1.1 for i in range(partners)))
    body = list(_body(events - len(lines), partners, weights, rnd))
    kept = body[: len(body) - len(body) // 100]
    duplicates = [rnd.choice(kept) for _ in range(len(body) - len(kept))]  # each repeats a message already sent
    sales = sum(SALE in line for line in kept)
    if not sales:  # the shape check should make this impossible; a bench without sales must not pass
        raise WorkloadError(f"the workload of {events:,} events over {partners:,} partners holds no sales")
    return Workload(lines + kept + duplicates, len(lines) + len(kept), sales)


def _joined(i: int, rnd: random.Random) -> dict[str, object]:
    event: dict[str, object] = {"event_id": f"bench-join-{i}", "type": "partner.joined", "occurred_at": START.isoformat(),
                                "partner_id": f"partner-{i}", "program_id": "bench", "name": f"Partner {i}"}
    if i:
        event["recruited_by"] = f"partner-{rnd.randrange(i)}"
    return event


def _body(count: int, partners: int, cum_weights: list[float], rnd: random.Random) -> Iterator[str]:
    book = _Book()
    for n in range(max(count, 0)):
        roll = rnd.random()
        when = (START + timedelta(minutes=n)).isoformat()
        if book.sales and roll < 0.08:
            yield json.dumps(book.refund(n, when, rnd))
        elif book.sales and roll < 0.11:
            yield json.dumps(book.decline(n, when, rnd))
        elif roll < 0.12 and (payout := book.payout(n, when, rnd)):
            yield json.dumps(payout)
        else:
            seller = rnd.choices(range(partners), cum_weights=cum_weights)[0]
            yield json.dumps(book.sale(n, when, seller, rnd.randint(500, 50_000)))


class _Book:
    """Open sales, and a floor under each partner's available balance so payouts stay fundable."""

    def __init__(self) -> None:
        self.sales: list[tuple[str, str, int]] = []
        self.floor: dict[str, int] = {}  # level-1 commission still held, less what was paid out

    def sale(self, n: int, when: str, partner: int, amount: int) -> dict[str, object]:
        partner_id = f"partner-{partner}"
        self.sales.append((f"S{n}", partner_id, amount))
        self.floor[partner_id] = self.floor.get(partner_id, 0) + amount // 5
        return {"event_id": f"bench-sale-{n}", "type": "sale.completed", "occurred_at": when, "sale_id": f"S{n}",
                "partner_id": partner_id, "product_id": "plan", "amount": {"amount": amount, "currency": "USD"},
                "customer": {"contact_id": f"c{n}", "email": f"c{n}@example.com"}}

    def refund(self, n: int, when: str, rnd: random.Random) -> dict[str, object]:
        sale_id, partner_id, amount = self._close(rnd)
        return {"event_id": f"bench-refund-{n}", "type": "refund.issued", "occurred_at": when, "refund_id": f"R{n}",
                "sale_id": sale_id, "amount": {"amount": rnd.randint(1, amount), "currency": "USD"}}

    def decline(self, n: int, when: str, rnd: random.Random) -> dict[str, object]:
        sale_id, partner_id, amount = self._close(rnd)
        return {"event_id": f"bench-decline-{n}", "type": "charge.declined", "occurred_at": when,
                "decline_id": f"D{n}", "partner_id": partner_id, "sale_id": sale_id, "product_id": "plan",
                "amount": {"amount": amount, "currency": "USD"}, "customer": {"contact_id": f"c{n}"},
                "reason": "card_declined"}

    def payout(self, n: int, when: str, rnd: random.Random) -> dict[str, object] | None:
        # A partner with an open sale, drawn like sales are: busy partners are paid more often.
        partner_id = self.sales[rnd.randrange(len(self.sales))][1] if self.sales else ""
        if self.floor.get(partner_id, 0) < 2_000:
            return None
        amount = self.floor[partner_id] // 2
        self.floor[partner_id] -= amount
        return {"event_id": f"bench-payout-{n}", "type": "payout.sent", "occurred_at": when, "payout_id": f"P{n}",
                "partner_id": partner_id, "amount": {"amount": amount, "currency": "USD"}}

    def _close(self, rnd: random.Random) -> tuple[str, str, int]:
        # A refunded or declined sale no longer funds payouts (its commission may all go back).
        index = rnd.randrange(len(self.sales))
        self.sales[index], self.sales[-1] = self.sales[-1], self.sales[index]  # O(1) removal
        sale_id, partner_id, amount = self.sales.pop()
        self.floor[partner_id] = self.floor.get(partner_id, 0) + amount // -5  # its whole commission, rounded up
        return sale_id, partner_id, amount
