"""`decide(state, event) -> Decision`: the one entry of the rules of money. Pure: it changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.core.decision import Decision
from ledger.core.members import (
    change_program,
    configure_program,
    join_partner,
    send_payout,
)
from ledger.core.selling import decline_charge, record_sale, refund_sale
from ledger.core.state import State
from ledger.rules.periods import micros

# Each takes the event's time in microseconds too, worked out once by whoever calls it.
DECIDERS: dict[str, Callable[[State, Any, int], Decision]] = {
    "program.configured": configure_program,
    "partner.joined": join_partner,
    "partner.program_changed": change_program,
    "sale.completed": record_sale,
    "refund.issued": refund_sale,
    "charge.declined": decline_charge,
    "payout.sent": send_payout,
}


def decide(state: State, event: Any, at_us: int | None = None) -> Decision:
    """What the event does to the ledger: Applied(transaction), Parked(waiting_for) or Refused(reason).

    `at_us` is the event's time in microseconds, when the caller has it already.
    """
    return DECIDERS[event.type](state, event, micros(event.occurred_at) if at_us is None else at_us)
