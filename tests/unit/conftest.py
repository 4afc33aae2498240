"""A ledger for domain tests, without I/O: the writer on its in-memory store."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog

from ledger.writer import Outcome
from streams.logs import configure_logging
from tests.builders import inbound
from tests.core_ledger import CoreLedger

Apply = Callable[..., Outcome]
Balance = Callable[..., int]


@pytest.fixture
def ledger() -> CoreLedger:
    """A fresh ledger in memory (parked events may be refused without waiting in wall-clock time)."""
    return CoreLedger()


@pytest.fixture
def apply(ledger: CoreLedger) -> Apply:
    """Apply events (dicts) as one batch."""
    def _apply(*events: dict[str, Any]) -> Outcome:
        return ledger.apply_batch([inbound(e) for e in events])
    return _apply


@pytest.fixture
def balance(ledger: CoreLedger) -> Callable[[str, str], int]:
    """A partner's balance in one bucket, in USD cents."""
    def _balance(partner_id: str, bucket: str = "available") -> int:
        return ledger.balance(partner_id, "USD", bucket)
    return _balance


def notified(ledger: CoreLedger) -> list[tuple[str, int, int]]:
    """(partner, level, amount) of each commission notification recorded, in order."""
    return [(n.partner_id, n.level, n.amount) for n in ledger.notified()]


@pytest.fixture
def json_log_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Logs configured as `ledger --json-logs` does; call to read the lines so far, each parsed as JSON."""
    saved, root, ours = structlog.get_config(), logging.getLogger(), logging.getLogger("ledger")
    levels = (root.level, ours.level)
    # What configure_logging takes as stderr; pytest swaps sys.stderr between a test's phases.
    written = io.StringIO()
    with monkeypatch.context() as patched:
        patched.setattr(sys, "stderr", written)
        configure_logging("INFO", json_logs=True)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    structlog.configure(**saved)
    for handler in [h for h in root.handlers if getattr(h, "stream", None) is written]:
        root.removeHandler(handler)
    root.setLevel(levels[0])
    ours.setLevel(levels[1])
