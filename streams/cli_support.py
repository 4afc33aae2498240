"""What every `ledger` command shares: consoles, friendly errors, a database connection."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from rich.console import Console
from rich.markup import escape

from ledger.errors import LedgerError
from streams.embedded import EmbeddedServiceError
from streams.home_lock import HomeBusyError
from streams.kafka import BrokerUnavailableError
from streams.ports import PortBusyError
from streams.services import ServiceNotFoundError, services
from streams.settings import Settings

console = Console()
err = Console(stderr=True, soft_wrap=True)  # an error names paths and commands: never break them


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn infrastructure failures into one line that says what to do next."""
    try:
        yield
    except (ServiceNotFoundError, BrokerUnavailableError, EmbeddedServiceError, HomeBusyError, PortBusyError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")  # a message may name an extra: [embedded]
        sys.exit(2)
    except psycopg.OperationalError as exc:
        err.print(f"[red]error:[/red] cannot reach PostgreSQL ({str(exc).splitlines()[0]}). "
                  "Check DATABASE_URL, or unset it to use the embedded database.")
        sys.exit(2)
    except LedgerError as exc:  # the ledger refuses, and says why and what to do
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        sys.exit(2)



@contextmanager
def database() -> Iterator[psycopg.Connection[Any]]:
    with services(Settings(), broker="skip") as found, psycopg.connect(found.database_url, autocommit=True) as conn:
        yield conn


