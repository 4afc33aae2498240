"""A term version (or a program change) that arrives after sales it governs corrects them.

The correction is a new transaction: what the sale holds under the old terms is reversed
(cause `correction`), the new terms' lines are credited, and the share refunds took is
reversed again under the new lines (cause `refund`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.rules.money import reversal_due


def needs_correction(*, declined: bool, sale_program: str, sale_terms: str, program_id: str,
                     terms_event_id: str | None) -> bool:
    """Whether a sale must be re-decided under the version now in effect at its time."""
    if terms_event_id is None or declined:
        return False
    return not (terms_event_id == sale_terms and sale_program == program_id)


def refunded_share(amounts: Sequence[int], refunded: int, sale_amount: int) -> list[int]:
    """What each new line has already given back for the refunds so far."""
    return [reversal_due(amount, 0, refunded, sale_amount) for amount in amounts]


def still_held(lines: Sequence[tuple[int, int]]) -> list[int]:
    """What each old line (earned, reversed) still holds, to be reversed by the correction."""
    return [earned - reversed_ for earned, reversed_ in lines]
