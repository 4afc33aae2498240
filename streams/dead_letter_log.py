"""One log line per dead letter: why, which event, from where; never the message's bytes (they may name a customer)."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from ledger.core.messages import DeadLetter

log = structlog.get_logger("ledger.worker")
MAX_LOGGED_DETAIL = 300  # the full detail is in ledger.dead_letters and the DLQ message's headers


def log_dead_letters(letters: Sequence[DeadLetter]) -> None:
    """Log each refused message with its reason, event id, source position and a shortened detail."""
    for letter in letters:
        source = letter.source
        log.warning("dead_lettered", reason=str(letter.reason), event_id=letter.event_id,
                    topic=getattr(source, "topic", None), partition=getattr(source, "partition", None),
                    offset=getattr(source, "offset", None), detail=letter.detail[:MAX_LOGGED_DETAIL])
