"""A partner's payouts in one currency apply in date order: one still waiting for funds holds back the later ones.

Otherwise, while a backlog is read, a later payout funded by the sales read so far would spend
the money an earlier, larger payout was waiting for, and the earlier one would be refused
although it was funded in event-time order. Payouts in another currency draw on another
balance, so they are not held back.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from ledger.errors import OverPayoutError
from ledger.parking import funds_key
from ledger.partner import Partner
from ledger.persistence import LedgerRecorder
from schemas.events import PayoutSent

Entry = tuple[datetime, str]  # (occurred_at, event_id): the order payouts apply in
PartnerLookup = Callable[[str], Partner | None]


@dataclass(frozen=True)
class Unfunded:
    """What a parked payout waits for: this much available to its partner in this currency, as of a date."""

    partner_id: str
    currency: str
    amount: int
    as_of: datetime

    @classmethod
    def of(cls, error: OverPayoutError) -> Unfunded:
        """What the refusal says the payout needs."""
        return cls(error.partner_id, error.currency, error.amount, error.as_of)


class PayoutQueue:
    """Payouts parked for want of funds, by funds key: as stored when the batch began, then as it decides.

    `unfunded` (what each parked payout needs, by event id) outlives the batch: the application
    keeps it, so a payout is not tried again before its partner could fund it.
    """

    def __init__(self, recorder: LedgerRecorder, unfunded: dict[str, Unfunded], partner: PartnerLookup) -> None:
        self._recorder = recorder
        self._unfunded = unfunded
        self._partner = partner
        self._waiting: dict[str, list[Entry]] = {}  # sorted: the first is the one to fund next

    def load(self, keys: Iterable[str]) -> None:
        """Read what is parked under these funds keys, in one query; each key once per batch."""
        missing = sorted({k for k in keys if k not in self._waiting})
        if not missing:
            return
        for key in missing:
            self._waiting[key] = []
        for key, occurred_at, event_id in self._recorder.waiting_on(missing):
            self._waiting[key].append((occurred_at, event_id))
        for key in missing:
            self._waiting[key].sort()

    def check(self, payout: PayoutSent) -> None:
        """Hold the payout back if an earlier one of its partner and currency still waits for funds."""
        amount = payout.amount
        ahead = self._ahead_of(funds_key(payout.partner_id, amount.currency), (payout.occurred_at, payout.event_id))
        if ahead is not None:
            raise OverPayoutError(f"payout {payout.payout_id} waits behind the partner's earlier payout "
                                  f"{ahead[1]}, still waiting for funds", payout.partner_id, amount.amount,
                                  amount.currency, payout.occurred_at)

    def waiting(self, key: str) -> bool:
        """Whether any payout waits under this funds key."""
        self.load([key])
        return bool(self._waiting[key])

    def parked(self, key: str, entry: Entry, need: Unfunded | None) -> None:
        """A payout now waits under this funds key (needing `need`, when known)."""
        if need is not None:
            self._unfunded[entry[1]] = need
        self.load([key])
        waiting = self._waiting[key]
        at = bisect_left(waiting, entry)
        if waiting[at:at + 1] != [entry]:
            waiting.insert(at, entry)

    def left(self, key: str, entry: Entry) -> None:
        """A payout no longer waits: applied, refused or parked afresh."""
        self._unfunded.pop(entry[1], None)
        self.load([key])
        waiting = self._waiting[key]
        at = bisect_left(waiting, entry)
        if waiting[at:at + 1] == [entry]:
            del waiting[at]

    def still_unfunded(self, key: str, entry: Entry) -> bool:
        """Whether trying this parked payout would park it again: one waits ahead of it, or its partner is short."""
        need = self._unfunded.get(entry[1])
        return need is not None and (self._ahead_of(key, entry) is not None or self._short(need))

    def stuck(self, key: str) -> list[Entry]:
        """Every payout waiting under the key if the first still cannot be funded (then none can apply), else none.

        Their parked rows are then not read at all. In a million-event backlog, reading the
        payouts of partners credited in every batch, only to leave them waiting, was a sixth
        of the deciding thread's time, and grew as payouts piled up.
        """
        self.load([key])
        waiting = self._waiting[key]
        return list(waiting) if waiting and self.still_unfunded(key, waiting[0]) else []

    def _ahead_of(self, key: str, entry: Entry) -> Entry | None:
        self.load([key])
        waiting = self._waiting[key]
        return waiting[0] if waiting and waiting[0] < entry else None

    def _short(self, need: Unfunded) -> bool:
        partner = self._partner(need.partner_id)
        return partner is not None and partner.available_as_of(need.currency, need.as_of) < need.amount
