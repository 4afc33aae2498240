"""Snapshots of the writer's state, so a restart replays only the log written after the latest one.

A snapshot is the whole state pickled at a log position, written in the same transaction as the
batch that reached that position. Reading one back allows only the ledger's own classes (a row
in the database must never be able to run code).
"""

from __future__ import annotations

import io
import pickle
import zlib
from typing import Any

from ledger.core.clock import Mark, PartitionKey
from ledger.core.state import State
from ledger.core.waiting import Waiting

FORMAT = 8  # bumped whenever the state's shape changes: an older snapshot is then ignored (the log is replayed)
_ALLOWED_MODULES = ("ledger.core.", "ledger.rules.", "schemas.")
_ALLOWED_BUILTINS = {("builtins", name) for name in ("set", "frozenset", "dict", "list", "tuple", "int", "bytes",
                                                     "bytearray", "str", "bool", "getattr")}
_ALLOWED_OTHERS = {("array", "_array_reconstructor"), ("array", "array"), ("datetime", "datetime"),
                   ("datetime", "timezone"), ("datetime", "timedelta"), ("copyreg", "_reconstructor"),
                   ("builtins", "object"), ("msgspec._utils", "rebuild")}


class _LedgerUnpickler(pickle.Unpickler):
    """An unpickler that builds only the ledger's state classes and plain values."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith(_ALLOWED_MODULES) or (module, name) in _ALLOWED_BUILTINS | _ALLOWED_OTHERS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a snapshot may not hold {module}.{name}")


def dump(state: State, waiting: Waiting, marks: dict[PartitionKey, Mark], latest_us: int | None) -> bytes:
    """The state as snapshot bytes."""
    return zlib.compress(pickle.dumps((FORMAT, state, waiting, marks, latest_us), protocol=5), 1)


def load(data: bytes) -> tuple[State, Waiting, dict[PartitionKey, Mark], int | None] | None:
    """The state a snapshot holds, or None if it was taken by another version of the state."""
    loaded = _LedgerUnpickler(io.BytesIO(zlib.decompress(data))).load()
    if not isinstance(loaded, tuple) or not loaded or loaded[0] != FORMAT:
        return None
    _, state, waiting, marks, latest_us = loaded
    return state, waiting, marks, latest_us
