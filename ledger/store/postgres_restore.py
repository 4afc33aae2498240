"""The writer's state after a restart: the fold of the stored log, parked events joined with their personal data."""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresDatastore

from ledger.core.clock import Mark, PartitionKey
from ledger.core.state import State
from ledger.core.waiting import Waiter, Waiting
from ledger.rules.periods import micros
from ledger.store import codec, snapshot
from ledger.store.paged import PostgresPager
from ledger.store.port import Restored
from ledger.store.replay import replay, sale_ids
from ledger.store.schema import LOG_TABLE

READ_AHEAD = 10_000  # log rows fetched per round trip


def restore(datastore: PostgresDatastore, sql: Any) -> Restored:
    """The latest snapshot, then every stored decision after it, in log order."""
    state, waiting, position = State(), Waiting(), 0
    found = _latest_snapshot(datastore, sql)
    if found is not None:
        position, (state, waiting, _, _) = found
    else:  # sales paged out belong to a snapshot this version cannot read: the whole log is replayed
        with datastore.transaction(commit=True) as curs:
            curs.execute(sql("TRUNCATE {}.paged_sales"))
    state.pager = PostgresPager(datastore, sql)
    with datastore.get_connection() as conn, conn.transaction(), conn.cursor(name="restore") as curs:
        curs.itersize = READ_AHEAD
        curs.execute(sql(f"SELECT state FROM {{}}.{LOG_TABLE} WHERE notification_id > %s ORDER BY notification_id"),
                     (position,))
        while rows := curs.fetchmany(READ_AHEAD):
            records = [codec.decode(bytes(row["state"])) for row in rows]
            state.page_in(sale_ids(c for r in records for c in r.changes))  # one round trip for the chunk
            for record in records:
                _replay(state, waiting, record)
    # Events parked in the snapshot and in the replayed tail are stripped: joined again with their data.
    _join_personal_data(datastore, sql, waiting)
    marks, latest = _positions(datastore, sql)
    return Restored(state, waiting, marks, latest)


def _latest_snapshot(datastore: PostgresDatastore, sql: Any) -> tuple[int, Any] | None:
    with datastore.transaction(commit=False) as curs:
        curs.execute(sql("SELECT position, body FROM {}.snapshots ORDER BY position DESC LIMIT 1"))
        row = curs.fetchone()
    if row is None:
        return None
    loaded = snapshot.load(bytes(row["body"]))
    return (int(row["position"]), loaded) if loaded is not None else None


def _replay(state: State, waiting: Waiting, record: codec.Record) -> None:
    # The event of a parked one is joined with its personal data once the replay is over; until then
    # it is its stripped form.
    def waiter_of(earlier: Waiter | None) -> Waiter:
        return Waiter(codec.Stripped(record.event or {}), b"", codec.source_of(record), record.digest or b"",
                      record.at_us, earlier.parked_wall_us if earlier else record.recorded_us)
    replay(state, waiting, record.key, record.version, codec.decision_of(record), waiter_of)


def _join_personal_data(datastore: PostgresDatastore, sql: Any, waiting: Waiting) -> None:
    waiters = [w for w in waiting.by_id.values() if isinstance(w.event, codec.Stripped)]
    if not waiters:
        return
    plain = [w.event.plain for w in waiters]
    contacts = [p["customer"]["contact_id"] for p in plain if "customer" in p]
    partners = [p["partner_id"] for p in plain if p.get("type") == "partner.joined"]
    with datastore.transaction(commit=False) as curs:
        curs.execute(sql("SELECT kind, id, first_name, last_name, email FROM {}.personal_data WHERE "
                         "(kind = 'contact' AND id = ANY(%s)) OR (kind = 'partner' AND id = ANY(%s))"),
                     (contacts, partners))
        personal = {(r["kind"], r["id"]): _fields(r) for r in curs.fetchall()}
        curs.execute(sql("SELECT event_id, payload FROM {}.parked_messages WHERE event_id = ANY(%s)"),
                     ([w.event.event_id for w in waiters],))
        raws = {r["event_id"]: bytes(r["payload"]) for r in curs.fetchall()}
    for waiter in waiters:
        waiter.event = codec.rejoin(waiter.event.plain, personal)
        waiter.raw = raws.get(waiter.event.event_id, b"")


def _fields(row: Any) -> dict[str, str]:
    if row["kind"] == "partner":
        return {"email": row["email"]}
    return {"first_name": row["first_name"], "last_name": row["last_name"], "email": row["email"]}


def _positions(datastore: PostgresDatastore, sql: Any) -> tuple[dict[PartitionKey, Mark], int | None]:
    with datastore.transaction(commit=False) as curs:
        curs.execute(sql('SELECT cluster, topic, partition, "offset", event_time, backlog FROM {}.source_positions'))
        marks = {(r["cluster"], r["topic"], r["partition"]): Mark(
            r["offset"], micros(r["event_time"]) if r["event_time"] else None, r["backlog"]) for r in curs.fetchall()}
        curs.execute(sql("SELECT watermark FROM {}.event_clock WHERE id = 1"))
        row = curs.fetchone()
    return marks, micros(row["watermark"]) if row else None
