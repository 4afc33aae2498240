"""`ledger keys`: make, list and revoke API keys; a partner key only for a partner the ledger knows."""

from __future__ import annotations

import sys

import click

from streams.cli_support import console, database, err, friendly_errors
from streams.query_commands import as_json, show


@click.group()
def keys() -> None:
    """API keys: a partner key reads one partner's data, an analyst key reads everything."""


@keys.command("create")
@click.option("--partner", "partner_id", default=None, help="The partner this key may read.")
@click.option("--analyst", is_flag=True, help="A key that reads every partner.")
def keys_create(partner_id: str | None, analyst: bool) -> None:
    """Make a key; the secret is printed once and stored only as a hash."""
    from projections.access import create_key
    from projections.partner_lookup import partner_known

    if bool(partner_id) == analyst:
        err.print("give exactly one of --partner ID or --analyst")
        sys.exit(2)
    with friendly_errors(), database() as conn:
        # A key for a typo would answer 404 forever; refuse it while the operator is still here.
        if partner_id and not partner_known(conn, partner_id):
            err.print(f"[red]error:[/red] the ledger knows no partner {partner_id!r}; `ledger partners` lists "
                      "them (a partner is known once its join is applied: check `ledger status`)")
            sys.exit(1)
        key_id, secret = create_key(conn, partner_id)
    console.print(f"key {key_id} ({'partner ' + partner_id if partner_id else 'analyst'}); send it as "
                  f"'Authorization: Bearer <key>'. It is shown only now:")
    click.echo(secret)


@keys.command("list")
@as_json
def keys_list(as_json: bool) -> None:
    """Every key: id, kind, partner, created and revoked (never the secret)."""
    from projections.access import list_keys

    with friendly_errors(), database() as conn:
        rows = list_keys(conn)
    show(rows, "API keys", as_json)


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id (printed by `ledger keys create`)."""
    from projections.access import revoke_key

    with friendly_errors(), database() as conn:
        if not revoke_key(conn, key_id):
            err.print(f"no active key with id {key_id!r}")
            sys.exit(1)
    console.print(f"key {key_id} revoked")
