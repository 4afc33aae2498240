"""Administrative `ledger` commands: rebuilding projections and managing API keys."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import psycopg

from streams.cli_support import console, err, friendly_errors
from streams.services import services
from streams.settings import Settings


@click.command()
@click.argument("projection", required=False)
@click.option("--all", "rebuild_all", is_flag=True, help="Rebuild every projection.")
def rebuild(projection: str | None, rebuild_all: bool) -> None:
    """Drop a projection's rows and rebuild it from ledger position 0 (the worker may keep running)."""
    from rich.progress import Progress

    from projections.registry import all_projections, by_name
    from projections.runner import ProjectionRunner

    if projection and rebuild_all:
        err.print("give a projection name or --all, not both")
        sys.exit(2)
    if not projection and not rebuild_all:
        err.print("name a projection or pass --all; projections: " + ", ".join(p.name for p in all_projections()))
        sys.exit(2)
    try:
        chosen = all_projections() if rebuild_all else [by_name(projection or "")]
    except KeyError as exc:
        err.print(f"[red]error:[/red] {exc.args[0]}")
        sys.exit(2)
    with friendly_errors(), services(Settings(), broker="skip") as found:
        runner = ProjectionRunner(found.database_url, all_projections())
        head = runner.head()
        with Progress(console=err) as progress:
            # One pass over the log for all of them: each stored event is read and decoded once.
            task = progress.add_task(f"rebuilding {', '.join(p.name for p in chosen)}", total=head or 1)
            runner.rebuild_together(chosen, lambda _, moved, __: progress.advance(task, moved))
            progress.update(task, completed=head or 1)
        runner.close()
    console.print(f"rebuilt {', '.join(p.name for p in chosen)} up to ledger position {head}")


@click.command()
def migrate() -> None:
    """Move a ledger of the first layout (ledger.ledger_events) to this one, checking its balances.

    Stop every `ledger run` of the earlier version first. The inputs that version decided are
    decided again, in the order it decided them; events it refused stay refused, events it held
    wait again. The earlier tables stay in place; the read models are rebuilt from the new log.
    """
    from ledger.database import ledger_env
    from ledger.migration import migrate as migrate_ledger

    with friendly_errors(), services(Settings(), broker="skip") as found:
        report = migrate_ledger(ledger_env(found.database_url), lambda line: err.print(line))
    for difference in report.differences:
        err.print(f"[red]differs:[/red] {difference}")
    if report.differences:
        err.print("the migrated balances differ from the earlier ledger's; keep running the earlier version and "
                  "report this (the new log is in ledger.entries, the earlier tables are untouched)")
        sys.exit(1)
    console.print(f"migrated: {report.inputs:,} inputs decided again, {report.refused_before:,} refused as before, "
                  f"{report.parked:,} waiting again; balances of {len(report.balances):,} partner accounts equal "
                  "the earlier ledger's. Start `ledger run` now: it rebuilds the read models from the new log.")


@click.command("analyst-role")
@click.argument("role")
@click.option("--password", default=None, help="Password of the login role (omit for trust or peer auth).")
@click.option("--show-password", is_flag=True, help="Print the password in the connection string, not masked.")
def analyst_role(role: str, password: str | None, show_password: bool) -> None:
    """Create a read-only database role for analysts: projection views only, no raw ledger, no contacts."""
    from projections.roles import grant_analyst
    from streams.logs import mask
    from streams.role_urls import login_url

    with friendly_errors(), services(Settings(), broker="skip") as found, \
            psycopg.connect(found.database_url, autocommit=True) as conn:
        try:
            grant_analyst(conn, role, password)
        except ValueError as exc:
            err.print(f"[red]error:[/red] {exc}")
            sys.exit(2)
        except psycopg.errors.UndefinedTable:
            err.print("[red]error:[/red] the projections do not exist yet; start `ledger run` once, then retry")
            sys.exit(2)
        url = login_url(found.database_url, role, password)
    shown = url if show_password else mask(url)
    console.print(f"role {role} may read the projections views; connect with "
                  + ("(password masked; --show-password prints it):" if password and not show_password else ":"),
                  soft_wrap=True)
    click.echo(shown)


@click.command()
@click.option("--events", default=1_000_000, show_default=True, help="Messages to publish (about 1 % duplicates).")
@click.option("--partners", type=click.IntRange(1), default=None,
              help="Partners in the recruitment tree, at most half the events.  [default: one per 100 events, "
                   "at most 10,000]")
@click.option("--rate", default=5_000, show_default=True, help="Offered events/s for the lag percentiles.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Workers on one database: one writer, the others hot standbys (the first runs the projections).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every figure and ratio to this JSON file.")
def bench(events: int, partners: int | None, rate: int, workers: int, json_path: Path | None) -> None:
    """Benchmark the ledger against PostgreSQL COPY, plain aiokafka and a naive baseline, in one run."""
    from streams.bench.run import run_bench, write_json

    partners = _bench_partners(events, partners)
    with friendly_errors(), services(Settings(), broker="start") as found:
        figures = run_bench(found, events, partners, rate, lambda text: err.print(f"[dim]{text}[/dim]"), workers)
    figures.print(console)
    write_json(figures, json_path)
    if figures.sales == 0:
        err.print("[red]the workload held no sales, so nothing was measured; raise --events or lower --partners[/red]")
        sys.exit(1)
    if figures.totals_match is False or figures.final_max_lag != 0:
        err.print("[red]the ledger's totals or lag are not as expected; see the JSON for details[/red]")
        sys.exit(1)


def _bench_partners(events: int, partners: int | None) -> int:
    """The tree's size: the one given if the events leave room for sales besides its joins, else refused."""
    from streams.bench.workload import (
        EVENTS_PER_PARTNER,
        MAX_DEFAULT_PARTNERS,
        WorkloadError,
        check_shape,
        default_partners,
        max_partners,
    )

    chosen = default_partners(events) if partners is None else partners
    try:
        check_shape(events, chosen)
    except WorkloadError:
        most = max_partners(events)
        err.print(f"[red]error:[/red] --partners {chosen:,} leaves no room for sales in --events {events:,} "
                  f"(each partner's join is one of the events): pass "
                  + (f"--partners {most:,} or fewer, or " if most else "")
                  + f"--events {2 * chosen + 1:,} or more")
        sys.exit(2)
    if partners is None:
        err.print(f"[dim]{chosen:,} partners: one per {EVENTS_PER_PARTNER} events, at most {MAX_DEFAULT_PARTNERS:,} "
                  "(--partners to choose)[/dim]")
    return chosen


@click.command()
@click.option("--minutes", default=10.0, show_default=True, help="How long to offer the load.")
@click.option("--rate", default=500, show_default=True, help="Offered events/s.")
@click.option("--partners", default=2_000, show_default=True, help="Partners in the recruitment tree.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every sample to this JSON file.")
def soak(minutes: float, rate: int, partners: int, json_path: Path | None) -> None:
    """Offer a steady load for minutes; report throughput, how far behind, and memory over time."""
    from streams.bench.soak import run_soak

    with friendly_errors(), services(Settings(), broker="start") as found:
        report = run_soak(found, minutes, rate, partners, lambda text: err.print(f"[dim]{text}[/dim]"))
    report.print(console)
    if json_path is not None:
        report.write(json_path)
