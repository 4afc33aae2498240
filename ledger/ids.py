"""Deterministic ids: the same business key always names the same aggregate or transaction."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c2a4e-3b7d-5e0f-9a8b-1c2d3e4f5a6b")


# Large enough for the ids one batch and the next use again (a sale's id is asked for several
# times while it is decided); at 200,000 entries the cache alone took about 50 MB.
@lru_cache(maxsize=20_000)
def aggregate_id(kind: str, key: str) -> UUID:
    """Id of the aggregate of `kind` (program, partner, sale, decline) for a business key."""
    return uuid5(NAMESPACE, f"{kind}:{key}")


@lru_cache(maxsize=4096)
def transaction_id(event_id: str) -> UUID:
    """Id of the ledger transaction an input event produces; a repeat maps to the same id."""
    return uuid5(NAMESPACE, f"transaction:{event_id}")
