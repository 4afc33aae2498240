"""Refunds reverse each commission line by the cumulative refunded share; never beyond the sale."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ledger.rules.money import reversal_due
from schemas.reasons import Reason

Refusal = tuple[Reason, str]


def refund_refusal(*, sale_id: str, sale_amount: int, sale_currency: str, refunded: int, declined: bool,
                   refund_ids: Collection[str], refund_id: str, amount: int, currency: str) -> Refusal | None:
    """Why a refund is refused (reused id, other currency, declined sale, over-refund), or None."""
    if refund_id in refund_ids:
        return Reason.DUPLICATE_ID, f"refund {refund_id} was already recorded"
    if currency != sale_currency:
        return Reason.CURRENCY_MISMATCH, f"refund in {currency} of a sale in {sale_currency}"
    if declined:
        return Reason.SALE_DECLINED, f"sale {sale_id} was declined; nothing left to refund"
    if refunded + amount > sale_amount:
        return Reason.OVER_REFUND, (f"refund of {amount} would bring refunds to {refunded + amount}, "
                                    f"above the sale amount {sale_amount} {sale_currency}")
    return None


def refund_reversals(lines: Sequence[tuple[int, int]], refunded_total: int, sale_amount: int) -> list[int]:
    """What each line (earned, reversed so far) gives back once `refunded_total` is refunded."""
    return [reversal_due(earned, reversed_, refunded_total, sale_amount) for earned, reversed_ in lines]


def taken_back(refunded_before: int, amount: int, sale_amount: int) -> tuple[int, int]:
    """(sales, revenue) a refund takes off milestone progress: the sale once it is refunded in full."""
    return (1 if refunded_before + amount == sale_amount else 0), amount
