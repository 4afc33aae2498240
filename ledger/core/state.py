"""The writer's state: everything it decides with, changed only by `evolve` (ledger/core/evolve.py).

Sales are the bulk of it and grow with history, so only recent sales stay in memory: older ones
are paged out to the store (`ledger/core/cold.py`) and paged back in, through a `Pager` the store
gives the state, when a decision or a replayed change names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

import msgspec

from ledger.core.entities import Partner, Program, Progress, Sale, Subscription
from ledger.core.seen import SeenFilter

_SALES_OUT = msgspec.msgpack.Encoder()
_SALES_IN = msgspec.msgpack.Decoder(list[Sale])
ProgressKey = tuple[str, str, str, str]  # (partner, program, milestone, period)
BUCKET_INDEX = {"pending": 0, "available": 1, "paid": 2}


class Pager(Protocol):
    """Where sales paged out of memory are kept, as of the latest snapshot."""

    def sales(self, sale_ids: list[str]) -> list[Sale]:
        """The paged-out sales among these ids."""

    def sales_since(self, kind: str, key: str, since_us: int) -> list[Sale]:
        """The paged-out sales of a program or partner (`kind`) from `since_us` on."""


class State:
    """Everything the writer decides with; changed only by `evolve`."""

    __slots__ = ("programs", "partners", "sales", "progress", "subscriptions", "declines", "sales_by_program",
                 "sales_by_partner", "maturities", "seen_ids", "paged_out", "pager")

    def __init__(self) -> None:
        self.programs: dict[str, Program] = {}
        self.partners: dict[str, Partner] = {}
        self.sales: dict[str, Sale] = {}  # the sales in memory, oldest first
        self.progress: dict[ProgressKey, Progress] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.declines: set[str] = set()
        # Sale ids listed under each program and partner, with the latest time each was listed at.
        self.sales_by_program: dict[str, dict[str, int]] = {}
        self.sales_by_partner: dict[str, dict[str, int]] = {}
        # Pending lines by due time, a heap of (due, sale, attempt, revision, level); stale ones are skipped.
        self.maturities: list[tuple[int, str, int, int, int]] = []
        self.seen_ids = SeenFilter()  # every event id recorded, to ask the log only about possible repeats
        self.paged_out = SeenFilter()  # every sale id ever paged out, to ask the pager only about those
        self.pager: Pager | None = None  # given by the store; never part of a snapshot

    def __getstate__(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self.__slots__ if name != "pager"}
        values["sales"] = _SALES_OUT.encode(list(self.sales.values()))  # msgpack: five times quicker than pickle
        return values

    def __setstate__(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.sales = {sale.sale_id: sale for sale in _SALES_IN.decode(values["sales"])}
        self.pager = None

    def recruiter_of(self, partner_id: str) -> str | None:
        """A joined partner's recruiter, or None."""
        partner = self.partners.get(partner_id)
        return partner.recruited_by if partner is not None else None

    def sale(self, sale_id: str) -> Sale | None:
        """A recorded sale, paged back in if it was paged out; None if it was never recorded."""
        found = self.sales.get(sale_id)
        if found is None and self.pager is not None and self.paged_out.might_contain(sale_id):
            self.page_in([sale_id])
            found = self.sales.get(sale_id)
        return found

    def page_in(self, sale_ids: Iterable[str]) -> None:
        """Bring these sales back into memory if they were paged out: one call to the pager for all."""
        if self.pager is None:
            return
        wanted = [s for s in set(sale_ids) if s not in self.sales and self.paged_out.might_contain(s)]
        if wanted:
            self._held(self.pager.sales(wanted))

    def sales_since(self, kind: str, key: str, since_us: int) -> list[Sale]:
        """A program's or partner's sales (`kind` "program" or "partner") from `since_us` on, in event-time order."""
        if self.pager is not None:
            self._held(s for s in self.pager.sales_since(kind, key, since_us) if s.sale_id not in self.sales)
        index = self.sales_by_program if kind == "program" else self.sales_by_partner
        # A retried or re-programmed sale is listed at its latest time; its current time decides.
        listed = (self.sales.get(sale_id) for sale_id, at_us in index.get(key, {}).items() if at_us >= since_us)
        return sorted((s for s in listed if s is not None and s.at_us >= since_us), key=lambda s: (s.at_us, s.sale_id))

    def _held(self, sales: Iterable[Sale]) -> None:
        for sale in sales:
            if sale.sale_id not in self.sales:  # the copy in memory is always the newer
                self.sales[sale.sale_id] = sale
                list_sale(self.sales_by_partner, sale.partner_id, sale.sale_id, sale.at_us)
                list_sale(self.sales_by_program, sale.program_id, sale.sale_id, sale.at_us)


def list_sale(index: dict[str, dict[str, int]], key: str, sale_id: str, at_us: int) -> None:
    """List a sale under a key of an index, at the latest time it was listed at."""
    # Strings and integers only, so the garbage collector does not track these dicts however long they grow.
    listed = index.get(key)
    if listed is None:
        listed = index[key] = {}
    if at_us >= listed.get(sale_id, at_us):
        listed[sale_id] = at_us
