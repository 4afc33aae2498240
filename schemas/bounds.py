"""Bounds at the door: every id, text, amount and time the ledger accepts fits its tables."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

MAX_MESSAGE_BYTES = 256 * 1024
MAX_JSON_DEPTH = 16
# 10 billion in a currency of cents. The tables keep sums in bigint (9.2e18): an account
# overflows only after 9.2 million events at the bound, far past any real partner.
MAX_AMOUNT = 10**12
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 500
MAX_EMAIL_LENGTH = 320
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive
# C0 and C1 control characters and DEL: terminal escapes, NUL (which PostgreSQL's text cannot
# hold) and line breaks have no place in an id, a name or an email.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f-\x9f]*$"
CONTROL_CHARACTERS_MESSAGE = "may not contain control characters (U+0000-U+001F, U+007F-U+009F)"
# The same characters found in text that did not pass the door (a refused message's id, data
# printed on a terminal), and lone surrogates, which json.loads lets through and UTF-8 cannot encode.
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
TIME_RANGE = f"from {EARLIEST:%Y-%m-%d} up to (not including) {LATEST:%Y-%m-%d} UTC"


def in_year_range(value: datetime) -> bool:
    """Whether a time's year is in range; checked before any conversion, since converting
    0001-01-01T00:00+01:00 to UTC overflows."""
    return EARLIEST.year <= value.year < LATEST.year


def _utc_in_range(value: datetime) -> datetime:
    if not in_year_range(value):
        raise ValueError(f"must be {TIME_RANGE}")
    utc = value.astimezone(UTC)
    if not EARLIEST <= utc < LATEST:
        raise ValueError(f"must be {TIME_RANGE}")
    return utc


Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
Email = Annotated[str, Field(max_length=MAX_EMAIL_LENGTH, pattern=NO_CONTROL_CHARACTERS)]
EventTime = Annotated[
    AwareDatetime,
    AfterValidator(_utc_in_range),
    Field(description=f"Event time, RFC 3339 with offset; stored in UTC, from {EARLIEST:%Y-%m-%d} "
                      f"up to {LATEST:%Y-%m-%d}"),
]
