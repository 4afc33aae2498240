"""The standalone verifier's check of a statement: each line must be the recorded posting, in the sealed tree."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

import msgspec
import pytest

from ledger.rules.periods import instant
from ledger.store import codec, merkle
from schemas.proof import check_statement, leaf

AT_US = 1_772_409_600_000_000  # 2026-03-02
ROWS = 5


def _state(position: int) -> bytes:
    postings = [("platform:commission_expense", "partner:rex:pending", 1_000 + position, "USD", "commission",
                 f"S-{position}", 1, AT_US + position), ("platform:commission_expense", "partner:susie:pending", 250,
                                                         "USD", "commission", f"S-{position}", 2, AT_US + position)]
    return msgspec.msgpack.encode(codec.Record(f"s-{position}", 1, "sale.recorded", "applied", AT_US, AT_US,
                                              postings=postings))


def _proven() -> tuple[dict[str, Any], dict[str, Any]]:
    """A statement of Rex's line in each of five rows (positions 10, 12, ...), proven; and its digest."""
    rows = [{"position": 10 + 2 * i, "originator_id": str(UUID(int=i)), "version": 1, "topic": "sale:applied",
             "state": base64.b64encode(_state(10 + 2 * i)).decode()} for i in range(ROWS)]
    hashes = b"".join(leaf(r["position"], UUID(r["originator_id"]), 1, r["topic"], base64.b64decode(r["state"]))
                      for r in rows)
    root, paths = merkle.inclusion_paths(hashes, range(ROWS))
    lines = [{"position": r["position"], "line": 0, "occurred_at": instant(AT_US + r["position"]).isoformat(),
              "source": "platform:commission_expense", "destination": "partner:rex:pending",
              "amount": 1_000 + r["position"], "currency": "USD",
              "proof": {"leaf_index": i, "tree_size": ROWS, "row": r, "path": [p.hex() for p in paths[i]]}}
             for i, r in enumerate(rows)]
    digest = {"position": 18, "link": "ab" * 32, "root": root.hex(), "tree_size": ROWS}
    return {"format": "commission-ledger/statement@1", "lines": lines, "seal": dict(digest)}, digest


def _findings(change: Any = None) -> list[tuple[int | None, str]]:
    document, digest = _proven()
    if change is not None:
        change(document)
    return [(f.line, f.what) for f in check_statement(document, digest)]


def test_a_statement_of_recorded_lines_is_proven() -> None:
    assert _findings() == []


@pytest.mark.parametrize(("field", "value"), [("amount", 1_013), ("amount", 1_012.0), ("currency", "EUR"),
                                              ("source", "platform:bonus_expense"),
                                              ("destination", "partner:rex:available")])
def test_a_line_that_is_not_the_recorded_posting_fails(field: str, value: Any) -> None:
    assert [(line, field in what) for line, what in _findings(lambda d: d["lines"][1].update({field: value}))] == [
        (1, True)]


def test_a_line_moved_to_another_time_fails() -> None:
    moved = instant(AT_US + 1).isoformat()
    assert [(line, "occurred_at" in what) for line, what in _findings(
        lambda d: d["lines"][2].update(occurred_at=moved))] == [(2, True)]


def test_a_line_pointing_at_another_posting_of_its_entry_fails() -> None:
    assert [line for line, _ in _findings(lambda d: d["lines"][0].update(line=1))] == [0]


def test_a_line_given_another_rows_proof_fails() -> None:
    def swap(document: dict[str, Any]) -> None:
        document["lines"][0]["proof"] = document["lines"][3]["proof"]
    assert [(line, "position" in what) for line, what in _findings(swap)] == [(0, True)]


def test_a_proof_for_another_tree_size_than_the_digests_fails() -> None:
    assert [line for line, _ in _findings(lambda d: d["lines"][4]["proof"].update(tree_size=ROWS + 1))] == [4]


def test_a_proof_with_a_broken_path_is_a_finding_not_a_crash() -> None:
    assert [(line, "malformed" in what) for line, what in _findings(
        lambda d: d["lines"][1]["proof"].update(path=["zz"]))] == [(1, True)]


def test_a_statement_proven_against_another_seal_is_named() -> None:
    assert [(line, "another seal" in what) for line, what in _findings(lambda d: d["seal"].update(root="00" * 32))] \
        == [(None, True)]


def test_a_digest_without_a_root_is_refused() -> None:
    document, digest = _proven()
    with pytest.raises(ValueError, match="ledger seal --export"):
        check_statement(document, {"position": 18, "link": digest["link"]})


def test_a_digest_of_another_algorithm_is_refused() -> None:
    document, digest = _proven()
    with pytest.raises(ValueError, match="sha256-chain-v1"):
        check_statement(document, digest | {"algorithm": "sha256-chain-v1"})
