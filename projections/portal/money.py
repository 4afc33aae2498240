"""Money as people read it: integer minor units → `1,234.56 USD`, by the currency's exponent, without floats."""

from __future__ import annotations

from schemas.currencies import exponent


def format_money(amount: int, currency: str) -> str:
    """12345 USD → '123.45 USD'; 500 JPY → '500 JPY'; 1234 BHD → '1.234 BHD'."""
    currency = currency.strip()
    digits = exponent(currency)
    sign = "-" if amount < 0 else ""
    whole, minor = divmod(abs(amount), 10**digits)
    fraction = f".{minor:0{digits}d}" if digits else ""
    return f"{sign}{whole:,}{fraction} {currency}"
