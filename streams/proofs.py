"""`ledger verify-statement`: a partner's check of a statement's proofs against a digest, with no database."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from streams.cli_support import console, err

SHOWN = 20  # findings printed at most


@click.command("verify-statement")
@click.argument("statement_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--digest", "digest_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The digest `ledger seal --export` wrote, kept apart from the ledger.")
def verify_statement(statement_file: Path, digest_file: Path) -> None:
    """Check every line of a JSON statement against a sealed digest: each must be in the sealed log, as stated."""
    from schemas.proof import check_statement

    document = _read(statement_file, "a statement in JSON, with its lines' proofs")
    digest = _read(digest_file, "a digest exported by `ledger seal --export`")
    try:
        findings = check_statement(document, digest)
    except ValueError as exc:
        _unreadable(digest_file, f"{exc}. Ask for the digest file `ledger seal --export` wrote")
    for finding in findings[:SHOWN]:
        where = "the statement" if finding.line is None else f"line {finding.line} (position {finding.position})"
        err.print(f"[red]{where}:[/red] {finding.what}")
    if findings:
        first = findings[0]
        err.print(f"{len(findings):,} finding{'' if len(findings) == 1 else 's'}; the statement is not proven against the root sealed at position "
                  f"{digest['position']:,}" + ("" if first.line is None else f" (first: line {first.line})"))
        sys.exit(1)
    console.print(f"{len(document.get('lines') or []):,} lines proven against the root at position "
                  f"{digest['position']:,} ({digest['root']}, {digest['tree_size']:,} leaves)")


def _read(path: Path, what: str) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        _unreadable(path, f"cannot read it ({exc}); give {what}")
    if not isinstance(found, dict):
        _unreadable(path, f"it is not a JSON object; give {what}")
    return found


def _unreadable(path: Path, why: str) -> NoReturn:
    err.print(f"[red]error:[/red] {path}: {why}")
    sys.exit(2)
