"""`ledger statement`: a partner's opening balance, every line with its cause and running balance, closing."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click
import psycopg
from rich import box
from rich.console import RenderableType
from rich.progress import Progress
from rich.table import Table

from ledger.rules.statement import BASES, Period
from ledger.store.proofs import attach_proofs
from projections import statement_export, statements
from projections.queries import balance_document
from schemas.bounds import TIME_RANGE, in_year_range
from streams.cli_support import console, database, err, friendly_errors
from streams.display import balances_table, fits, fitted, format_money, safe, vertical
from streams.partner_check import nothing_yet, require_partner

LARGE = 10_000  # lines past which an export shows its progress on stderr


class UtcTime(click.ParamType):
    """An ISO-8601 date or time; without an offset it is UTC."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            when = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a time: use 2026-03-01 or 2026-03-01T12:00:00Z", param, ctx)
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        if not in_year_range(when):
            self.fail(f"times must be {TIME_RANGE}", param, ctx)
        return when.astimezone(UTC)


TIME = UtcTime()


@click.command()
@click.argument("partner")
@click.option("--from", "start", type=TIME, required=True, help="First instant (inclusive, UTC), e.g. 2026-03-01")
@click.option("--to", "end", type=TIME, default=None, help="End (exclusive, UTC), e.g. 2026-04-01; default now")
@click.option("--currency", default="USD", show_default=True, help="The statement's currency.")
@click.option("--basis", type=click.Choice(BASES), default="occurred", show_default=True,
              help="occurred: lines by event time (as of); recorded: by when the ledger recorded them (as known at).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: opening row, one row per line, closing row (minor units).")
@click.option("--json", "as_json", is_flag=True, help="The statement document as JSON (minor units).")
@click.option("--proofs", is_flag=True,
              help="JSON with each line's Merkle inclusion proof against a sealed digest (check it with "
                   "`ledger verify-statement`).")
@click.option("--seal", "seal_position", type=click.IntRange(1), default=None,
              help="With --proofs: prove against the seal at this position (default: the latest covering the lines).")
def statement(partner: str, start: datetime, end: datetime | None, currency: str, basis: str, as_csv: bool,
              as_json: bool, proofs: bool, seal_position: int | None) -> None:
    """A partner's statement: opening balance, each line with its cause and running balance, closing balance."""
    period = Period(partner, currency.upper(), start, end or datetime.now(UTC), basis)
    if period.end <= period.start:
        raise click.BadParameter("--to must be after --from", param_hint="--to")
    if seal_position is not None and not proofs:
        raise click.BadParameter("--seal goes with --proofs", param_hint="--seal")
    with friendly_errors(), database() as conn:
        require_partner(conn, partner)
        try:
            if proofs:
                _proven(conn, period, seal_position)
            elif as_csv or as_json:
                _export(conn, period, "csv" if as_csv else "json")
            else:
                console.print(_table(statement_export.document(conn, period)))
        except psycopg.errors.UndefinedTable:
            err.print("no statement lines yet: start the ledger (`ledger run`) or `ledger rebuild statement_lines`.")
            sys.exit(1)


def _export(conn: Any, period: Period, fmt: str) -> None:
    total = statements.line_count(conn, period)
    if total < LARGE:
        sys.stdout.writelines(statement_export.export(conn, period, fmt))
        return
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task(f"exporting {total} lines", total=total)
        chunks = statement_export.export(conn, period, fmt, lambda n: progress.update(task, completed=n))
        sys.stdout.writelines(chunks)


def _proven(conn: Any, period: Period, seal_position: int | None) -> None:
    document = statement_export.document(conn, period)
    with Progress(console=err, transient=True) as progress:
        task = progress.add_task("reading the hash chain for proofs", total=None)
        proven = attach_proofs(conn, document, seal_position, lambda n: progress.advance(task, n))
    click.echo(json.dumps(proven))


BUCKETS = ("pending", "available", "paid", "owed")
NARROW = ("paid", "owed")  # owed = pending + available: what a narrow terminal keeps


def _table(document: dict[str, Any], width: int | None = None) -> RenderableType:
    """The statement in `width` columns (the terminal's): every bucket, else paid and owed only, else one block
    per line."""
    width = width or console.width
    full = _statement_table(document, BUCKETS)
    if fits(full, width):
        return full
    narrow = _statement_table(document, NARROW)
    if fits(narrow, width):
        narrow.caption = f"{narrow.caption}; pending and available: a wider terminal, --json or --csv"
        return narrow
    return vertical(full)


def _statement_table(document: dict[str, Any], buckets: tuple[str, ...]) -> Table:
    currency = document["currency"]
    table = Table(title=f"Statement of {safe(document['partner_id'])}, {currency}, {document['from'][:10]} to "
                        f"{document['to'][:10]} (by {document['basis']} time)", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("when", no_wrap=True)
    table.add_column("cause", no_wrap=True)
    table.add_column("about", no_wrap=True)  # a sale id: whole, or the layout changes
    for column in ("change", *buckets):
        table.add_column(column, justify="right", no_wrap=True)

    def money(amount: int) -> str:
        return format_money(amount, currency).rsplit(" ", 1)[0]  # the currency is in the title

    def balance(values: dict[str, int]) -> list[str]:
        return [money(values[k]) for k in buckets]

    time = "occurred_at" if document["basis"] == "occurred" else "recorded_at"
    table.add_row(document["from"][:10], "[bold]opening[/bold]", "", "", *balance(document["opening"]))
    for line in document["lines"]:
        change = money(line["change"]["pending"] + line["change"]["available"])
        table.add_row(line[time][:10], line["cause"], safe(line["sale_id"] or line["detail"] or ""), change,
                      *balance(line["balance"]))
    table.add_row(document["to"][:10], "[bold]closing[/bold]", "", "", *balance(document["closing"]))
    table.caption = "change in owed by cause: " + (", ".join(
        f"{cause} {money(amount)}" for cause, amount in document["totals"].items() if amount) or "none")
    return table


def past_balance(partner: str, as_of: datetime | None, known_at: datetime | None, as_json: bool) -> None:
    """`ledger balance PARTNER --as-of TIME | --known-at TIME`: the balances from the lines dated or recorded by then."""
    when, basis = (as_of, "occurred") if as_of is not None else (known_at, "recorded")
    assert when is not None
    with friendly_errors(), database() as conn:
        require_partner(conn, partner)
        rows = statements.balances_at(conn, partner, when, basis)
    answers = {"as_of": when.isoformat()} if basis == "occurred" else {"known_at": when.isoformat()}
    label = f"as of {when.isoformat()}" if basis == "occurred" else f"as known at {when.isoformat()}"
    if as_json:
        click.echo(json.dumps(balance_document(partner, rows) | answers))
    elif not rows:
        nothing_yet(partner, f"balance {label}")
    else:
        console.print(fitted(balances_table(rows, title=f"Balances of {safe(partner)} {label}"), console.width))
