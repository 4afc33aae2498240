"""Human output: money in major units, aligned tables."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from projections.queries import BalanceRow
from schemas.bounds import CONTROL_CHARACTER

# ISO 4217 currencies whose minor unit is not 1/100.
MINOR_UNIT_DIGITS = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "HUF": 2,
                     "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3}


def safe(text: object) -> str:
    """Text from the ledger as the terminal should show it: no markup, no control character."""
    return escape(CONTROL_CHARACTER.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text)))


def format_money(amount: int, currency: str) -> str:
    """12345 USD → '123.45 USD', without floats."""
    digits = MINOR_UNIT_DIGITS.get(currency, 2)
    sign = "-" if amount < 0 else ""
    whole, minor = divmod(abs(amount), 10**digits)
    fraction = f".{minor:0{digits}d}" if digits else ""
    return f"{sign}{whole:,}{fraction} {currency}"


def balances_table(rows: Sequence[BalanceRow], title: str = "Partner balances") -> Table:
    """One row per partner and currency."""
    table = Table(title=title)
    table.add_column("partner")
    for column in ("pending", "available", "paid", "earned", "reversed"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(safe(row.partner_id), *(format_money(v, row.currency) for v in (
            row.pending, row.available, row.paid, row.lifetime_earned, row.lifetime_reversed)))
    return table
