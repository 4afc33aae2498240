"""Scrubbing an erased customer's name and email out of stored message bytes (dead letters, parked messages).

Pure functions of bytes: a JSON message has the erased customer's fields replaced by a marker; any
other bytes have the name and email replaced wherever they occur, as raw UTF-8 and as JSON escapes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Any

ERASED = "erased"  # what stands where a forgotten customer's name or email was
PERSONAL_FIELDS = ("first_name", "last_name", "email")


def needles(fields: Mapping[str, str], distinctive: bool = False) -> list[bytes]:
    """The byte strings that give the customer away: each field, the full name, in UTF-8 and as JSON escapes.

    `distinctive` leaves the first and last names alone out: another customer may share one.
    """
    full = f"{fields.get('first_name', '')} {fields.get('last_name', '')}".strip()
    values = [fields.get("email", ""), full] if distinctive else [*(fields.get(n, "") for n in PERSONAL_FIELDS), full]
    found: set[bytes] = set()
    for value in values:
        if value.strip():
            found.add(value.encode())
            found.add(json.dumps(value)[1:-1].encode())  # as it would stand inside a JSON string
    return sorted(found, key=len, reverse=True)  # the full name before its parts


def scrub(payload: bytes, contact_ids: Collection[str], fields: Mapping[str, str] | None = None) -> bytes:
    """The payload with the customers named by `contact_ids` erased, and `fields`' values replaced.

    A JSON message naming none of them has only the email and full name replaced, not a first name
    another customer of that message may share.
    """
    parsed = _json(payload)
    named = parsed is not None and _erase_in(parsed, contact_ids)
    if named:
        payload = json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode()
    return replace_all(payload, needles(fields or {}, distinctive=parsed is not None and not named))


def replace_all(data: bytes, found: Iterable[bytes]) -> bytes:
    """The bytes with every needle replaced by the marker."""
    for needle in found:
        data = data.replace(needle, ERASED.encode())
    return data


def scrub_text(text: str, fields: Mapping[str, str]) -> str:
    """A text (a dead letter's detail) with the customer's name and email replaced."""
    return replace_all(text.encode(), needles(fields)).decode(errors="replace")


def named_contacts(payload: bytes) -> set[str]:
    """The contact ids a JSON message's customers carry (none if it is not JSON)."""
    parsed = _json(payload)
    found: set[str] = set()
    stack = [parsed]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("contact_id"), str):
                found.add(item["contact_id"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _erase_in(value: Any, contact_ids: Collection[str]) -> bool:
    """Replace, in place, the personal fields of every object naming one of the contacts; True if any."""
    erased, stack = False, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("contact_id"), str) and item["contact_id"] in contact_ids:
                for name in PERSONAL_FIELDS:
                    if name in item and item[name] != ERASED:
                        item[name], erased = ERASED, True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return erased


def _json(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
