"""Forgetting a customer: their personal data deleted, a tombstone kept, stored message bytes scrubbed.

The log holds no names or emails (ledger/store/codec.py), so erasing touches no log row and the
hash chain still verifies. The tombstone (the contact id and when, nothing else) makes the writer
skip the contact's personal data from then on, in messages redelivered or sent later.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import Cursor

from ledger.core.messages import DeadLetter
from ledger.store import scrub

Sql = Any  # a callable turning text with `{}` for the ledger schema into a statement


@dataclass(frozen=True)
class Forgotten:
    """What forgetting one customer erased (counts only, never the data)."""

    contact_id: str
    known: bool  # anything of the customer was found, or a tombstone was there already
    personal_rows: int = 0
    dead_letters: int = 0
    parked_messages: int = 0
    snapshots: int = 0
    erased_before: datetime | None = None


def forget(curs: Cursor[Any], sql: Sql, contact_id: str) -> Forgotten:
    """Erase one customer's personal data, inside the caller's transaction; `known` False changes nothing."""
    # The writer takes this row at the start of each batch: no batch writes the contact's data
    # between the tombstone and the scrub, and every batch after sees the tombstone.
    curs.execute(sql("SELECT 1 FROM {}.writer WHERE id = 1 FOR UPDATE"))
    curs.execute(sql("SELECT first_name, last_name, email FROM {}.personal_data WHERE kind = 'contact' AND id = %s "
                     "FOR UPDATE"), (contact_id,))
    row = curs.fetchone()
    fields = {name: row[name] for name in scrub.PERSONAL_FIELDS} if row else {}
    curs.execute(sql("SELECT erased_at FROM {}.erased_contacts WHERE contact_id = %s"), (contact_id,))
    tomb = curs.fetchone()
    found = [contact_id.encode(), *scrub.needles(fields)]
    letters = _scrub_table(curs, sql, "dead_letters", "id", contact_id, fields, found)
    parked = _scrub_table(curs, sql, "parked_messages", "event_id", contact_id, fields, found)
    snapshots = _drop_snapshots_holding(curs, sql, scrub.needles(fields))
    if row is None and tomb is None and not (letters or parked or snapshots):
        return Forgotten(contact_id, known=False)
    curs.execute(sql("DELETE FROM {}.personal_data WHERE kind = 'contact' AND id = %s"), (contact_id,))
    curs.execute(sql("INSERT INTO {}.erased_contacts (contact_id) VALUES (%s) ON CONFLICT DO NOTHING"), (contact_id,))
    return Forgotten(contact_id, True, int(row is not None), letters, parked, snapshots,
                     tomb["erased_at"] if tomb else None)


def _scrub_table(curs: Cursor[Any], sql: Sql, table: str, key: str, contact_id: str, fields: dict[str, str],
                 found: list[bytes]) -> int:
    """Scrub the payloads (and a dead letter's detail) of one table's rows that may name the customer."""
    detail = ", detail" if table == "dead_letters" else ""
    curs.execute(sql(f"SELECT {key} AS key, payload{detail} FROM {{}}.{table} WHERE EXISTS (SELECT 1 FROM "
                     "unnest(%s::bytea[]) n WHERE position(n IN payload) > 0"
                     + (" OR position(convert_from(n, 'UTF8') IN detail) > 0)" if detail else ")") + " FOR UPDATE"),
                 (found,))
    changed = 0
    for row in curs.fetchall():
        payload = scrub.scrub(bytes(row["payload"]), {contact_id}, fields)
        text = scrub.scrub_text(row["detail"], fields) if detail else None
        if payload != bytes(row["payload"]) or (detail and text != row["detail"]):
            assignments = "payload = %s" + (", detail = %s" if detail else "")
            curs.execute(sql(f"UPDATE {{}}.{table} SET {assignments} WHERE {key} = %s"),
                         (payload, *((text,) if detail else ()), row["key"]))
            changed += 1
    return changed


def _drop_snapshots_holding(curs: Cursor[Any], sql: Sql, found: list[bytes]) -> int:
    """Delete every snapshot if one holds the customer (one taken by an earlier version): the writer replays."""
    if not found:
        return 0
    curs.execute(sql("SELECT position, body FROM {}.snapshots"))
    bodies = [zlib.decompress(bytes(r["body"])) for r in curs.fetchall()]
    if not any(needle in body for body in bodies for needle in found):
        return 0
    # All of them: the paged-out sales belong to the latest one, and are dropped with it on restore.
    curs.execute(sql("DELETE FROM {}.snapshots"))
    return len(bodies)


def erased_among(curs: Cursor[Any], sql: Sql, contact_ids: set[str]) -> set[str]:
    """Which of these contacts were forgotten."""
    if not contact_ids:
        return set()
    curs.execute(sql("SELECT contact_id FROM {}.erased_contacts WHERE contact_id = ANY(%s)"), (sorted(contact_ids),))
    return {r["contact_id"] for r in curs.fetchall()}


def keep_out(curs: Cursor[Any], sql: Sql, letters: Sequence[DeadLetter],
             parked: dict[str, bytes]) -> tuple[list[DeadLetter], dict[str, bytes]]:
    """A batch's dead letters and parked messages, with the personal data of forgotten customers erased."""
    named = {c for raw in [*(d.raw for d in letters), *parked.values()] for c in scrub.named_contacts(raw)}
    erased = erased_among(curs, sql, named)
    if not erased:
        return list(letters), parked
    return ([d._replace(raw=scrub.scrub(d.raw, erased)) for d in letters],
            {key: scrub.scrub(raw, erased) for key, raw in parked.items()})
