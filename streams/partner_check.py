"""What a partner command says when the id is unknown, and when a known partner has nothing yet."""

from __future__ import annotations

import sys
from typing import Any

import psycopg

from projections.partner_lookup import partner_known
from streams.cli_support import console, err
from streams.display import safe


def require_partner(conn: psycopg.Connection[Any], partner: str) -> None:
    """Exit 1 with what to do when the ledger has never seen `partner` (a mistyped id, most often)."""
    if not partner_known(conn, partner):
        err.print(f"[red]error:[/red] no partner {safe(repr(partner))} in this ledger (check the id; "
                  "`ledger partners` lists them)")
        sys.exit(1)


def nothing_yet(partner: str, what: str) -> None:
    """A known partner without any of `what`: not an error, but say so rather than print an empty table."""
    console.print(f"partner {safe(repr(partner))} has no {what} yet "
                  "(`ledger status` shows whether the ledger is caught up)")
