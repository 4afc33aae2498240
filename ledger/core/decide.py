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

_BY_TYPE: dict[str, Callable[[State, Any], Decision]] = {
    "program.configured": configure_program,
    "partner.joined": join_partner,
    "partner.program_changed": change_program,
    "sale.completed": record_sale,
    "refund.issued": refund_sale,
    "charge.declined": decline_charge,
    "payout.sent": send_payout,
}


def decide(state: State, event: Any) -> Decision:
    """What the event does to the ledger: Applied(transaction), Parked(waiting_for) or Refused(reason)."""
    return _BY_TYPE[event.type](state, event)
