"""The Merkle tree (RFC 9162) over the chain's leaves in position order: roots, frontiers and inclusion paths.

A seal keeps the tree's frontier (the roots of its perfect subtrees, largest first: one per set bit
of the size), so the next seal extends it with only the leaves since, never reading the whole chain.
A stored leaf is already the row's RFC 9162 leaf hash (`schemas.proof.leaf`); the node hash is the
standalone verifier's (`schemas/proof.py`), inlined in `extend` for speed and tested against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from hashlib import sha256

from schemas.proof import node_hash

HASH = 32
EMPTY_ROOT = sha256(b"").digest()  # RFC 9162: the hash of an empty tree


def extend(frontier: list[bytes], size: int, hashes: Iterable[bytes]) -> tuple[list[bytes], int]:
    """The frontier and size of the tree `frontier` (of `size` leaves) with leaf hashes `hashes` appended.

    Seals and `ledger verify` run this once per row: the node hash (`schemas.proof.node_hash`) is inlined.
    """
    stack = list(frontier)
    pop, append, hash_ = stack.pop, stack.append, sha256
    for hashed in hashes:
        carry = size
        while carry & 1:  # each trailing set bit is a perfect subtree the new leaf completes
            hashed = hash_(b"\x01" + pop() + hashed).digest()
            carry >>= 1
        append(hashed)
        size += 1
    return stack, size


def root(frontier: list[bytes]) -> bytes:
    """The root of the tree whose frontier this is: its subtrees joined from the right (RFC 9162's split)."""
    if not frontier:
        return EMPTY_ROOT
    result = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        result = node_hash(subtree, result)
    return result


def pack(frontier: list[bytes]) -> bytes:
    """The frontier as stored: its hashes one after another."""
    return b"".join(frontier)


def unpack(stored: bytes) -> list[bytes]:
    """A stored frontier."""
    return [stored[at:at + HASH] for at in range(0, len(stored), HASH)]


def inclusion_paths(hashes: bytes, indices: Iterable[int]) -> tuple[bytes, dict[int, list[bytes]]]:
    """The root of the tree over `hashes` (leaf hashes one after another) and each index's path, leaf to root.

    One pass: a subtree holding no wanted index is only hashed, one holding some is split again.
    """
    size = len(hashes) // HASH
    wanted = sorted(set(indices))
    if any(not 0 <= index < size for index in wanted):
        raise ValueError(f"a leaf index is outside the tree of {size} leaves")
    if not size:
        return EMPTY_ROOT, {}
    return _paths(hashes, 0, size, wanted)


def _paths(hashes: bytes, lo: int, hi: int, wanted: list[int]) -> tuple[bytes, dict[int, list[bytes]]]:
    if not wanted:
        return _subtree_root(hashes, lo, hi), {}
    if hi - lo == 1:
        return hashes[lo * HASH:hi * HASH], {lo: []}
    split = lo + _largest_power_of_two_below(hi - lo)
    left_root, paths = _paths(hashes, lo, split, [i for i in wanted if i < split])
    right_root, right = _paths(hashes, split, hi, [i for i in wanted if i >= split])
    for path in paths.values():
        path.append(right_root)
    for path in right.values():
        path.append(left_root)
    return node_hash(left_root, right_root), paths | right


def _subtree_root(hashes: bytes, lo: int, hi: int) -> bytes:
    return root(extend([], 0, _leaves(hashes, lo, hi))[0])


def _leaves(hashes: bytes, lo: int, hi: int) -> Iterator[bytes]:
    for at in range(lo * HASH, hi * HASH, HASH):
        yield hashes[at:at + HASH]


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)
