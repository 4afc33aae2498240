"""`partners` and `programs`: who is in which program now, recruited by whom, and each program's settings.

Every version and every membership is kept, so a version or a program change dated in the future
takes effect (in the views) only when its time comes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import Cursor
from psycopg.types.json import Jsonb

from ledger.core.changes import PartnerAdmitted, ProgramSwitched, ProgramVersioned
from ledger.rules.periods import instant
from projections.base import Logged, Projection, changes
from projections.bulk import append_rows


class PartnerDirectory(Projection):
    """Partners with their membership history, and programs with every version of their settings."""

    name = "partner_directory"

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.partner_rows (
                partner_id text PRIMARY KEY, name text NOT NULL, recruited_by text, joined_at timestamptz NOT NULL)""",
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.partner_memberships (
                partner_id text NOT NULL, effective_from timestamptz NOT NULL, event_id text NOT NULL,
                program_id text NOT NULL, PRIMARY KEY (partner_id, effective_from, event_id))""",
            f"""CREATE TABLE IF NOT EXISTS {self.schema}.program_versions (
                program_id text NOT NULL, version_from timestamptz NOT NULL, event_id text NOT NULL, name text NOT NULL,
                referral_info text NOT NULL, show_declines boolean NOT NULL, show_purchase_history boolean NOT NULL,
                hold_days int NOT NULL, tiers jsonb NOT NULL, show_leaderboard_names boolean NOT NULL DEFAULT false,
                milestones jsonb NOT NULL DEFAULT '[]', notify text[] NOT NULL DEFAULT '{{}}',
                notify_email boolean NOT NULL DEFAULT false, PRIMARY KEY (program_id, version_from, event_id))""",
            # Layout 4 (projections/layout.py) added these; an older table gets them and is refilled from position 0.
            f"""ALTER TABLE {self.schema}.program_versions
                ADD COLUMN IF NOT EXISTS show_leaderboard_names boolean NOT NULL DEFAULT false,
                ADD COLUMN IF NOT EXISTS milestones jsonb NOT NULL DEFAULT '[]',
                ADD COLUMN IF NOT EXISTS notify text[] NOT NULL DEFAULT '{{}}',
                ADD COLUMN IF NOT EXISTS notify_email boolean NOT NULL DEFAULT false""",
            # A partner's recruits (the downline) and `GET /partners?recruited_by=`.
            f"CREATE INDEX IF NOT EXISTS partner_rows_recruiter ON {self.schema}.partner_rows (recruited_by)",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        for table in ("partner_rows", "partner_memberships", "program_versions"):
            curs.execute(f"DELETE FROM {self.schema}.{table}")

    def apply(self, curs: Cursor[Any], entries: Sequence[Logged]) -> None:
        partners, memberships, versions = [], [], []
        for _, change in changes(entries):
            if isinstance(change, PartnerAdmitted):
                joined = instant(change.at_us)
                partners.append((change.partner_id, change.name, change.recruited_by, joined))
                memberships.append((change.partner_id, joined, change.event_id, change.program_id))
            elif isinstance(change, ProgramSwitched):
                memberships.append((change.partner_id, instant(change.at_us), change.event_id, change.program_id))
            elif isinstance(change, ProgramVersioned):
                versions.append(_version(change.config))
        append_rows(curs, "partner_rows", partners, self.schema)
        append_rows(curs, "partner_memberships", memberships, self.schema)
        append_rows(curs, "program_versions", versions, self.schema)


def version_from(config: dict[str, Any]) -> datetime:
    """When a program version takes effect: its event's time (a datetime, or RFC 3339 text in older records)."""
    effective = config["occurred_at"]
    return effective if isinstance(effective, datetime) else datetime.fromisoformat(
        str(effective).replace("Z", "+00:00"))


def _version(config: dict[str, Any]) -> tuple[Any, ...]:
    return (config["program_id"], version_from(config), config["event_id"], config["name"], config.get("referral_info", "none"),
            config.get("show_declines", False), config.get("show_purchase_history", False),
            config.get("hold_days", 0), Jsonb(config["tiers"]), config.get("show_leaderboard_names", False),
            Jsonb(config.get("milestones") or []), list(config.get("notify") or []), config.get("notify_email", False))
