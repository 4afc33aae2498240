"""What a parked event waits for, and what an arrival or a credit releases."""

from __future__ import annotations

FUNDS = "available:"


_FUNDS_KEYS: dict[tuple[str, str], str] = {}


def funds_key(partner_id: str, currency: str) -> str:
    """A payout waiting for money waits for a credit to its partner's available balance in its currency."""
    key = _FUNDS_KEYS.get((partner_id, currency))
    if key is None:
        if len(_FUNDS_KEYS) > 100_000:  # bounded: partners come and go
            _FUNDS_KEYS.clear()
        key = _FUNDS_KEYS[(partner_id, currency)] = f"{FUNDS}{currency}:{partner_id}"
    return key


def is_funds_key(key: str) -> bool:
    """Whether a parked event waits for money (a payout), not for an event to arrive."""
    return key.startswith(FUNDS)


def program_key(program_id: str) -> str:
    """What an event waiting for a program (or a term version of it) waits for."""
    return f"program:{program_id}"


def partner_key(partner_id: str) -> str:
    """What an event waiting for a partner to join waits for."""
    return f"partner:{partner_id}"


def sale_key(sale_id: str) -> str:
    """What a refund or decline waiting for its sale waits for."""
    return f"sale:{sale_id}"


def declined_key(sale_id: str) -> str:
    """What a retried sale waiting for the decline of its first charge waits for."""
    return f"declined:{sale_id}"
