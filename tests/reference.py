"""A reference model of DESIGN §4, written from the rules and not from the ledger's code, with the
streams it can judge.

The generator draws streams whose outcome does not depend on arrival order (no refund races a
decline of the same sale; a second full refund is refused whichever comes first; payouts are
dated after everything they draw on), so one plain fold gives the expected balances and dead
letters of any delivery: shuffled across topics, published twice, interrupted by crashes.
Milestones, holds and recurring caps are left to the unit tests.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from tests.builders import at

RATES = (Decimal("0.20"), Decimal("0.05"))  # level 1 pays the seller, level 2 the recruiter


@dataclass
class Expected:
    """What the ledger must hold after a stream: per partner (unpaid, paid, earned, reversed), and dead letters."""

    balances: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    dead_letters: Counter[str] = field(default_factory=Counter)
    decided: set[str] = field(default_factory=set)  # event ids that must be decided (applied or refused)


@dataclass
class Stream:
    """Valid events as dicts, raw hostile messages by topic, and what the reference model expects."""

    events: list[dict[str, Any]]
    hostile: list[tuple[str, bytes, str]] = field(default_factory=list)  # (topic, value, expected reason)
    expected: Expected = field(default_factory=Expected)


def line(amount: int, rate: Decimal) -> int:
    """Commission of one line: amount × rate, half-even, in minor units."""
    return int((Decimal(amount) * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def generate(sales: int, partners: int = 12, seed: int = 1) -> Stream:
    """A program, a recruitment tree, sales with refunds and declines, payouts; and the expected outcome."""
    rnd = random.Random(seed)
    events: list[dict[str, Any]] = [_program()]
    recruiter = {f"p{i}": (f"p{rnd.randrange(i)}" if i and rnd.random() < 0.8 else None) for i in range(partners)}
    events += [_joined(p, r) for p, r in recruiter.items()]
    ledger = _Model(recruiter)
    for n in range(sales):
        events += ledger.sale(n, f"p{rnd.randrange(partners)}", rnd, day=1 + n * 20 // max(sales, 1))
    events += ledger.payouts(rnd)
    return Stream(events, expected=ledger.expected(events))


class _Model:
    """The fold: money per partner, in cents, from the rules of DESIGN §4."""

    def __init__(self, recruiter: dict[str, str | None]) -> None:
        self.recruiter = recruiter
        self.earned: Counter[str] = Counter()
        self.reversed: Counter[str] = Counter()
        self.paid: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    def sale(self, n: int, seller: str, rnd: random.Random, day: int) -> list[dict[str, Any]]:
        """A sale, and what befalls it: nothing, refunds (one may be refused), or a decline."""
        amount = rnd.randrange(1, 500) * 200  # halves of every line are whole cents
        lines = self._lines(seller, amount)
        for partner, cents in lines:
            self.earned[partner] += cents
        events = [_sale(n, seller, amount, day)]
        fate = rnd.random()
        if fate < 0.10:  # refunded in full
            events.append(_refund(f"R{n}", n, amount, day + 1))
            self._reverse(lines, 1)
        elif fate < 0.15:  # half now, half later: both apply, the sale nets to zero
            events += [_refund(f"R{n}a", n, amount // 2, day + 1), _refund(f"R{n}b", n, amount // 2, day + 2)]
            self._reverse(lines, 1)
        elif fate < 0.20:  # half refunded: half of each line back
            events.append(_refund(f"R{n}", n, amount // 2, day + 1))
            self._reverse(lines, 2)
        elif fate < 0.23:  # refunded in full twice: whichever comes second is an over-refund
            events += [_refund(f"R{n}a", n, amount, day + 1), _refund(f"R{n}b", n, amount, day + 2)]
            self._reverse(lines, 1)
            self.refused["over_refund"] += 1
        elif fate < 0.26:  # the charge was declined: every line reversed in full
            events.append(_declined(f"D{n}", n, seller, amount, day + 1))
            self._reverse(lines, 1)
        return events

    def payouts(self, rnd: random.Random) -> list[dict[str, Any]]:
        """Payouts dated after every sale, refund and decline, within what each partner holds then."""
        events = []
        for partner in sorted(self.recruiter):
            unpaid = self.earned[partner] - self.reversed[partner]
            if unpaid > 100 and rnd.random() < 0.7:
                amount = rnd.randrange(1, unpaid // 2)
                events.append(_payout(f"O-{partner}", partner, amount, day=28))
                self.paid[partner] += amount
        return events

    def expected(self, events: list[dict[str, Any]]) -> Expected:
        """Balances and dead letters once every event has been decided."""
        balances = {p: (self.earned[p] - self.reversed[p] - self.paid[p], self.paid[p], self.earned[p],
                        self.reversed[p]) for p in self.recruiter if self.earned[p]}
        return Expected(balances, Counter(self.refused), {e["event_id"] for e in events})

    def _lines(self, seller: str, amount: int) -> list[tuple[str, int]]:
        chain = [seller, self.recruiter[seller]]
        return [(partner, line(amount, rate)) for partner, rate in zip(chain, RATES, strict=True) if partner]

    def _reverse(self, lines: list[tuple[str, int]], divisor: int) -> None:
        for partner, cents in lines:
            self.reversed[partner] += cents // divisor


def hostile_messages() -> list[tuple[str, bytes, str]]:
    """Bad input of every kind the door refuses: (topic, value, the reason the DLQ must give)."""
    sale = _sale(900_000, "p0", 1_000, 2)
    bad: list[tuple[str, dict[str, Any] | bytes, str]] = [
        ("sales", b"{not json", "malformed_json"),
        ("sales", b"[" * 2000 + b"]" * 2000, "nested_too_deep"),
        ("sales", b" " * 300_000, "message_too_large"),
        ("sales", sale | {"type": "sale.teleported"}, "unknown_type"),
        ("sales", _with(sale, "amount", {"amount": 2**63 - 1, "currency": "USD"}), "invalid_money"),
        ("sales", _with(sale, "amount", {"amount": 2**70, "currency": "USD"}), "invalid_money"),
        ("sales", _with(sale, "amount", {"amount": -5, "currency": "USD"}), "invalid_money"),
        ("sales", _with(sale, "amount", {"amount": 100, "currency": "XXX"}), "invalid_money"),
        ("sales", _with(sale, "occurred_at", "0001-01-01T00:00:00+01:00"), "schema_violation"),
        ("sales", _with(sale, "occurred_at", "9999-12-31T23:59:59-01:00"), "schema_violation"),
        ("sales", _with(sale, "sale_id", "S\x1b[2J"), "schema_violation"),
        ("sales", _with(sale, "customer", sale["customer"] | {"first_name": "A\x00da"}), "schema_violation"),
        ("programs", _program() | {"event_id": "prog-long", "program_id": "p" * 300}, "schema_violation"),
        ("refunds", sale, "wrong_topic"),
    ]
    out = []
    for number, (topic, value, reason) in enumerate(bad):
        if isinstance(value, dict):
            value = json.dumps(value | {"event_id": f"bad-{number}"}).encode()
        out.append((topic, value, reason))
    return out


def _with(event: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    return event | {key: value}


def _program() -> dict[str, Any]:
    return {"event_id": "prog", "type": "program.configured", "occurred_at": at(1, 0), "program_id": "prog",
            "name": "Reference", "tiers": [{"level": i, "rate": str(r)} for i, r in enumerate(RATES, start=1)]}


def _joined(partner: str, recruiter: str | None) -> dict[str, Any]:
    event = {"event_id": f"join-{partner}", "type": "partner.joined", "occurred_at": at(1, 1),
             "partner_id": partner, "program_id": "prog", "name": partner.upper(), "email": f"{partner}@example.org"}
    return event | ({"recruited_by": recruiter} if recruiter else {})


def _sale(n: int, seller: str, amount: int, day: int) -> dict[str, Any]:
    return {"event_id": f"sale-{n}", "type": "sale.completed", "occurred_at": at(day, 10), "sale_id": f"S{n}",
            "partner_id": seller, "product_id": "plan", "amount": {"amount": amount, "currency": "USD"},
            "customer": {"contact_id": f"c{n}", "first_name": "Ada", "last_name": "L", "email": f"c{n}@example.com"}}


def _refund(refund_id: str, n: int, amount: int, day: int) -> dict[str, Any]:
    return {"event_id": f"refund-{refund_id}", "type": "refund.issued", "occurred_at": at(day, 11),
            "refund_id": refund_id, "sale_id": f"S{n}", "amount": {"amount": amount, "currency": "USD"}}


def _declined(decline_id: str, n: int, seller: str, amount: int, day: int) -> dict[str, Any]:
    return {"event_id": f"decline-{decline_id}", "type": "charge.declined", "occurred_at": at(day, 12),
            "decline_id": decline_id, "partner_id": seller, "sale_id": f"S{n}", "product_id": "plan",
            "amount": {"amount": amount, "currency": "USD"}, "reason": "card_declined",
            "customer": {"contact_id": f"c{n}", "first_name": "Ada", "last_name": "L", "email": f"c{n}@example.com"}}


def _payout(payout_id: str, partner: str, amount: int, day: int) -> dict[str, Any]:
    return {"event_id": f"payout-{payout_id}", "type": "payout.sent", "occurred_at": at(day, 9),
            "payout_id": payout_id, "partner_id": partner, "amount": {"amount": amount, "currency": "USD"}}
