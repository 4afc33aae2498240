"""Snapshots of the writer's state, so a restart replays only the log written after the latest one.

A snapshot is the whole state pickled at a log position, written in the same transaction as the
batch that reached that position. Reading one back allows only the ledger's own classes (a row
in the database must never be able to run code).

A snapshot holds no customer's personal data: a parked event is kept in its stripped form, as
the log keeps it, and without its original bytes; a restore joins both in again from the
tables they live in (personal_data, parked_messages), so a customer forgotten meanwhile stays so.
"""

from __future__ import annotations

import io
import pickle
import zlib
from typing import Any

from ledger.core.clock import Mark, PartitionKey
from ledger.core.state import State
from ledger.core.waiting import Waiter, Waiting
from ledger.store.codec import Stripped, strip

FORMAT = 10  # bumped whenever the state's shape changes: an older snapshot is then ignored (the log is replayed)
_ALLOWED_MODULES = ("ledger.core.", "ledger.rules.", "schemas.")
_ALLOWED_BUILTINS = {("builtins", name) for name in ("set", "frozenset", "dict", "list", "tuple", "int", "bytes",
                                                     "bytearray", "str", "bool", "getattr")}
_ALLOWED_OTHERS = {("array", "_array_reconstructor"), ("array", "array"), ("datetime", "datetime"),
                   ("datetime", "timezone"), ("datetime", "timedelta"), ("copyreg", "_reconstructor"),
                   ("builtins", "object"), ("msgspec._utils", "rebuild"), (__name__, "_parked")}


class _LedgerUnpickler(pickle.Unpickler):
    """An unpickler that builds only the ledger's state classes and plain values."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith(_ALLOWED_MODULES) or (module, name) in _ALLOWED_BUILTINS | _ALLOWED_OTHERS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"a snapshot may not hold {module}.{name}")


class _Pickler(pickle.Pickler):
    """A pickler that keeps each parked event stripped of personal data and of its original bytes."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is not Waiter:
            return NotImplemented
        plain = obj.event.plain if isinstance(obj.event, Stripped) else strip(obj.event)
        return _parked, (plain, obj.source, obj.digest, obj.at_us, obj.parked_wall_us, obj.waiting_for, obj.reason,
                         obj.detail, obj.need, obj.version)


def _parked(plain: dict[str, Any], source: Any, digest: bytes, at_us: int, parked_wall_us: int, waiting_for: str,
            reason: Any, detail: str, need: Any, version: int) -> Waiter:
    """A parked event as a snapshot keeps it: stripped, until the restore joins its personal data and bytes."""
    waiter = Waiter(Stripped(plain), b"", source, digest, at_us, parked_wall_us)
    waiter.waiting_for, waiter.reason, waiter.detail, waiter.need, waiter.version = (waiting_for, reason, detail,
                                                                                     need, version)
    return waiter


def dump(state: State, waiting: Waiting, marks: dict[PartitionKey, Mark], latest_us: int | None) -> bytes:
    """The state as snapshot bytes."""
    out = io.BytesIO()
    # Two pickles, one after the other: the state by the plain (fast) pickler, the parked events by ours.
    pickle.Pickler(out, protocol=5).dump((FORMAT, state, marks, latest_us))
    _Pickler(out, protocol=5).dump(waiting)
    return zlib.compress(out.getvalue(), 1)


def load(data: bytes) -> tuple[State, Waiting, dict[PartitionKey, Mark], int | None] | None:
    """The state a snapshot holds, or None if it was taken by another version of the state."""
    stream = io.BytesIO(zlib.decompress(data))
    loaded = _LedgerUnpickler(stream).load()
    if not isinstance(loaded, tuple) or not loaded or loaded[0] != FORMAT:
        return None
    _, state, marks, latest_us = loaded
    return state, _LedgerUnpickler(stream).load(), marks, latest_us  # the second pickle: a memo of its own
