"""`partners` and `programs`: who is in which program, recruited by whom, and each program's settings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Cursor

from ledger.partner import Partner
from ledger.program import Program
from projections.base import Projection
from projections.rowset import RowSet
from projections.tracking import SCHEMA

PARTNER_COLUMNS = ("aggregate_id", "partner_id", "name", "program_id", "program_since", "recruited_by", "joined_at")
PROGRAM_COLUMNS = ("program_id", "name", "version_from", "referral_info", "show_declines", "show_purchase_history",
                   "hold_days", "tiers")


class PartnerDirectory(Projection):
    """Partners (current program, recruiter) and programs (settings of their latest version)."""

    name = "partner_directory"
    event_classes = (Partner.Joined, Partner.ProgramChanged, Program.Configured, Program.Reconfigured)

    def ddl(self) -> list[str]:
        return [
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.partners (
                aggregate_id text PRIMARY KEY, partner_id text NOT NULL UNIQUE, name text NOT NULL,
                program_id text NOT NULL, program_since timestamptz NOT NULL, recruited_by text,
                joined_at timestamptz NOT NULL)""",
            f"""CREATE TABLE IF NOT EXISTS {SCHEMA}.programs (
                program_id text PRIMARY KEY, name text NOT NULL, version_from timestamptz NOT NULL,
                referral_info text NOT NULL, show_declines boolean NOT NULL, show_purchase_history boolean NOT NULL,
                hold_days int NOT NULL, tiers jsonb NOT NULL)""",
        ]

    def clear(self, curs: Cursor[Any]) -> None:
        curs.execute(f"DELETE FROM {SCHEMA}.partners")
        curs.execute(f"DELETE FROM {SCHEMA}.programs")

    def apply(self, curs: Cursor[Any], events: Sequence[Any]) -> None:
        partners = RowSet("partners", "aggregate_id", PARTNER_COLUMNS)
        programs = RowSet("programs", "program_id", PROGRAM_COLUMNS)
        partners.load(curs, (str(e.originator_id) for e in events if isinstance(e, Partner.ProgramChanged)))
        programs.load(curs, (e.terms["program_id"] for e in events if hasattr(e, "terms")))
        for event in events:
            if isinstance(event, Partner.Joined):
                partners.put({"aggregate_id": str(event.originator_id), "partner_id": event.partner_id,
                              "name": event.name, "program_id": event.program_id, "program_since": event.joined_at,
                              "recruited_by": event.recruited_by, "joined_at": event.joined_at})
            elif isinstance(event, Partner.ProgramChanged):
                row = partners.get(str(event.originator_id))
                if row is not None and event.effective_at >= row["program_since"]:
                    partners.put(row | {"program_id": event.program_id, "program_since": event.effective_at})
            else:
                _program_version(programs, event.terms)
        partners.flush(curs)
        programs.flush(curs)


def _program_version(programs: RowSet, terms: dict[str, Any]) -> None:
    from datetime import datetime

    from psycopg.types.json import Jsonb

    effective = datetime.fromisoformat(terms["occurred_at"].replace("Z", "+00:00"))
    current = programs.get(terms["program_id"])
    if current is not None and current["version_from"] > effective:
        return
    programs.put({"program_id": terms["program_id"], "name": terms["name"], "version_from": effective,
                  "referral_info": terms["referral_info"], "show_declines": terms["show_declines"],
                  "show_purchase_history": terms["show_purchase_history"], "hold_days": terms["hold_days"],
                  "tiers": Jsonb(terms["tiers"])})
