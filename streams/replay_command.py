"""`ledger replay`: read models rebuilt into a schema of their own, as the ledger stood at a cut."""

from __future__ import annotations

import click

from streams.cli_support import console, err, friendly_errors
from streams.services import services
from streams.settings import Settings


@click.command()
@click.option("--as-of", "as_of", default=None, metavar="TIME",
              help="Event time: what had happened by TIME, as the ledger knows it now: an event dated by then "
                   "counts even if recorded later; an event, maturation or posting dated after it does not.")
@click.option("--known-at", "known_at", default=None, metavar="TIME",
              help="Recorded time: only what the ledger had recorded by TIME; an event recorded later is left "
                   "out, even one dated earlier.")
@click.option("--position", type=click.IntRange(0), default=None, help="The log up to and including position N.")
@click.option("--projection", "names", multiple=True, metavar="NAME",
              help="Build only this read model (repeatable; default: all of them, with the views).")
@click.option("--schema", default=None, help="The schema to build into (default: named after the cut, "
                                              "e.g. replay_asof_20260301t000000); an earlier replay there is replaced.")
def replay(as_of: str | None, known_at: str | None, position: int | None, names: tuple[str, ...],
           schema: str | None) -> None:
    """Rebuild read models into a separate schema as the ledger stood then; the live ones are not touched.

    TIME is ISO 8601 (2026-03-01, 2026-03-01T12:00:00Z; no offset means UTC). --as-of may be combined
    with --known-at or --position: what had happened by one time, as recorded by another. A maturation
    counts from the day its hold ended. Safe to interrupt and run again: nothing is left half-built.
    """
    from rich.progress import Progress

    from projections.cut import Cut, check_schema, parse_time
    from projections.replay import replay as build

    with friendly_errors():
        cut = Cut(position, parse_time(known_at) if known_at else None, parse_time(as_of) if as_of else None)
        target = check_schema(schema or cut.schema_name())
        with services(Settings(), broker="skip") as found, Progress(console=err) as progress:
            task = progress.add_task(f"replaying into {target}", total=None)
            done = build(found.database_url, cut, target, names,
                         lambda moved, end: progress.update(task, advance=moved, total=end or 1))
            progress.update(task, total=done.position or 1, completed=done.position or 1)
    console.print(f"built {', '.join(done.projections)} into schema {done.schema} from ledger positions 1 to "
                  f"{done.position:,}" + ("" if done.views else " (no views: only some read models were built)"), soft_wrap=True)
    table = "partner_balances" if "partner_balances" in done.projections else "tracking"
    console.print(f"query it as the live read models, by its schema (SELECT * FROM {done.schema}.{table}; psql: "
                  f"\\dt {done.schema}.*); what it holds: SELECT * FROM {done.schema}.replay; drop it when done: "
                  f"DROP SCHEMA {done.schema} CASCADE", soft_wrap=True)
