"""Every read model the ledger keeps, by name."""

from __future__ import annotations

from projections.balances import PartnerBalances
from projections.base import Projection


def all_projections() -> list[Projection]:
    """A fresh instance of each projection."""
    return [PartnerBalances()]
