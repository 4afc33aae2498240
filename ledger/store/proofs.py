"""Proofs for a statement's lines: each line's stored log row and its RFC 9162 inclusion path to a sealed root.

`attach_proofs` adds them to a statement document (the format of /work/coord/statement-format.md);
`schemas/proof.py` checks them with nothing but the document and the digest `ledger seal --export` wrote.
"""

from __future__ import annotations

import base64
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from ledger.database import LEDGER_SCHEMA
from ledger.errors import LedgerError
from ledger.store import merkle
from ledger.store.chain import Seal
from ledger.store.schema import LOG_TABLE

Progress = Callable[[int], None]  # called with how many leaves were read since the last call


class ProofError(LedgerError):
    """No sealed digest covers the statement's lines, or the chain no longer leads to the sealed root."""


def attach_proofs(conn: psycopg.Connection[Any], document: dict[str, Any], seal_position: int | None = None,
                  progress: Progress | None = None) -> dict[str, Any]:
    """The document with "seal" and each line's "proof", against the latest seal (or the one at `seal_position`)
    that covers every line's position. The tree is read once (the leaves up to the seal), all paths in one pass."""
    lines = document.get("lines") or []
    positions = {int(line["position"]) for line in lines}
    sealed = _seal(conn, max(positions, default=0), seal_position)
    indices, hashes = _leaves(conn, sealed.position, positions, progress)
    missing = sorted(positions - set(indices))
    if missing:
        raise ProofError(f"position {missing[0]:,} of the statement is not in the log's hash chain: run `ledger "
                         "verify` to find out why")
    root, paths = merkle.inclusion_paths(hashes, indices.values())
    if (len(hashes) // merkle.HASH, root) != (sealed.tree_size, sealed.root):
        raise ProofError(f"the chain's leaves no longer lead to the root sealed at position {sealed.position:,}: "
                         "run `ledger verify`, and keep the database as it is for the investigation")
    rows = _rows(conn, positions)
    if len(rows) != len(positions):
        raise ProofError(f"position {min(positions - set(rows)):,} of the statement has no row in the log: run "
                         "`ledger verify` to find out why")
    proved = [line | {"proof": {"leaf_index": indices[line["position"]], "tree_size": sealed.tree_size,
                                "row": rows[line["position"]],
                                "path": [node.hex() for node in paths[indices[line["position"]]]]}}
              for line in lines]
    return document | {"lines": proved, "seal": {"position": sealed.position, "tree_size": sealed.tree_size,
                                                 "root": sealed.root.hex(), "link": sealed.link.hex()}}


def _seal(conn: psycopg.Connection[Any], covering: int, position: int | None) -> Seal:
    """The seal to prove against: the one at `position`, or the latest; either must cover `covering`."""
    with conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(f"SELECT position, link, tree_size, root FROM {LEDGER_SCHEMA}.seals WHERE position = "
                     f"coalesce(%s::bigint, (SELECT max(position) FROM {LEDGER_SCHEMA}.seals))", (position,))
        row = curs.fetchone()
    if row is None and position is not None:
        raise ProofError(f"no digest is sealed at position {position:,}: leave out the seal position to use the "
                         "latest, or run `ledger seal`")
    if row is None or row[0] < covering:
        raise ProofError(f"no sealed digest covers position {covering:,} of the statement: run `ledger seal` "
                         "(and give the partner the digest `ledger seal --export` writes), then try again")
    return Seal(row[0], bytes(row[1]), row[2], bytes(row[3]))


def _leaves(conn: psycopg.Connection[Any], upto: int, wanted: set[int],
            progress: Progress | None) -> tuple[dict[int, int], bytes]:
    """The leaf index of each wanted position (the leaves before it), and every leaf hash up to `upto` in order."""
    indices: dict[int, int] = {}
    hashes, ordered = bytearray(), sorted(wanted)
    with conn.cursor() as curs, curs.copy(f"COPY (SELECT first, last, leaves FROM {LEDGER_SCHEMA}.chain WHERE last "
                                          "<= %s ORDER BY last) TO STDOUT (FORMAT BINARY)", (upto,)) as copy:
        copy.set_types(["int8", "int8", "bytea"])
        for first, last, leaves in copy.rows():
            before = len(hashes) // merkle.HASH
            indices.update((position, before + position - first)
                           for position in ordered[bisect_left(ordered, first):bisect_right(ordered, last)])
            hashes += leaves
            if progress is not None:
                progress(len(leaves) // merkle.HASH)
    return indices, bytes(hashes)


def _rows(conn: psycopg.Connection[Any], positions: set[int]) -> dict[int, dict[str, Any]]:
    """The stored log rows at these positions, as a proof carries them."""
    with conn.cursor(row_factory=tuple_row) as curs:
        curs.execute(f"SELECT notification_id, originator_id, originator_version, topic, state FROM "
                     f"{LEDGER_SCHEMA}.{LOG_TABLE} WHERE notification_id = ANY(%s)", (sorted(positions),))
        return {position: {"position": position, "originator_id": str(originator_id), "version": version,
                           "topic": topic, "state": base64.b64encode(bytes(state)).decode()}
                for position, originator_id, version, topic, state in curs.fetchall()}
