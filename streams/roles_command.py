"""`ledger roles`: which application roles exist, whether any could edit the log, and what each may do."""

from __future__ import annotations

import json
import os
from typing import Any

import click
from rich.table import Table

from ledger.store import roles
from streams.cli_support import console, database, friendly_errors
from streams.role_urls import ENV, application_urls, user_of
from streams.services import services
from streams.settings import Settings


def role_names() -> dict[str, str]:
    """Each kind's role: the user of its LEDGER_*_URL if set, else the role the ledger makes."""
    return {kind: user_of(os.environ[ENV[kind]]) if os.environ.get(ENV[kind]) else name
            for kind, name in roles.NAMES.items()}


@click.command("roles")
@click.option("--json", "as_json", is_flag=True, help="One object per role.")
def roles_command(as_json: bool) -> None:
    """The worker's, projections' and API's database roles and their privileges (run as the owner)."""
    with friendly_errors(), database() as conn:
        report = [_report(conn, kind, name) for kind, name in role_names().items()]
    if as_json:
        click.echo(json.dumps(report))
        return
    table = Table("part", "role", "exists", "privileged", "owns", "may")
    for row in report:
        may = "\n".join(f"{t}: {', '.join(p)}" for t, p in row["privileges"].items()) or "-"
        table.add_row(row["kind"], row["role"], _yes(row["exists"]), _yes(row["privileged"]), str(row["owns"]), may)
    console.print(table)
    if any(row["privileged"] or row["owns"] or not row["exists"] for row in report):
        console.print("[yellow]a role is missing, privileged or owns tables:[/yellow] `ledger run` makes and "
                      "grants the roles when DATABASE_URL may create roles; else see README 'Database roles'.")


def _report(conn: Any, kind: str, name: str) -> dict[str, Any]:
    found = roles.facts(conn, name)
    return {"kind": kind, "role": name, "exists": found.exists, "privileged": found.privileged, "owns": found.owns,
            "privileges": roles.privileges(conn, name)}


def _yes(value: bool) -> str:
    return "yes" if value else "no"


@click.command("provision")
def provision_command() -> None:
    """As the owner (DATABASE_URL): create every table, the application roles and their grants, then stop.

    After it, `ledger run` may be given only LEDGER_WRITER_URL, LEDGER_PROJECTOR_URL and LEDGER_API_URL.
    Run it again after each upgrade: new tables get their grants.
    """
    with friendly_errors(), services(Settings(), broker="skip") as found:
        urls = application_urls(found.database_url, found.settings.home)
    for kind in ENV:
        console.print(f"{kind:<10} connects as {user_of(getattr(urls, kind))}")
