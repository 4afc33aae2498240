"""A partner's payouts apply in date order: one still waiting for funds holds back the later ones.

Otherwise, while a backlog is read, a later payout funded by the sales read so far would spend
the money an earlier, larger payout was waiting for, and the earlier one would be refused
although it was funded in event-time order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import datetime

from ledger.parking import funds_key
from ledger.persistence import LedgerRecorder

Entry = tuple[datetime, str]  # (occurred_at, event_id): the order payouts apply in


class PayoutQueue:
    """Payouts parked for want of funds, by partner: as stored when the batch began, then as it decides."""

    def __init__(self, recorder: LedgerRecorder) -> None:
        self._recorder = recorder
        self._waiting: dict[str, list[Entry]] = {}  # sorted: the first is the one to fund next

    def load(self, partner_ids: Iterable[str]) -> None:
        """Read what is parked for these partners, in one query; each partner once per batch."""
        missing = {p for p in partner_ids if p not in self._waiting}
        if not missing:
            return
        for partner_id in missing:
            self._waiting[partner_id] = []
        partner_of = {funds_key(p): p for p in missing}
        for key, occurred_at, event_id in self._recorder.waiting_on(sorted(partner_of)):
            self._waiting[partner_of[key]].append((occurred_at, event_id))
        for partner_id in missing:
            self._waiting[partner_id].sort()

    def ahead_of(self, partner_id: str, entry: Entry) -> Entry | None:
        """The earliest payout of the partner still waiting, if it comes before `entry`."""
        self.load([partner_id])
        waiting = self._waiting[partner_id]
        return waiting[0] if waiting and waiting[0] < entry else None

    def entries(self, partner_id: str) -> list[Entry]:
        """The partner's waiting payouts, the one to fund next first."""
        self.load([partner_id])
        return list(self._waiting[partner_id])

    def waiting(self, partner_id: str) -> bool:
        """Whether any payout of the partner waits."""
        self.load([partner_id])
        return bool(self._waiting[partner_id])

    def parked(self, partner_id: str, entry: Entry) -> None:
        """A payout of the partner now waits."""
        self.load([partner_id])
        waiting = self._waiting[partner_id]
        at = bisect_left(waiting, entry)
        if waiting[at:at + 1] != [entry]:
            waiting.insert(at, entry)

    def left(self, partner_id: str, entry: Entry) -> None:
        """A payout of the partner no longer waits: applied, refused or parked afresh."""
        self.load([partner_id])
        waiting = self._waiting[partner_id]
        at = bisect_left(waiting, entry)
        if waiting[at:at + 1] == [entry]:
            del waiting[at]
