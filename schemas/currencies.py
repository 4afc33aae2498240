"""ISO 4217 currency codes the ledger accepts: money that can be owed to a partner."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

# The ISO 4217 list of active codes, with HRK and SLL kept for history. Left out on purpose:
# XXX (no currency), XTS (testing), precious metals (XAU, XAG, XPD, XPT) and units of account
# (XBA-XBD, XDR, XSU, XUA): none is money a commission is paid in.
ISO_4217 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP "
    "ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR "
    "ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD "
    "MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR "
    "PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL "
    "THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF "
    "XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL"
).split()

# A Literal validates in pydantic-core (no Python call per event) and publishes as a JSON Schema enum.
Currency = Annotated[
    Literal.__getitem__(tuple(ISO_4217)),  # type: ignore[attr-defined]
    Field(description="ISO 4217 code, e.g. USD"),
]

# Digits after the decimal point of each currency's minor unit (ISO 4217's exponent), where not 2.
EXPONENTS = {code: 0 for code in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()} | {
    code: 3 for code in "BHD IQD JOD KWD LYD OMR TND".split()} | {"CLF": 4, "UYW": 4}


def exponent(currency: str) -> int:
    """How many digits of `currency`'s minor units follow the decimal point (2 for most)."""
    return EXPONENTS.get(currency, 2)
