"""The `ledger` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import psycopg

from projections.notify.status import notification_status
from projections.queries import balance_document, partner_balances
from projections.status import ledger_status
from schemas.parsing import event_schema
from streams.admin import analyst_role, bench, migrate, rebuild, soak
from streams.audit import seal, verify
from streams.cli_support import console, database, err, friendly_errors
from streams.display import balances_table, fitted, safe
from streams.dlq_commands import dlq
from streams.erasure import forget_customer
from streams.home_lock import HomeLock
from streams.key_commands import keys
from streams.logs import configure_logging
from streams.notify.commands import notify_command, webhooks
from streams.partner_check import nothing_yet, require_partner
from streams.proofs import verify_statement
from streams.query_commands import COMMANDS as QUERY_COMMANDS
from streams.replay_command import replay
from streams.roles_command import provision_command, roles_command
from streams.services import Services, services, with_roles
from streams.settings import Settings
from streams.statement_commands import TIME, past_balance


@click.group()
@click.option("--log-level", default="WARNING", show_default=True, help="DEBUG, INFO, WARNING or ERROR.")
@click.option("--json-logs", is_flag=True, help="Write logs as JSON lines.")
def main(log_level: str, json_logs: bool) -> None:
    """Event-sourced commission ledger: Kafka in, exactly-once balances out.

    Uses DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS when set; otherwise an embedded
    PostgreSQL and broker under LEDGER_HOME (default ./.ledger).
    """
    configure_logging(log_level, json_logs)


@main.command()
@click.option("--api-port", default=8080, show_default=True, help="Port of the read-only HTTP API.")
@click.option("--api-host", default="127.0.0.1", show_default=True, help="Interface the API listens on.")
@click.option("--no-api", is_flag=True, help="Do not serve the HTTP API.")
@click.option("--no-projections", is_flag=True,
              help="Do not follow the log with projections (another `ledger run` does).")
@click.option("--metrics-port", type=int, default=None, help="Also serve the worker's Prometheus metrics here.")
@click.option("--no-notify", is_flag=True, help="Do not send webhooks and email (`ledger notify` does).")
def run(api_port: int, api_host: str, no_api: bool, no_projections: bool, metrics_port: int | None,
        no_notify: bool) -> None:
    """Start what is missing, then the worker, projections and API, until Ctrl-C."""
    from streams.allocator import tune_allocator
    from streams.collector import tune_collector
    from streams.runtime import RunOptions
    from streams.runtime import run as run_ledger

    tune_allocator()  # before any thread starts: each would otherwise get malloc arenas of its own
    tune_collector()
    options = RunOptions(api_port=None if no_api else api_port, api_host=api_host, projections=not no_projections,
                         metrics_port=metrics_port, notify=not no_notify)
    settings = Settings()
    with friendly_errors(), HomeLock(settings.home), services(settings, broker="start") as found:
        asyncio.run(run_ledger(found, options, console.print))


@main.command()
@click.option("--port", default=8080, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def api(port: int, host: str) -> None:
    """Serve only the read-only HTTP API (the worker runs elsewhere)."""
    import uvicorn

    from projections.api import create_api

    with friendly_errors(), services(Settings(), broker="skip") as found:
        console.print(f"API on http://{host}:{port}/docs")
        roles = with_roles(found).roles
        assert roles is not None
        # log_config=None: uvicorn's lines go through ours (one format, passwords masked)
        uvicorn.run(create_api(roles.api), host=host, port=port, log_level="warning", log_config=None)


@main.command()
@click.argument("file", type=click.File("r"))
@click.option("--topic", default=None, help="Publish every line as-is to this topic (for testing bad input).")
def produce(file: Any, topic: str | None) -> None:
    """Publish a JSON-lines FILE (or - for stdin) to the topic of each event's type."""
    from streams.producer import produce_lines

    with friendly_errors(), services(Settings(), broker="require") as found:
        assert found.bootstrap is not None
        with console.status("publishing…") as status:
            report = asyncio.run(produce_lines(
                found.bootstrap, found.settings, file, topic,
                on_sent=lambda n: status.update(f"publishing… {n} sent") if n % 500 == 0 else None))
    for number, reason in report.skipped:
        err.print(f"[yellow]skipped line {number}:[/yellow] {safe(reason)}")
    console.print(f"published {report.sent} events: " + ", ".join(f"{t}={n}" for t, n in sorted(report.by_topic.items())))
    if report.skipped:
        sys.exit(1)


@main.command()
@click.argument("partner")
@click.option("--json", "as_json", is_flag=True, help="Money as integer minor units per currency.")
@click.option("--as-of", type=TIME, default=None, help="Event time: from the postings dated at or before TIME.")
@click.option("--known-at", type=TIME, default=None, help="Recorded time: what the ledger had recorded by TIME.")
def balance(partner: str, as_json: bool, as_of: datetime | None, known_at: datetime | None) -> None:
    """A partner's pending, available and paid balances (now, as of a time, or as known at a time)."""
    if as_of is not None and known_at is not None:
        raise click.UsageError("give --as-of (event time) or --known-at (recorded time), not both")
    if as_of is not None or known_at is not None:
        past_balance(partner, as_of, known_at, as_json)
        return
    with friendly_errors(), database() as conn:
        require_partner(conn, partner)
        rows = partner_balances(conn, partner)
    if as_json:
        click.echo(json.dumps(balance_document(partner, rows)))
    elif not rows:
        nothing_yet(partner, "balance")
    else:
        console.print(fitted(balances_table(rows, title=f"Balances of {safe(partner)}"), console.width))


@main.command()
@click.option("--json", "as_json", is_flag=True)
def status(as_json: bool) -> None:
    """Ledger head position, each projection's position and lag, dead letters."""
    with friendly_errors(), services(Settings(), broker="optional") as found, \
            psycopg.connect(found.database_url, autocommit=True) as conn:
        current = ledger_status(conn)
        unread = _unread(conn, found)
        notifier = notification_status(conn, current.head)
    if as_json:
        click.echo(json.dumps(current.as_dict() | {"unread": unread, "notifications": notifier}))
        return
    console.print(f"ledger head position   {current.head}")
    if unread is None:
        console.print(f"input backlog          {current.input_backlog} messages behind the last batch read "
                      "(no broker reachable to count what is unread now)")
    else:
        console.print(f"input backlog          {unread} messages in the broker not yet decided")
    console.print(f"events decided         {current.events_decided}")
    for name, state in current.projections.items():
        console.print(f"projection {name:<20} position {state['position']}  lag {state['lag']}")
    console.print(f"dead letters           {current.dead_letters} ({current.dead_letters_unpublished} not yet published)")
    since = f" (oldest parked at {current.oldest_parked_at})" if current.oldest_parked_at else ""
    console.print(f"parked, waiting for a prerequisite   {current.parked}{since}")
    if notifier is not None:
        feed = "not running" if notifier["position"] is None else \
            f"position {notifier['position']}  lag {notifier['lag']}"
        console.print(f"notifications          feed {feed}; "
                      f"deliveries {notifier['pending']} pending, {notifier['delivered']} delivered, "
                      f"{notifier['failed']} failed")


def _unread(conn: psycopg.Connection[Any], found: Services) -> int | None:
    """What sits in the input topics undecided, counted from the broker's end offsets now."""
    if found.bootstrap is None:
        return None
    from streams.bench.catchup import end_offsets, unread
    try:
        return unread(conn, end_offsets(found.bootstrap, found.settings.input_topics))
    except Exception:  # noqa: BLE001 - status reports what it can; the broker may be away or the topics absent
        return None


@main.command()
def demo() -> None:
    """Start everything on the embedded defaults, publish the bundled demo, print balances, stop."""
    from streams.demo_run import run_demo

    settings = Settings()
    with friendly_errors(), HomeLock(settings.home), services(settings, broker="start") as found:
        asyncio.run(run_demo(found, console))


@main.command()
def schema() -> None:
    """Print the JSON Schema of every input event."""
    click.echo(json.dumps(event_schema(), indent=2))


def demo_file() -> Path:
    """The bundled demo events."""
    return Path(__file__).parent / "demo" / "two_tier.jsonl"


__all__ = ["Services", "demo_file", "main"]


main.add_command(rebuild)
main.add_command(replay)
main.add_command(migrate)
main.add_command(verify)
main.add_command(seal)
main.add_command(verify_statement)
main.add_command(forget_customer)
main.add_command(keys)
main.add_command(dlq)
main.add_command(analyst_role)
main.add_command(roles_command)
main.add_command(provision_command)
main.add_command(bench)
main.add_command(soak)
main.add_command(webhooks)
main.add_command(notify_command)
for command in QUERY_COMMANDS:
    main.add_command(command)

if __name__ == "__main__":
    main()
