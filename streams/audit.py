"""Auditors' `ledger` commands: verifying the log against its hash chain, sealing digests."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from schemas.proof import DIGEST_ALGORITHM
from streams.cli_support import console, err, friendly_errors
from streams.services import services
from streams.settings import Settings

if TYPE_CHECKING:
    from ledger.store.chain import Seal


@click.command()
@click.option("--from", "start", default=1, show_default=True, type=click.IntRange(1), help="First log position.")
@click.option("--to", "end", default=None, type=click.IntRange(1), help="Last log position (default: the head).")
@click.option("--digest", "digest_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A digest exported by `ledger seal --export`, to check the log against (repeatable).")
def verify(start: int, end: int | None, digest_files: tuple[Path, ...]) -> None:
    """Recompute the log's hash chain and sealed Merkle roots from the stored rows; name each position that differs."""
    from rich.progress import Progress

    from ledger.database import ledger_env
    from ledger.store.postgres import PostgresStore
    from ledger.store.verify import verify as verify_log

    with friendly_errors(), services(Settings(), broker="skip") as found:
        store = PostgresStore.connect(ledger_env(found.database_url))
        with store.datastore.transaction(commit=False) as curs:
            curs.execute(store.sql("SELECT coalesce(max(last), 0) AS head FROM {}.chain"))
            head = int(curs.fetchone()["head"])  # type: ignore[index]
        with Progress(console=err) as progress:
            task = progress.add_task("verifying the log's hash chain", total=max((end or head) - start + 1, 1))
            result = verify_log(store.datastore, store.sql, start, end, lambda moved: progress.advance(task, moved),
                                _digests(digest_files))
        store.close()
    for finding in result.findings[:20]:
        err.print(f"[red]position {finding.position:,}:[/red] {finding.what}")
    if not result.intact:
        err.print(f"{len(result.findings):,} positions differ; the first is {result.findings[0].position:,}. The log "
                  "was changed outside the ledger: keep this database as it is for the investigation, and compare "
                  "with a backup or a sealed digest.")
        sys.exit(1)
    position, link = result.last
    console.print(f"verified {result.checked:,} positions: the log matches its hash chain "
                  f"(position {position:,}, link {link.hex()}) and {len(result.compared):,} sealed digests "
                  "(links and Merkle roots)")


def _digests(files: tuple[Path, ...]) -> dict[int, Seal]:
    from ledger.store.chain import Seal

    found = {}
    for path in files:
        try:
            digest = json.loads(path.read_text())
            if digest.get("algorithm", DIGEST_ALGORITHM) != DIGEST_ALGORITHM:
                err.print(f"[red]error:[/red] {path} is a digest of algorithm {digest['algorithm']!r}; this ledger "
                          f"chains by {DIGEST_ALGORITHM!r}: check it with the ledger version that sealed it")
                sys.exit(2)
            found[int(digest["position"])] = Seal(int(digest["position"]), bytes.fromhex(digest["link"]),
                                                  int(digest["tree_size"]), bytes.fromhex(digest["root"]))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            err.print(f"[red]error:[/red] {path} is not a digest exported by `ledger seal --export` ({exc!r})")
            sys.exit(2)
    return found


@click.command()
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the digest to this file, for whoever must be able to check the ledger later.")
def seal(export_path: Path | None) -> None:
    """Seal the hash chain's current tip as a digest (the writer also seals every LEDGER_SEAL_EVERY positions)."""
    from ledger.database import ledger_env
    from ledger.store import chain
    from ledger.store.postgres import PostgresStore

    with friendly_errors(), services(Settings(), broker="skip") as found:
        store = PostgresStore.connect(ledger_env(found.database_url))
        with store.datastore.transaction(commit=True) as curs:
            position, link = chain.tip(curs, store.sql)
            sealed = chain.seal(curs, store.sql, position, link) if position else None
        store.close()
    if sealed is None:
        err.print("the log is empty: nothing to seal yet")
        sys.exit(1)
    digest = {"algorithm": DIGEST_ALGORITHM, "position": position, "link": link.hex(), "root": sealed.root.hex(),
              "tree_size": sealed.tree_size, "sealed_at": datetime.now(UTC).isoformat()}
    if export_path is not None:
        export_path.write_text(json.dumps(digest, indent=2) + "\n")
    console.print(f"sealed position {position:,}: link {link.hex()}, Merkle root {sealed.root.hex()} over "
                  f"{sealed.tree_size:,} leaves" + (f" (written to {export_path})" if export_path else ""))
