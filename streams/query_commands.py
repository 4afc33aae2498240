"""`ledger partners | leaderboard | milestones | downline | statement`: the projections from a terminal."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import RenderableType
from rich.table import Table

from projections import queries
from projections.leaderboard_period import PeriodError, leaderboard_period
from streams.cli_support import console, database, friendly_errors
from streams.display import fitted, format_money, safe
from streams.partner_check import nothing_yet, require_partner
from streams.statement_commands import statement

MONEY = {"amount", "revenue", "commission", "recruit_revenue", "commission_earned", "commission_reversed",
         "commission_net", "bonus_amount", "pending", "available", "paid"}
IDS = {"recruited_by", "period"}  # besides every *_id column
as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON (money as integer minor units).")


def show(rows: list[dict[str, Any]], title: str, json_out: bool) -> None:
    """Rows as JSON, or as an aligned table with money in major units."""
    if json_out:
        click.echo(json.dumps(rows, default=str))
        return
    if not rows:
        console.print(f"{title}: nothing yet (`ledger status` shows whether the ledger is caught up)")
        return
    console.print(rows_table(rows, title, console.width))


def rows_table(rows: list[dict[str, Any]], title: str, width: int) -> RenderableType:
    """An aligned table of the rows in `width`, or one block per row where ids would not fit whole."""
    table = Table(title=title)
    for column in rows[0]:
        # Ids and money are never cut or broken; other text wraps.
        table.add_column(column, justify="right" if column in MONEY else "left",
                         no_wrap=column in MONEY or column in IDS or column.endswith("_id"))
    for row in rows:
        currency = row.get("currency") or row.get("bonus_currency") or "USD"
        table.add_row(*(format_money(v, currency) if k in MONEY and isinstance(v, int) else ("" if v is None else safe(v))
                        for k, v in row.items()))
    return fitted(table, width)


@click.command()
@as_json
def partners(as_json: bool) -> None:
    """Every partner: program, recruiter, joined."""
    with friendly_errors(), database() as conn:
        rows = queries.rows_as_dicts(conn, "SELECT partner_id, name, program_id, recruited_by, joined_at "
                                           "FROM projections.partners ORDER BY partner_id")
    show(rows, "Partners", as_json)


@click.command()
@click.option("--by", type=click.Choice(["revenue", "sales", "commission"]), default="revenue", show_default=True)
@click.option("--period", default="lifetime", show_default=True, help="lifetime, a month (2026-03) or a quarter (2026-Q1)")
@click.option("--currency", default="USD", show_default=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000))
@as_json
def leaderboard(by: str, period: str, currency: str, limit: int, as_json: bool) -> None:
    """Partners ranked by revenue, sales or commission for a period."""
    try:
        kind, period = leaderboard_period(period)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from exc
    with friendly_errors(), database() as conn:
        rows = queries.leaderboard(conn, kind, period, by, currency, None, limit)
    show(rows, f"Leaderboard by {by}, {period}", as_json)


def _partner_view(name: str, view: str, column: str, title: str, doc: str) -> click.Command:
    """A command printing one partner's rows of a projections view."""
    def read(partner: str, as_json: bool) -> None:
        with friendly_errors(), database() as conn:
            require_partner(conn, partner)
            rows = queries.for_partner(conn, view, column, partner)
        if rows or as_json:
            show(rows, f"{title} {safe(partner)}", as_json)
        else:
            nothing_yet(partner, name)
    read.__doc__ = doc
    return click.command(name)(click.argument("partner")(as_json(read)))


milestones = _partner_view("milestones", "milestone_progress", "partner_id", "Milestones of",
                           "A partner's progress on every milestone and period.")
downline = _partner_view("downline", "second_tier_attribution", "recruiter_id", "Downline of",
                         "A partner's recruits and what the partner earned from them above level 1.")


COMMANDS = (partners, leaderboard, milestones, downline, statement)
