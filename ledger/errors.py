"""Every rule the ledger refuses to break raises a LedgerError carrying a reason code."""

from __future__ import annotations

from datetime import datetime

from ledger.parking import funds_key
from schemas.reasons import Reason


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""


class RejectedError(LedgerError):
    """An input event the ledger refuses; it goes to the DLQ with this reason."""

    reason: Reason = Reason.SCHEMA_VIOLATION

    def __init__(self, detail: str, reason: Reason | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if reason is not None:
            self.reason = reason


class PrerequisiteMissingError(RejectedError):
    """The event cannot be applied yet; it is parked until `waiting_for` is recorded.

    Only when the grace period of event time has passed is it refused, with this reason.
    """

    def __init__(self, detail: str, reason: Reason, waiting_for: str) -> None:
        super().__init__(detail, reason)
        self.waiting_for = waiting_for


class UnknownReferenceError(PrerequisiteMissingError):
    """The event names a program, partner or sale the ledger has not recorded (yet)."""


class OverRefundError(RejectedError):
    """Refunds would exceed the sale amount."""

    reason = Reason.OVER_REFUND


class CurrencyMismatchError(RejectedError):
    """Money in one currency applied to something kept in another."""

    reason = Reason.CURRENCY_MISMATCH


class OverPayoutError(PrerequisiteMissingError):
    """A payout above the partner's available balance: it waits for commission still in flight."""

    def __init__(self, detail: str, partner_id: str, amount: int, currency: str,
                 as_of: datetime) -> None:
        super().__init__(detail, Reason.OVER_PAYOUT, funds_key(partner_id, currency))
        self.partner_id, self.amount, self.currency, self.as_of = partner_id, amount, currency, as_of


class RecruitmentError(RejectedError):
    """A recruitment that would make a partner their own ancestor."""

    reason = Reason.RECRUITMENT_CYCLE


class ConcurrencyError(LedgerError):
    """Another writer changed the same aggregates; the batch must be decided again."""
