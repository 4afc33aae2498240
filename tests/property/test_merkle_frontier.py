"""A seal's root, grown from the previous seal's frontier with only the leaves since, is the whole tree's root."""

from __future__ import annotations

from hashlib import sha256

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.store import merkle
from schemas.proof import leaf_hash, verify_inclusion


@st.composite
def sealed_ledgers(draw: st.DrawFn) -> tuple[list[bytes], list[int]]:
    """Leaf hashes, and the sizes at which seals were taken (in order)."""
    n = draw(st.integers(1, 300))
    seals = sorted(draw(st.sets(st.integers(1, n), max_size=12)) | {n})
    return [leaf_hash(sha256(i.to_bytes(4, "big")).digest()) for i in range(n)], seals


@settings(max_examples=150, deadline=None)
@given(sealed_ledgers())
def test_each_seal_extended_from_the_last_has_the_root_of_all_its_leaves(ledger: tuple[list[bytes], list[int]]) -> None:
    hashes, seals = ledger
    frontier, size = [], 0
    for sealed in seals:
        frontier, size = merkle.extend(merkle.unpack(merkle.pack(frontier)), size, hashes[size:sealed])
        assert (size, merkle.root(frontier)) == (sealed, merkle.inclusion_paths(b"".join(hashes[:sealed]), [])[0])


@settings(max_examples=100, deadline=None)
@given(sealed_ledgers(), st.data())
def test_a_path_proves_its_leaf_against_the_incrementally_sealed_root(ledger: tuple[list[bytes], list[int]],
                                                                      data: st.DataObject) -> None:
    hashes, seals = ledger
    frontier, size = merkle.extend([], 0, hashes[:seals[0]])
    frontier, size = merkle.extend(frontier, size, hashes[size:])
    index = data.draw(st.integers(0, size - 1))
    _, paths = merkle.inclusion_paths(b"".join(hashes), [index])
    assert verify_inclusion(index, size, hashes[index], paths[index], merkle.root(frontier))
