"""Renewals of a subscription earn until the program's recurring cap."""

from __future__ import annotations

from collections.abc import Mapping

from ledger.rules.periods import add_months


def cap_note(*, max_payments: int | None, max_months: int | None, first_us: int, earning: Mapping[str, int],
             sale_id: str, at_us: int, only_earlier: bool = False) -> str | None:
    """Why a payment earns nothing under the cap, or None if it still earns.

    A new payment counts every earning payment; a correction counts only earlier ones, so
    re-deciding a subscription in time order keeps the first payments, not the first arrived.
    """
    if max_payments is None and max_months is None:
        return None
    if sale_id in earning and not only_earlier:
        return None
    counted = sum(1 for other, when in earning.items()
                  if other != sale_id and (not only_earlier or (when, other) < (at_us, sale_id)))
    if max_payments is not None and counted >= max_payments:
        return f"recurring cap of {max_payments} payments reached"
    if max_months is not None and at_us >= add_months(first_us, max_months):
        return f"recurring cap of {max_months} months reached"
    return None
