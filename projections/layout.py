"""The read models' table layout: a version, so that an upgrade that changes it rebuilds them from the log."""

from __future__ import annotations

from typing import Any

from psycopg import Cursor

from ledger.store.schema import balances_ddl
from projections.tracking import SCHEMA

# 2: the log of one entry per decision (rows keyed by sale, partner and position)
# 3: statement_lines mark a re-priced sale's correction lines (detail 'correction'): rebuilt once
# 4: program_versions gains show_leaderboard_names and milestones (added by the projection's DDL): the
#    directory is re-read
LAYOUT = 4
# Projections whose rows changed in a layout, by that layout: (projection, the tables it keeps).
RENEWED = {3: (("statement_lines", ("statement_lines",)),),
           4: (("partner_directory", ("partner_rows", "partner_memberships", "program_versions")),)}
DROPPED = ("partner_rows", "partner_memberships", "program_versions", "sales", "declines", "customer_contacts",
           "commission_lines", "milestone_progress_rows", "statement_lines", "partner_balances")
VIEWS = ("partner_referrals", "partner_activity", "leaderboard", "partner_period_totals", "second_tier_attribution",
         "milestone_progress", "partners", "programs")


def upgrade_layout(curs: Cursor[Any]) -> None:
    """Drop read models of the first layout (they are rebuilt from position 0) and record this one."""
    curs.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.layout (id int PRIMARY KEY CHECK (id = 1), version int NOT NULL)")
    curs.execute(f"SELECT version FROM {SCHEMA}.layout WHERE id = 1")
    row = curs.fetchone()
    if row is not None and row[0] >= LAYOUT:
        return
    if row is not None and row[0] >= 2:
        _renew(curs, row[0])  # not _drop_older: that would empty the writer's partner_balances
    else:
        curs.execute(f"SELECT to_regclass('{SCHEMA}.partner_rows') IS NOT NULL")
        older = curs.fetchone()
        if older is not None and older[0]:
            _drop_older(curs)
    curs.execute(f"INSERT INTO {SCHEMA}.layout (id, version) VALUES (1, %s) ON CONFLICT (id) DO UPDATE "
                 "SET version = EXCLUDED.version", (LAYOUT,))


def _drop_older(curs: Cursor[Any]) -> None:
    for view in VIEWS:
        curs.execute(f"DROP VIEW IF EXISTS {SCHEMA}.{view} CASCADE")
    for table in DROPPED:
        curs.execute(f"DROP TABLE IF EXISTS {SCHEMA}.{table} CASCADE")
    curs.execute(f"DELETE FROM {SCHEMA}.tracking")
    for statement in balances_ddl():
        curs.execute(statement)


def _renew(curs: Cursor[Any], since: int) -> None:
    # Rows whose meaning changed after layout `since` are emptied; the runner refills them from position 0.
    for version, projections in sorted(RENEWED.items()):
        for projection, tables in projections if version > since else ():
            for table in tables:
                curs.execute(f"DELETE FROM {SCHEMA}.{table}")
            curs.execute(f"DELETE FROM {SCHEMA}.tracking WHERE projection = %s", (projection,))
