"""Every error the ledger raises on purpose is a LedgerError."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""
