"""Every log line has one format, whoever wrote it (structlog or a library's stdlib logger), and holds no secret."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import structlog

Lines = Callable[[], list[dict[str, Any]]]
STAMPED = {"event", "level", "timestamp", "logger"}
DATABASE_URL = "postgresql://ledger:hunter2-secret@localhost:5432/ledger"


def test_library_and_ledger_lines_are_json_with_the_same_stamped_keys(json_log_lines: Lines) -> None:
    logging.getLogger("aiokafka.conn").warning("connection to %s:%d lost", "broker", 9092)
    structlog.get_logger("ledger.test").warning("batch_failed_rereading", retry_in_s=0.2)
    lines = json_log_lines()
    assert [(line["logger"], line["level"]) for line in lines] == [("aiokafka.conn", "warning"),
                                                                   ("ledger.test", "warning")]
    assert all(STAMPED <= line.keys() for line in lines)
    assert lines[0].keys() == STAMPED and lines[0]["event"] == "connection to broker:9092 lost"


def test_a_library_traceback_is_one_json_line(json_log_lines: Lines) -> None:
    try:
        raise ConnectionError("broker away")
    except ConnectionError:
        logging.getLogger("uvicorn.error").exception("request failed")
    (line,) = json_log_lines()
    assert line["event"] == "request failed" and "ConnectionError: broker away" in line["exception"]


# psycopg logs at ERROR and above only: eventsourcing sets it so.
def test_a_database_url_password_quoted_by_a_library_never_reaches_the_log(json_log_lines: Lines) -> None:
    logging.getLogger("psycopg.pool").error("error connecting to %s", DATABASE_URL)
    try:
        raise OSError(f"cannot reach {DATABASE_URL}")
    except OSError as exc:
        structlog.get_logger("ledger.test").error("broker_unavailable_retrying", error=repr(exc))
    lines = json_log_lines()
    assert len(lines) == 2 and not any("hunter2" in str(line) for line in lines)
    assert "postgresql://ledger:[secret]@localhost:5432/ledger" in lines[0]["event"]


def test_a_conninfo_password_is_masked(json_log_lines: Lines) -> None:
    logging.getLogger("psycopg").error("connection failed: host=db user=ledger password=hunter2 dbname=ledger")
    (line,) = json_log_lines()
    assert "hunter2" not in line["event"] and "password=[secret]" in line["event"]


def test_an_email_in_a_library_message_is_replaced(json_log_lines: Lines) -> None:
    logging.getLogger("eventsourcing").warning("could not store %r", "ada@example.com")
    (line,) = json_log_lines()
    assert line["event"] == "could not store '[email]'"


def test_library_info_lines_stay_out_while_the_ledgers_show(json_log_lines: Lines) -> None:
    logging.getLogger("aiokafka").info("joined group")
    structlog.get_logger("ledger.test").info("batch_applied", size=3)
    assert [line["event"] for line in json_log_lines()] == ["batch_applied"]
