"""Every rule the ledger refuses to break raises a LedgerError carrying a reason code."""

from __future__ import annotations

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


class UnknownReferenceError(RejectedError):
    """The event names a program, partner or sale the ledger has not recorded (yet).

    The event is parked until `waiting_for` arrives; only after the grace period is it refused.
    """

    def __init__(self, detail: str, reason: Reason, waiting_for: str) -> None:
        super().__init__(detail, reason)
        self.waiting_for = waiting_for


class OverRefundError(RejectedError):
    """Refunds would exceed the sale amount."""

    reason = Reason.OVER_REFUND


class CurrencyMismatchError(RejectedError):
    """Money in one currency applied to something kept in another."""

    reason = Reason.CURRENCY_MISMATCH


class OverPayoutError(RejectedError):
    """A payout above the partner's available balance."""

    reason = Reason.OVER_PAYOUT


class RecruitmentError(RejectedError):
    """A recruitment that would make a partner their own ancestor."""

    reason = Reason.RECRUITMENT_CYCLE


class ConcurrencyError(LedgerError):
    """Another writer changed the same aggregates; the batch must be decided again."""
