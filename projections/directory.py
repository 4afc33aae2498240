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

from ledger.partner import Partner
from ledger.program import Program
from projections.base import Projection
from projections.bulk import write_rows
from projections.tracking import SCHEMA


class PartnerDirectory(Projection):
    """Partners with their membership history, and programs with every version of their settings."""

    name = "partner_directory"
    event_classes = (Partner.Joined, Partner.ProgramChanged, Program.Configured, Program.Reconfigured)

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.partner_rows (
                aggregate_id text PRIMARY KEY, partner_id text NOT NULL UNIQUE, name text NOT NULL,
                recruited_by text, joined_at timestamptz NOT NULL)""",
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.partner_memberships (
                aggregate_id text NOT NULL, effective_from timestamptz NOT NULL, event_id text NOT NULL,
                program_id text NOT NULL, PRIMARY KEY (aggregate_id, effective_from, event_id))""",
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.program_versions (
                program_id text NOT NULL, version_from timestamptz NOT NULL, event_id text NOT NULL, name text NOT NULL,
                referral_info text NOT NULL, show_declines boolean NOT NULL, show_purchase_history boolean NOT NULL,
                hold_days int NOT NULL, tiers jsonb NOT NULL, PRIMARY KEY (program_id, version_from, event_id))""",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        for table in ("partner_rows", "partner_memberships", "program_versions"):
            curs.execute(f"DELETE FROM {SCHEMA}.{table}")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        partners, memberships, versions = [], [], []
        for event in events:
            if isinstance(event, Partner.Joined):
                partners.append((str(event.originator_id), event.partner_id, event.name, event.recruited_by,
                                 event.joined_at))
                memberships.append((str(event.originator_id), event.joined_at, event.event_id, event.program_id))
            elif isinstance(event, Partner.ProgramChanged):
                memberships.append((str(event.originator_id), event.effective_at, event.event_id, event.program_id))
            else:
                versions.append(_version(event.terms))
        write_rows(curs, "partner_rows", partners)
        write_rows(curs, "partner_memberships", memberships)
        write_rows(curs, "program_versions", versions)


def _version(terms: dict[str, Any]) -> tuple[Any, ...]:
    effective = datetime.fromisoformat(terms["occurred_at"].replace("Z", "+00:00"))
    return (terms["program_id"], effective, terms["event_id"], terms["name"], terms["referral_info"],
            terms["show_declines"], terms["show_purchase_history"], terms["hold_days"], Jsonb(terms["tiers"]))
