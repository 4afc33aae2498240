"""The notification feed: follows the ledger log and turns each transaction into its deliveries.

One delivery per (ledger transaction, channel, target) — an endpoint, or a partner for email —
inserted with ON CONFLICT DO NOTHING in the transaction that advances the feed's position: a
restart, a crash between the two or a replay from position 0 never makes a second one.
Not in the registry of read models: `ledger rebuild --all` and replays never touch it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from ledger.core.changes import PartnerAdmitted, ProgramSwitched, ProgramVersioned
from ledger.rules.periods import instant
from ledger.rules.postings import Posting
from projections.base import Logged, Projection, changes
from projections.bulk import append_rows
from projections.directory import version_from
from projections.notify.kinds import notices
from projections.notify.schema import DDL, FEED, SCHEMA

_STAGE = """CREATE TEMP TABLE IF NOT EXISTS notify_stage (position bigint, transaction_id uuid,
    recorded_at timestamptz, seq int, partner_id text, kind text, notice jsonb) ON COMMIT DROP"""
# The partner's program and that program's settings as of when the ledger recorded the transaction.
_GOVERNED = f"""FROM notify_stage c
    JOIN LATERAL (SELECT program_id FROM {SCHEMA}.memberships m WHERE m.partner_id = c.partner_id
                  ORDER BY m.effective_from <= c.recorded_at DESC, m.effective_from DESC, m.event_id DESC
                  LIMIT 1) m ON true
    JOIN LATERAL (SELECT kinds, email FROM {SCHEMA}.program_settings s WHERE s.program_id = m.program_id
                  ORDER BY s.version_from <= c.recorded_at DESC, s.version_from DESC, s.event_id DESC
                  LIMIT 1) s ON c.kind = ANY(s.kinds)"""
_BODY = ("jsonb_build_object('transaction_id', c.transaction_id, 'position', c.position, "
         "'notices', jsonb_agg(c.notice ORDER BY c.seq))")
_WEBHOOKS = f"""INSERT INTO {SCHEMA}.deliveries (position, transaction_id, channel, target, body)
    SELECT c.position, c.transaction_id, 'webhook', e.endpoint_id, {_BODY} {_GOVERNED}
    JOIN {SCHEMA}.endpoints e ON (e.partner_id = c.partner_id OR e.program_id = m.program_id)
         AND e.removed_at IS NULL AND e.since_position < c.position AND (e.kinds IS NULL OR c.kind = ANY(e.kinds))
    GROUP BY c.position, c.transaction_id, e.endpoint_id
    ON CONFLICT (transaction_id, channel, target) DO NOTHING"""
_EMAILS = f"""INSERT INTO {SCHEMA}.deliveries (position, transaction_id, channel, target, body)
    SELECT c.position, c.transaction_id, 'email', c.partner_id, {_BODY} {_GOVERNED} WHERE s.email
    GROUP BY c.position, c.transaction_id, c.partner_id
    ON CONFLICT (transaction_id, channel, target) DO NOTHING"""


class NotificationFeed(Projection):
    """Deliveries owed for each applied ledger transaction, by the settings of each partner's program."""

    name = FEED

    def ddl(self) -> list[str]:
        return list(DDL)

    def clear(self, curs: Cursor[Any]) -> None:
        # Its own copy of settings and memberships only: deliveries stay, so a replay resends nothing.
        for table in ("program_settings", "memberships"):
            curs.execute(f"DELETE FROM {SCHEMA}.{table}")

    def __init__(self) -> None:
        super().__init__()
        self._notifying = False  # once a program has notified anything, it may again: no need to ask

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        self._remember_settings(curs, entries)
        if not self._anything_notified(curs):  # the common case of a ledger that notifies nobody: free
            return
        staged = [(entry.position, entry.entry_id, instant(entry.record.recorded_us), number, notice.partner_id,
                   notice.kind, Jsonb(notice.document()))
                  for entry in entries
                  for number, notice in enumerate(notices(Posting(*row) for row in entry.record.postings))]
        if not staged:
            return
        curs.execute(_STAGE)
        with curs.copy("COPY notify_stage FROM STDIN") as copy:
            for row in staged:
                copy.write_row(row)
        curs.execute(_WEBHOOKS)
        curs.execute(_EMAILS)
        curs.execute("DELETE FROM notify_stage")

    def _anything_notified(self, curs: Cursor[Any]) -> bool:
        # Every delivery needs a notice kind the partner's program chose; no version of any program chose one.
        if not self._notifying:
            curs.execute(f"SELECT EXISTS (SELECT 1 FROM {SCHEMA}.program_settings WHERE kinds <> '{{}}')")
            row = curs.fetchone()
            self._notifying = bool(row and row[0])
        return self._notifying

    def _remember_settings(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        versions, memberships = [], []
        for _, change in changes(entries):
            if isinstance(change, ProgramVersioned):
                config = change.config
                versions.append((config["program_id"], version_from(config), config["event_id"],
                                 list(config.get("notify") or []), bool(config.get("notify_email", False))))
            elif isinstance(change, PartnerAdmitted | ProgramSwitched):
                memberships.append((change.partner_id, instant(change.at_us), change.event_id, change.program_id))
        append_rows(curs, "program_settings", versions, SCHEMA)
        append_rows(curs, "memberships", memberships, SCHEMA)

