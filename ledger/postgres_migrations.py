"""Changes to the rows the ledger keeps beside its events, made when a newer version first starts."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from ledger.parking import funds_key

OLD_FUNDS = "funds:"


def move_funds_keys(curs: Cursor[Any], schema: Identifier) -> list[str]:
    """Payouts parked under the old per-partner key wait for their currency's balance instead.

    Returns the new keys, which the first batch must look at once: a payout held back only by
    one in another currency is funded, and no credit in its own currency may come soon. The
    currency is read in Python: PostgreSQL's jsonb refuses JSON the input schema accepts (`\\u0000`).
    """
    curs.execute(SQL("SELECT event_id, waiting_for, payload FROM {}.parked WHERE starts_with(waiting_for, %s) "
                     "FOR UPDATE").format(schema), (OLD_FUNDS,))
    moved = [(funds_key(row["waiting_for"].removeprefix(OLD_FUNDS), currency), row["event_id"])
             for row in curs.fetchall() if (currency := _currency(bytes(row["payload"])))]
    if moved:
        curs.executemany(SQL("UPDATE {}.parked SET waiting_for = %s WHERE event_id = %s").format(schema), moved)
    return sorted({key for key, _ in moved})


def _currency(payload: bytes) -> str | None:
    # A payload without one is left as it is: the grace period ends it, as before.
    try:
        currency = orjson.loads(payload)["amount"]["currency"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return None
    return currency if isinstance(currency, str) and len(currency) == 3 and currency.isalpha() else None
