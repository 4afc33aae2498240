"""Structured logs (JSON lines or console key=value); never secrets or customer emails."""

from __future__ import annotations

import logging
import re
import sys

import structlog

SENSITIVE_KEYS = frozenset({"email", "password", "database_url", "customer", "payload"})


# An address in any logged text (an error's repr quoting input, say) is replaced as well: names have no
# pattern, so no code path logs an event, its bytes or a customer (tests/integration/test_erasure.py checks).
EMAIL = re.compile(r"[^\s@\"'<>()\[\]{},;:]+@[^\s@\"'<>()\[\]{},;:]+\.[A-Za-z]{2,}")


def _redact(_: object, __: str, event_dict: structlog.typing.EventDict) -> structlog.typing.EventDict:
    for key in SENSITIVE_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    for key, value in event_dict.items():
        if isinstance(value, str) and "@" in value:
            event_dict[key] = EMAIL.sub("[email]", value)
    return event_dict


_CURRENT: list[tuple[str, bool]] = [("INFO", False)]


def current_logging() -> tuple[str, bool]:
    """The level and format configured last, for a child process to use the same."""
    return _CURRENT[0]


def configure_logging(level: str = "INFO", json_logs: bool = False) -> None:
    """Route stdlib and structlog records through one structured renderer on stderr."""
    _CURRENT[0] = (level, json_logs)
    renderer = structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
