"""Every read model the ledger keeps, by name."""

from __future__ import annotations

from projections.balances import PartnerBalances
from projections.base import Projection
from projections.commissions import CommissionLines
from projections.directory import PartnerDirectory
from projections.milestones import MilestoneProgressView
from projections.sales import SalesFacts
from projections.statement import StatementLines


def all_projections() -> list[Projection]:
    """A fresh instance of each projection."""
    return [PartnerBalances(), PartnerDirectory(), SalesFacts(), CommissionLines(), MilestoneProgressView(),
            StatementLines()]


def by_name(name: str) -> Projection:
    """One projection by its name; the error lists the names there are."""
    for projection in all_projections():
        if projection.name == name:
            return projection
    known = ", ".join(p.name for p in all_projections())
    raise KeyError(f"no projection named {name!r}; choose one of: {known}")
