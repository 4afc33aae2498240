"""The Merkle tree (RFC 9162) the seals keep, and the inclusion proofs the standalone verifier checks."""

from __future__ import annotations

from hashlib import sha256

import pytest

from ledger.store import merkle
from schemas.proof import leaf_hash, node_hash, root_from_inclusion, verify_inclusion


def _hashes(n: int) -> list[bytes]:
    return [leaf_hash(sha256(i.to_bytes(8, "big")).digest()) for i in range(n)]


def _naive_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 as written: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k < n the largest power of 2."""
    if not hashes:
        return sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_naive_root(hashes[:k]), _naive_root(hashes[k:]))


def _paths(hashes: list[bytes], indices: list[int]) -> tuple[bytes, dict[int, list[bytes]]]:
    return merkle.inclusion_paths(b"".join(hashes), indices)


@pytest.mark.parametrize("n", range(1, 71))
def test_the_root_of_a_frontier_is_the_rfc_9162_root(n: int) -> None:
    hashes = _hashes(n)
    assert merkle.root(merkle.extend([], 0, hashes)[0]) == _naive_root(hashes)


def test_the_root_of_an_empty_tree_is_the_hash_of_nothing() -> None:
    assert merkle.root([]) == _naive_root([]) == sha256(b"").digest()


@pytest.mark.parametrize("n", range(1, 71))
def test_the_paths_pass_builds_the_rfc_9162_root(n: int) -> None:
    hashes = _hashes(n)
    assert _paths(hashes, [0, n - 1])[0] == _naive_root(hashes)


@pytest.mark.parametrize("n", range(1, 41))
def test_every_leaf_of_a_tree_is_proven_by_its_path(n: int) -> None:
    hashes = _hashes(n)
    root, paths = _paths(hashes, list(range(n)))
    assert all(verify_inclusion(i, n, hashes[i], paths[i], root) for i in range(n))


@pytest.mark.parametrize("n", [2, 3, 7, 8, 13, 40])
def test_a_changed_path_element_fails_the_proof(n: int) -> None:
    hashes = _hashes(n)
    root, paths = _paths(hashes, list(range(n)))
    for i in range(n):
        for at in range(len(paths[i])):
            changed = [*paths[i][:at], bytes(32), *paths[i][at + 1:]]
            assert not verify_inclusion(i, n, hashes[i], changed, root)


@pytest.mark.parametrize("n", [2, 3, 7, 8, 13, 40])
def test_a_proof_given_for_another_index_fails(n: int) -> None:
    hashes = _hashes(n)
    root, paths = _paths(hashes, list(range(n)))
    assert not any(verify_inclusion(j, n, hashes[i], paths[i], root) for i in range(n) for j in range(n) if j != i)


@pytest.mark.parametrize("n", [2, 3, 7, 8, 13, 40])
def test_a_proof_given_for_a_tree_size_of_another_shape_fails(n: int) -> None:
    # A size whose tree hashes the leaf's way up alike (0 of 3 and of 4) proves the same root: the
    # size that counts is the digest's, which check_statement compares the proof's with.
    hashes = _hashes(2 * n + 1)
    root, paths = _paths(hashes[:n], list(range(n)))
    other = {m: _paths(hashes[:m], list(range(m)))[1] for m in range(1, 2 * n + 2) if m != n}
    assert not any(verify_inclusion(i, m, hashes[i], paths[i], root) for m, found in other.items()
                   for i in range(min(n, m)) if len(found[i]) != len(paths[i]))
    assert not any(verify_inclusion(i, m, hashes[i], paths[i], root) for m in range(1, n) for i in range(m, n))


def test_an_index_outside_the_tree_is_refused_before_hashing() -> None:
    hashes = _hashes(4)
    root, paths = _paths(hashes, [3])
    assert (root_from_inclusion(4, 4, hashes[3], paths[3]), root_from_inclusion(-1, 4, hashes[3], paths[3])) == (
        None, None)


def test_a_path_longer_than_the_tree_is_deep_fails() -> None:
    hashes = _hashes(5)
    root, paths = _paths(hashes, [2])
    assert not verify_inclusion(2, 5, hashes[2], [*paths[2], root], root)


def test_a_frontier_survives_being_stored() -> None:
    frontier, _ = merkle.extend([], 0, _hashes(13))
    assert merkle.unpack(merkle.pack(frontier)) == frontier and len(frontier) == 3  # 13 = 8 + 4 + 1
