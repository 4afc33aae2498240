"""Money on the partner center's pages: minor units shown by the currency's exponent, never through floats."""

from __future__ import annotations

import pytest

from projections.portal.money import format_money


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (123_456, "USD", "1,234.56 USD"), (5, "USD", "0.05 USD"), (0, "EUR", "0.00 EUR"),
    (500, "JPY", "500 JPY"), (1_234, "BHD", "1.234 BHD"), (12_345, "CLF", "1.2345 CLF"),
    (10**12, "USD", "10,000,000,000.00 USD")])
def test_money_is_shown_with_the_currencys_digits_and_thousands_separators(amount: int, currency: str,
                                                                            shown: str) -> None:
    assert format_money(amount, currency) == shown


def test_a_negative_amount_keeps_its_sign_in_front() -> None:
    assert format_money(-2_000, "USD") == "-20.00 USD"


def test_an_amount_below_one_unit_keeps_its_sign() -> None:
    assert format_money(-5, "USD") == "-0.05 USD"


def test_a_currency_padded_by_the_database_is_shown_trimmed() -> None:
    assert format_money(100, "USD ") == "1.00 USD"
