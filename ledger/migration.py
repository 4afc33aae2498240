"""`ledger migrate`: a ledger of the first layout decided again into this one, and checked against it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from ledger.core.decision import Refused
from ledger.core.messages import Entry, Received, Source
from ledger.errors import LedgerError
from ledger.rules.postings import account_owner
from ledger.store import first_layout
from ledger.store.port import Written
from ledger.store.postgres import PostgresStore
from ledger.writer import LedgerWriter, received
from schemas.reasons import Reason

BATCH = 1000
Say = Callable[[str], None]


class MigrationError(LedgerError):
    """The ledger cannot be migrated (nothing to migrate, already migrated, or the money differs)."""


@dataclass
class MigrationReport:
    """What the migration decided, and whether the money is the earlier ledger's."""

    inputs: int = 0
    refused_before: int = 0
    parked: int = 0
    balances: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # (unpaid, paid)
    differences: list[str] = field(default_factory=list)


def migrate(env: dict[str, str], say: Say) -> MigrationReport:
    """Decide the first layout's inputs again, in its order, into this layout; then compare the balances."""
    store = PostgresStore.connect(env, migrating=True)
    try:
        _check_migratable(store)
        store.claim()
        writer = LedgerWriter(store)
        report = MigrationReport()
        for batch in _batches(_history(store)):
            writer.apply(batch)
            report.inputs += len(batch)
            say(f"decided {report.inputs:,} inputs again")
        report.refused_before = _refused_before(store, writer)
        report.parked = _parked_before(store, writer)
        while writer.mature(time.time_ns() // 1000):
            pass
        _compare(store, writer, report)
        return report
    finally:
        store.close()


def _fetch(store: PostgresStore, statement: str) -> list[Any]:
    with store.datastore.transaction(commit=False) as curs:
        curs.execute(store.sql(statement))
        return curs.fetchall()


def _check_migratable(store: PostgresStore) -> None:
    found = _fetch(store, "SELECT to_regclass('{0}.ledger_events') IS NOT NULL AS old, "
                          "EXISTS (SELECT 1 FROM {0}.entries) AS migrated")[0]
    if not found["old"]:
        raise MigrationError("nothing to migrate: this database holds no ledger of the first layout")
    if found["migrated"]:
        raise MigrationError("this ledger was migrated already (ledger.entries is not empty)")


def _history(store: PostgresStore) -> Iterator[dict[str, Any]]:
    payouts = {first_layout.transaction_id(r["event_id"]): r["event_id"]
               for r in _fetch(store, "SELECT event_id FROM {}.inbox WHERE type = 'payout.sent'")}
    with store.datastore.get_connection() as conn, conn.transaction(), conn.cursor(name="first_layout") as curs:
        curs.itersize = 10_000
        curs.execute(store.sql("SELECT originator_id, topic, state FROM {}.ledger_events ORDER BY notification_id"))
        rows = ((r["originator_id"], r["topic"], bytes(r["state"])) for r in curs)
        yield from first_layout.inputs(rows, payouts)


def _batches(events: Iterator[dict[str, Any]]) -> Iterator[list[Received]]:
    batch: list[Received] = []
    for event in events:
        batch.append(_received(event))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _received(event: dict[str, Any]) -> Received:
    if "email_digest" not in event:
        return received(orjson.dumps(event))
    # A join keeps the digest the first layout kept; its body cannot be compared with a redelivery's.
    raw = orjson.dumps({k: v for k, v in event.items() if k != "email_digest"})
    return Received(msgspec.convert(event, first_layout.MigratedJoin), raw, None, None)


def _refused_before(store: PostgresStore, writer: LedgerWriter) -> int:
    """Events the first layout refused are recorded as refused, so that a redelivery is a repeat."""
    rows = _fetch(store, "SELECT i.event_id, i.type, i.source_topic, i.source_partition, i.source_offset, "
                         "d.reason, d.detail FROM {0}.inbox i LEFT JOIN LATERAL (SELECT reason, detail FROM "
                         "{0}.dead_letters WHERE event_id = i.event_id ORDER BY id LIMIT 1) d ON true "
                         "WHERE i.outcome = 'rejected'")
    entries = [Entry(r["event_id"], 1, r["type"], "refused", 0,
                     Refused(Reason(r["reason"] or Reason.PROCESSING_ERROR.value), r["detail"] or "refused before"),
                     Source(r["source_topic"], r["source_partition"], r["source_offset"]) if r["source_topic"] else None,
                     None, None, b"") for r in rows if not store.seen([r["event_id"]])]
    if entries:
        writer.commit(Written(entries=entries, recorded_us=time.time_ns() // 1000))
    return len(entries)


def _parked_before(store: PostgresStore, writer: LedgerWriter) -> int:
    """Events the first layout held for a prerequisite wait again here, with their original bytes."""
    rows = _fetch(store, "SELECT payload, source_topic, source_partition, source_offset, source_cluster "
                         "FROM {}.parked ORDER BY occurred_at, event_id")
    items = [received(bytes(r["payload"]), Source(r["source_topic"], r["source_partition"], r["source_offset"],
                                                  r["source_cluster"] or "") if r["source_topic"] else None)
             for r in rows]
    if items:
        writer.apply(items)
    return len(items)


def _compare(store: PostgresStore, writer: LedgerWriter, report: MigrationReport) -> None:
    before: dict[tuple[str, str], list[int]] = {}
    for row in _fetch(store, "SELECT state FROM {}.ledger_events WHERE topic LIKE 'ledger.partner:Partner.%%'"):
        for posting in orjson.loads(bytes(row["state"])).get("postings", []):
            for account, sign in ((posting["destination"], 1), (posting["source"], -1)):
                owner = account_owner(account)
                if owner is not None:
                    amounts = before.setdefault((owner[0], posting["currency"]), [0, 0])
                    amounts[owner[1] == "paid"] += sign * posting["amount"]
    after = {(p, c): (b[0] + b[1], b[2]) for p, partner in writer.state.partners.items()
             for c, b in partner.balances.items()}
    report.balances = after
    for key in sorted(set(before) | set(after)):
        was, now = tuple(before.get(key, (0, 0))), after.get(key, (0, 0))
        if was != now:
            report.differences.append(f"{key[0]} {key[1]}: unpaid and paid {was} before, {now} now")
