"""Response models of the HTTP API: money as integer minor units, like the input contract."""

from __future__ import annotations

from pydantic import BaseModel


class Money(BaseModel):
    """Integer minor units of one currency."""

    amount: int
    currency: str


class CurrencyBalance(BaseModel):
    """A partner's balances in one currency."""

    currency: str
    pending: Money
    available: Money
    paid: Money
    lifetime_earned: Money
    lifetime_reversed: Money


class PartnerBalance(BaseModel):
    """Every currency balance of one partner."""

    partner_id: str
    balances: list[CurrencyBalance]
