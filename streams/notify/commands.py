"""`ledger webhooks add|list|test|remove|deliveries` and `ledger notify` (the notifier alone)."""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import uuid

import click
import httpx

from projections.notify.endpoints import (
    add_endpoint,
    find_endpoint,
    list_endpoints,
    recent_deliveries,
    remove_endpoint,
)
from projections.notify.kinds import KINDS
from projections.notify.schema import create_notify_schema
from streams.cli_support import console, database, err, friendly_errors
from streams.notify.signing import HEADER, sign
from streams.query_commands import as_json, show


@click.group()
def webhooks() -> None:
    """Signed webhooks telling partners what the ledger recorded for them (per their program's `notify`)."""


@webhooks.command("add")
@click.argument("url")
@click.option("--partner", "partner_id", default=None, help="Send this partner's notifications.")
@click.option("--program", "program_id", default=None, help="Send the notifications of every partner of a program.")
@click.option("--kinds", default=None, help=f"Comma-separated subset of: {', '.join(KINDS)} (default: all "
                                             "the program notifies).")
def webhooks_add(url: str, partner_id: str | None, program_id: str | None, kinds: str | None) -> None:
    """Add an endpoint; its signing secret is printed once. It hears transactions logged from now on."""
    chosen = [k.strip() for k in kinds.split(",") if k.strip()] if kinds else None
    unknown = sorted(set(chosen or ()) - set(KINDS))
    if unknown:
        err.print(f"unknown kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
        sys.exit(2)
    with friendly_errors(), database() as conn:
        create_notify_schema(conn)
        endpoint = add_endpoint(conn, url, partner_id=partner_id, program_id=program_id, kinds=chosen)
    console.print(f"endpoint {endpoint.endpoint_id}; verify '{HEADER}' with this secret, shown only now:")
    click.echo(endpoint.secret)


@webhooks.command("list")
@as_json
def webhooks_list(as_json: bool) -> None:
    """Every endpoint with its deliveries by status (never the secret)."""
    with friendly_errors(), database() as conn:
        create_notify_schema(conn)
        rows = list_endpoints(conn)
    show(rows, "Webhook endpoints", as_json)


@webhooks.command("deliveries")
@click.option("--limit", default=50, show_default=True)
@as_json
def webhooks_deliveries(limit: int, as_json: bool) -> None:
    """The delivery log, newest first: status, attempts and the last error."""
    with friendly_errors(), database() as conn:
        create_notify_schema(conn)
        rows = recent_deliveries(conn, limit)
    show(rows, "Deliveries", as_json)


@webhooks.command("test")
@click.argument("endpoint_id")
def webhooks_test(endpoint_id: str) -> None:
    """Send a signed test delivery now and print the receiver's answer (exit 1 unless 2xx)."""
    with friendly_errors(), database() as conn:
        endpoint = find_endpoint(conn, endpoint_id)
    body = json.dumps({"type": "ledger.test", "endpoint_id": endpoint.endpoint_id, "notices": []}).encode()
    test_id = str(uuid.uuid4())
    headers = {"Content-Type": "application/json", HEADER: sign(endpoint.secret, int(time.time()), body),
               "Idempotency-Key": test_id, "X-Ledger-Delivery": test_id}
    try:
        response = httpx.post(endpoint.url, content=body, headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        err.print(f"[red]error:[/red] {type(exc).__name__}: {exc}; check that the receiver runs and the URL is right")
        sys.exit(1)
    console.print(f"receiver answered {response.status_code}")
    if not 200 <= response.status_code < 300:
        sys.exit(1)


@webhooks.command("remove")
@click.argument("endpoint_id")
def webhooks_remove(endpoint_id: str) -> None:
    """Stop sending to an endpoint (its delivery log stays)."""
    with friendly_errors(), database() as conn:
        if not remove_endpoint(conn, endpoint_id):
            err.print(f"no active webhook endpoint {endpoint_id!r}; `ledger webhooks list` shows them")
            sys.exit(1)
    console.print(f"endpoint {endpoint_id} removed")


@click.command("notify")
def notify_command() -> None:
    """Run only the notifier (when `ledger run --no-notify` runs the ledger elsewhere), until Ctrl-C."""
    from streams.notify.service import Notifier
    from streams.services import services, with_roles
    from streams.settings import Settings

    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    with friendly_errors(), services(Settings(), broker="skip") as found:
        roles = with_roles(found).roles
        assert roles is not None
        notifier = Notifier(roles.projector)
        notifier.start()
        console.print("notifier running (Ctrl-C stops it)")
        while not stopping.wait(1.0):
            pass
        notifier.stop()
