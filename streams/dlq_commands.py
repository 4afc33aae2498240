"""`ledger dlq`: list and show dead letters, and republish a corrected message as a new input."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click

from streams.cli_support import console, database, err, friendly_errors
from streams.display import safe
from streams.query_commands import as_json, show
from streams.services import services
from streams.settings import Settings


@click.group()
def dlq() -> None:
    """Dead letters: the messages the ledger refused, with why and from where."""


@dlq.command("list")
@click.option("--reason", default=None, help="Only dead letters of this reason (e.g. malformed_json).")
@as_json
def dlq_list(reason: str | None, as_json: bool) -> None:
    """Every dead letter: id, reason, event id, source topic/partition/offset, when refused."""
    from projections.dead_letter_reads import dead_letters

    with friendly_errors(), database() as conn:
        rows = dead_letters(conn, reason)
    show(rows, "Dead letters", as_json)


@dlq.command("show")
@click.argument("letter_id", type=int)
def dlq_show(letter_id: int) -> None:
    """One dead letter with its detail and the rejected message as text."""
    from projections.dead_letter_reads import dead_letter

    with friendly_errors(), database() as conn:
        letter = dead_letter(conn, letter_id)
    if letter is None:
        err.print(f"[red]error:[/red] no dead letter {letter_id}; `ledger dlq list` shows their ids")
        sys.exit(1)
    payload = letter.pop("payload")
    for name, value in letter.items():
        console.print(f"{name}: {safe('' if value is None else value)}", soft_wrap=True)
    console.print("payload:")
    click.echo(payload)


@dlq.command("replay")
@click.argument("letter_id", type=int)
@click.option("--file", "path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The corrected message: one JSON event.")
def dlq_replay(letter_id: int, path: Path) -> None:
    """Publish a corrected message to its type's input topic; its event id decides whether it is new."""
    from projections.dead_letter_reads import dead_letter
    from streams.producer import produce_lines

    line = _one_line(path)
    with friendly_errors(), database() as conn:
        if dead_letter(conn, letter_id) is None:
            err.print(f"[red]error:[/red] no dead letter {letter_id}; `ledger dlq list` shows their ids")
            sys.exit(1)
    with friendly_errors(), services(Settings(), broker="require") as found:
        assert found.bootstrap is not None
        report = asyncio.run(produce_lines(found.bootstrap, found.settings, [line]))
    for _, reason in report.skipped:
        err.print(f"[red]error:[/red] {safe(reason)}; correct {path} and retry")
        sys.exit(1)
    topic = next(iter(report.by_topic))
    console.print(f"published the correction of dead letter {letter_id} to {topic}; the ledger applies it as a new "
                  "input (an event id it has decided before is ignored)", soft_wrap=True)


def _one_line(path: Path) -> str:
    """The file's JSON as one line, or exit saying what is wrong."""
    try:
        return json.dumps(json.loads(path.read_text()))
    except (ValueError, UnicodeDecodeError) as exc:
        err.print(f"[red]error:[/red] {path} is not one JSON message ({exc}); correct it and retry")
        sys.exit(1)
