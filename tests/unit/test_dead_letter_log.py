"""Each dead letter is logged once, with why, which event and from where, but never its bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.core.messages import DeadLetter, Source
from schemas.reasons import Reason
from streams.dead_letter_log import MAX_LOGGED_DETAIL, log_dead_letters

Lines = Callable[[], list[dict[str, Any]]]
RAW = b'{"event_id": "e-1", "customer": {"first_name": "Ada", "last_name": "Lovelace"}}'


def _letter(detail: str = "refund 20000 is above the sale amount 10000", event_id: str | None = "e-1") -> DeadLetter:
    return DeadLetter(Reason.OVER_REFUND, detail, RAW, Source("sales", 1, 42), event_id)


def test_a_dead_letter_is_logged_with_its_reason_event_id_and_source_position(json_log_lines: Lines) -> None:
    log_dead_letters([_letter()])
    (line,) = json_log_lines()
    assert {key: line[key] for key in ("event", "reason", "event_id", "topic", "partition", "offset", "detail")} == {
        "event": "dead_lettered", "reason": "over_refund", "event_id": "e-1", "topic": "sales", "partition": 1,
        "offset": 42, "detail": "refund 20000 is above the sale amount 10000"}


def test_a_dead_letters_bytes_are_never_logged(json_log_lines: Lines) -> None:
    log_dead_letters([_letter()])
    assert "Lovelace" not in str(json_log_lines())


def test_a_long_detail_is_shortened(json_log_lines: Lines) -> None:
    log_dead_letters([_letter("x" * 5000)])
    (line,) = json_log_lines()
    assert len(line["detail"]) == MAX_LOGGED_DETAIL


def test_each_dead_letter_of_a_batch_gets_a_line_even_without_an_event_id(json_log_lines: Lines) -> None:
    log_dead_letters([_letter(event_id=None), _letter()])
    assert [line["event_id"] for line in json_log_lines()] == [None, "e-1"]
