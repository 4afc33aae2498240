"""A block of the hash chain: its leaves are its rows' leaves in order, its link covers its bounds and the link before."""

from __future__ import annotations

from hashlib import sha256
from uuid import UUID

from ledger.store.chain import GENESIS, block, consecutive, split
from schemas.proof import leaf

ROWS = [(UUID(int=n), 1, "sale.completed:applied", bytes([n]) * 40) for n in range(3)]


def test_a_blocks_leaves_are_its_rows_leaves_in_position_order() -> None:
    made = block(GENESIS, 5, ROWS)
    assert (made.first, made.last, list(split(made.leaves))) == (5, 7, [leaf(5 + n, *row) for n, row in enumerate(ROWS)])


def test_a_blocks_link_covers_the_link_before_its_bounds_and_its_leaves() -> None:
    made = block(b"\x07" * 32, 5, ROWS)
    assert made.link == sha256(b"\x07" * 32 + (5).to_bytes(8, "big") + (7).to_bytes(8, "big") + made.leaves).digest()


def test_rows_are_split_into_blocks_wherever_their_positions_skip() -> None:
    rows = [(position, *ROWS[0]) for position in (1, 2, 3, 5, 9, 10)]
    assert [[row[0] for row in run] for run in consecutive(rows)] == [[1, 2, 3], [5], [9, 10]]
