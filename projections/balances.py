"""`partner_balances`: pending, available, paid, lifetime earned and reversed per partner and currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.partner import Partner
from ledger.postings import Posting, partner_of_account
from projections.base import Projection
from projections.bulk import write_rows
from projections.tracking import SCHEMA

# A bonus clawed back is taken off what was earned, not counted as reversed: whether a bonus is
# awarded and clawed back, or never awarded, depends on the order its sales and refunds arrive
# in, and the report must not. Commission reversals are order-free (a refund waits for its sale).
EARNED = (Partner.CommissionAccrued, Partner.MilestoneBonusAwarded)
UNEARNED = (Partner.MilestoneBonusClawedBack,)
REVERSED = (Partner.CommissionReversed,)
COLUMNS = ("pending", "available", "paid", "lifetime_earned", "lifetime_reversed")


class PartnerBalances(Projection):
    """Balances of every partner's accounts, from the postings of their ledger events."""

    name = "partner_balances"
    event_classes = (Partner.CommissionAccrued, Partner.CommissionReversed, Partner.PayoutSent,
                     Partner.CommissionMatured, Partner.MilestoneBonusAwarded, Partner.MilestoneBonusClawedBack)

    def ddl(self) -> list[str]:
        return [f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.partner_balances (
            partner_id text NOT NULL,
            currency char(3) NOT NULL,
            pending bigint NOT NULL DEFAULT 0,
            available bigint NOT NULL DEFAULT 0,
            paid bigint NOT NULL DEFAULT 0,
            lifetime_earned bigint NOT NULL DEFAULT 0,
            lifetime_reversed bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (partner_id, currency))"""]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {SCHEMA}.partner_balances")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        deltas = balance_deltas(events)
        if not deltas:
            return
        write_rows(curs, "partner_balances",
                   [(partner, currency, *values) for (partner, currency), values in sorted(deltas.items())],
                   columns=("partner_id", "currency", *COLUMNS),
                   conflict="ON CONFLICT (partner_id, currency) DO UPDATE SET "
                            + ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in COLUMNS))


def balance_deltas(events: Sequence[Any]) -> dict[tuple[str, str], list[int]]:
    """How much each column of each (partner, currency) row moves for a batch of events."""
    deltas: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    for event in events:
        partner_id = partner_of(event)
        row = deltas[(partner_id, event.currency)]
        for posting in map(Posting.from_dict, event.postings):
            for bucket, amount in posting.bucket_moves(partner_id):
                row[COLUMNS.index(bucket)] += amount
        if isinstance(event, EARNED):
            row[3] += event.amount
        elif isinstance(event, UNEARNED):
            row[3] -= event.amount
        elif isinstance(event, REVERSED):
            row[4] += event.amount
    return dict(deltas)


def partner_of(event: Any) -> str:
    """The partner whose accounts an event's postings move."""
    for posting in event.postings:
        for account in (posting["destination"], posting["source"]):
            partner_id = partner_of_account(account)
            if partner_id is not None:
                return partner_id
    raise ValueError(f"event {type(event).__name__} moves no partner money")

