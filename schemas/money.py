"""Money and rates as they travel on the wire: integer minor units, decimal strings."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

from schemas.bounds import MAX_AMOUNT
from schemas.currencies import Currency

MAX_RATE_LENGTH = 20
MAX_RATE_DECIMALS = 10
_PLAIN_DECIMAL = re.compile(rf"\d{{1,3}}(\.\d{{1,{MAX_RATE_DECIMALS}}})?")


class Money(BaseModel):
    """An amount in integer minor units (cents) of one currency; never a float."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: StrictInt = Field(ge=0, le=MAX_AMOUNT, description="Integer minor units, e.g. 1999 = 19.99 USD")
    currency: Currency


def _parse_rate(value: object) -> Decimal:
    # Floats are refused on purpose: 0.1 cannot be represented exactly.
    if not isinstance(value, str):
        raise ValueError("rate must be a decimal string such as \"0.20\", not a number")
    if len(value) > MAX_RATE_LENGTH or not _PLAIN_DECIMAL.fullmatch(value):
        # No exponent: "1e-999999999" is short, and multiplying by it takes hours.
        raise ValueError(f"rate must be a plain decimal such as \"0.20\", with at most "
                         f"{MAX_RATE_DECIMALS} decimals")
    try:
        rate = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"rate {value!r} is not a decimal number") from exc
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise ValueError(f"rate {value!r} must be between \"0\" and \"1\"")
    return rate


Rate = Annotated[
    Decimal,
    BeforeValidator(_parse_rate),
    Field(json_schema_extra={"type": "string", "pattern": r"^\d{1,3}(\.\d{1,10})?$"}),
]
