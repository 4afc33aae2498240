"""A synthetic partner-program workload: a recruitment tree, power-law sales, refunds, declines, payouts."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

START = datetime(2026, 1, 1, tzinfo=UTC)
PROGRAM = {
    "event_id": "bench-program", "type": "program.configured", "occurred_at": START.isoformat(),
    "program_id": "bench", "name": "Bench two-tier", "tiers": [{"level": 1, "rate": "0.20"}, {"level": 2, "rate": "0.05"}],
    "milestones": [{"id": "ten-a-month", "metric": "sales_count", "threshold": 10, "period": "month",
                    "bonus": {"amount": 5_000, "currency": "USD"}, "clawback": True}],
}


@dataclass(frozen=True)
class Workload:
    """Message values in publishing order, and how many distinct events they hold."""

    lines: list[str]
    distinct: int


def generate(events: int, partners: int, seed: int = 42) -> Workload:
    """`events` messages (about 1 % of them duplicates) over `partners` partners."""
    rnd = random.Random(seed)
    lines = [json.dumps(PROGRAM)]
    lines += [json.dumps(_joined(i, rnd)) for i in range(partners)]
    weights = [1 / (i + 1) ** 1.1 for i in range(partners)]  # power law: a few partners sell most
    body = list(_body(events - len(lines), partners, weights, rnd))
    duplicates = [rnd.choice(body) for _ in range(len(body) // 100)]
    body = body[: len(body) - len(duplicates)] + duplicates
    return Workload(lines + body, len(lines) + len(body) - len(duplicates))


def _joined(i: int, rnd: random.Random) -> dict[str, object]:
    event: dict[str, object] = {"event_id": f"bench-join-{i}", "type": "partner.joined", "occurred_at": START.isoformat(),
                                "partner_id": f"partner-{i}", "program_id": "bench", "name": f"Partner {i}"}
    if i:
        event["recruited_by"] = f"partner-{rnd.randrange(i)}"
    return event


def _body(count: int, partners: int, weights: list[float], rnd: random.Random) -> Iterator[str]:
    sales: list[tuple[str, int, datetime]] = []
    for n in range(max(count, 0)):
        roll = rnd.random()
        when = START + timedelta(minutes=n)
        if sales and roll < 0.08:
            sale_id, amount, _ = sales.pop(rnd.randrange(len(sales)))
            yield json.dumps({"event_id": f"bench-refund-{n}", "type": "refund.issued", "occurred_at": when.isoformat(),
                              "refund_id": f"R{n}", "sale_id": sale_id,
                              "amount": {"amount": rnd.randint(1, amount), "currency": "USD"}})
        elif sales and roll < 0.11:
            sale_id, amount, _ = sales.pop(rnd.randrange(len(sales)))
            yield json.dumps({"event_id": f"bench-decline-{n}", "type": "charge.declined",
                              "occurred_at": when.isoformat(), "decline_id": f"D{n}", "partner_id": "partner-0",
                              "sale_id": sale_id, "product_id": "plan", "amount": {"amount": amount, "currency": "USD"},
                              "customer": {"contact_id": f"c{n}"}, "reason": "card_declined"})
        else:
            partner = rnd.choices(range(partners), weights)[0]
            amount = rnd.randint(500, 50_000)
            sales.append((f"S{n}", amount, when))
            yield json.dumps({"event_id": f"bench-sale-{n}", "type": "sale.completed", "occurred_at": when.isoformat(),
                              "sale_id": f"S{n}", "partner_id": f"partner-{partner}", "product_id": "plan",
                              "amount": {"amount": amount, "currency": "USD"},
                              "customer": {"contact_id": f"c{n}", "email": f"c{n}@example.com"}})
