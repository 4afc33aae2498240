"""`ledger forget-customer`: erase one customer's personal data, keeping the log (and its hash chain) intact."""

from __future__ import annotations

import sys

import click

from streams.cli_support import console, err, friendly_errors
from streams.display import safe
from streams.services import services
from streams.settings import Settings

KAFKA_CAVEAT = ("The input topics and the dead-letter topic still hold the original messages until their retention "
                "expires; the ledger cannot erase them from Kafka.")


@click.command("forget-customer")
@click.argument("contact_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget_customer(contact_id: str, yes: bool) -> None:
    """Erase a customer's name and email everywhere the ledger keeps them; the log and balances stay as they are.

    The customer's sales keep their contact id, and partners see the customer as erased. A
    tombstone (the id and when) keeps the writer from storing the customer's data again.
    """
    from ledger.database import ledger_env
    from ledger.store.erasure import forget
    from ledger.store.postgres import PostgresStore

    if not yes and not _confirmed(contact_id):
        err.print("nothing erased (pass --yes to skip this question)")
        sys.exit(1)
    with friendly_errors(), services(Settings(), broker="skip") as found:
        store = PostgresStore.connect(ledger_env(found.database_url))
        try:
            with console.status("erasing (waits for the writer's batch in progress)…"), \
                    store.datastore.transaction(commit=True) as curs:
                forgotten = forget(curs, store.sql, contact_id)
        finally:
            store.close()
    if not forgotten.known:
        err.print(f"no customer with contact id {safe(repr(contact_id))} in this ledger: nothing erased. Check the "
                  "id (it is the customer's contact_id in the sales the ledger received).")
        sys.exit(1)
    again = f" (first forgotten at {forgotten.erased_before:%Y-%m-%d %H:%M:%S %Z}; scrubbed again)" \
        if forgotten.erased_before else ""
    dropped = (f", {forgotten.snapshots} snapshot(s) of an earlier version dropped (the writer replays the log on "
               "its next start)") if forgotten.snapshots else ""
    console.print(f"forgot customer {safe(contact_id)}{again}: {forgotten.personal_rows} personal data row deleted, "
                  f"{forgotten.dead_letters} dead letter(s) and {forgotten.parked_messages} parked message(s) "
                  f"scrubbed{dropped}. The log was not touched: `ledger verify` still passes.")
    console.print("A running writer may still hold a parked event of this customer in memory until it is decided; "
                  "the tombstone keeps the data out of the database.")
    console.print(KAFKA_CAVEAT)


def _confirmed(contact_id: str) -> bool:
    try:
        return click.confirm(f"Erase the personal data of customer {contact_id!r}? This cannot be undone", err=True)
    except click.Abort:  # no terminal to answer on
        return False
