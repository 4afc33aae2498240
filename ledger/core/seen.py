"""Which event ids the ledger may have recorded: a Bloom filter, so most batches ask the log about none.

An id the filter has never seen is certainly new; one it may have seen is looked up in the log
(a false positive costs a lookup, never a wrong answer). Fixed size: 16 MiB holds about 14
million ids at a 1 % false-positive rate, and more at a higher one.
"""

from __future__ import annotations

from hashlib import blake2b

BITS = 1 << 27
_MASK = BITS - 1


def _positions(key: str) -> tuple[int, int, int, int]:
    digest = int.from_bytes(blake2b(key.encode(), digest_size=16).digest(), "little")
    return (digest & _MASK, (digest >> 32) & _MASK, (digest >> 64) & _MASK, (digest >> 96) & _MASK)


class SeenFilter:
    """A Bloom filter of event ids, 4 hashes over 2^27 bits."""

    __slots__ = ("bits",)

    def __init__(self) -> None:
        self.bits = bytearray(BITS // 8)

    def add(self, key: str) -> None:
        """Remember an id."""
        bits = self.bits
        for position in _positions(key):
            bits[position >> 3] |= 1 << (position & 7)

    def might_contain(self, key: str) -> bool:
        """False only if the id was never added."""
        bits = self.bits
        return all(bits[position >> 3] & (1 << (position & 7)) for position in _positions(key))
