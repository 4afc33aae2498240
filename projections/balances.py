"""`partner_balances`: pending, available, paid, lifetime earned and reversed per partner and currency.

The writer keeps it in each batch's transaction; this projection rebuilds it from the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.store.postgres_write import upsert_balances
from ledger.store.schema import balances_ddl
from projections.base import Logged, Projection, postings


class PartnerBalances(Projection):
    """Balances of every partner's accounts, from the postings of the log."""

    name = "partner_balances"

    def ddl(self) -> list[str]:
        return balances_ddl(self.schema)

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {self.schema}.partner_balances")

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        upsert_balances(curs, (posting for _, posting in postings(entries)), f"{self.schema}.partner_balances")
