"""Structured logs (JSON lines or console key=value), ours and libraries' alike; never secrets or customer emails."""

from __future__ import annotations

import logging
import re
import sys

import structlog
from structlog.stdlib import ProcessorFormatter

SENSITIVE_KEYS = frozenset({"email", "password", "database_url", "customer", "payload"})
# Libraries (aiokafka, psycopg, uvicorn, eventsourcing) log at this level or above, whatever ours is.
LIBRARY_LEVEL = logging.WARNING
OUR_LOGGERS = "ledger"


# An address in any logged text (an error's repr quoting input, say) is replaced as well: names have no
# pattern, so no code path logs an event, its bytes or a customer (tests/integration/test_erasure.py checks).
EMAIL = re.compile(r"[^\s@\"'<>()\[\]{},;:]+@[^\s@\"'<>()\[\]{},;:]+\.[A-Za-z]{2,}")
# A connection string's password (a library quoting DATABASE_URL), as a URL or as key=value conninfo.
URL_PASSWORD = re.compile(r"(://[^\s:/@]*):\S*@")  # to the last @: a password may hold one
CONNINFO_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def mask(text: str) -> str:
    """The text with connection passwords and email addresses replaced."""
    if "@" in text:
        text = EMAIL.sub("[email]", URL_PASSWORD.sub(r"\1:[secret]@", text))
    return CONNINFO_PASSWORD.sub(r"\1[secret]", text) if "=" in text else text


def _redact(_: object, __: str, event_dict: structlog.typing.EventDict) -> structlog.typing.EventDict:
    for key in SENSITIVE_KEYS & event_dict.keys():
        event_dict[key] = "[redacted]"
    for key, value in event_dict.items():
        if isinstance(value, str):
            event_dict[key] = mask(value)
    return event_dict


_CURRENT: list[tuple[str, bool]] = [("INFO", False)]


def current_logging() -> tuple[str, bool]:
    """The level and format configured last, for a child process to use the same."""
    return _CURRENT[0]


def _stamped() -> list[structlog.typing.Processor]:
    # What every line carries, whether structlog or a library's stdlib logger wrote it.
    return [structlog.contextvars.merge_contextvars, structlog.processors.add_log_level,
            structlog.stdlib.add_logger_name, structlog.processors.TimeStamper(fmt="iso", utc=True)]


def configure_logging(level: str = "INFO", json_logs: bool = False) -> None:
    """Route stdlib and structlog records through one structured renderer on stderr."""
    _CURRENT[0] = (level, json_logs)
    ours = logging.getLevelName(level.upper())
    # A traceback becomes text before redaction (it quotes values), and never shows a frame's locals.
    rendering: list[structlog.typing.Processor] = [
        ProcessorFormatter.remove_processors_meta, structlog.processors.format_exc_info, _redact,
        structlog.processors.JSONRenderer() if json_logs
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    structlog.configure(
        processors=[*_stamped(), ProcessorFormatter.wrap_for_formatter],
        wrapper_class=structlog.make_filtering_bound_logger(ours),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ProcessorFormatter(foreign_pre_chain=_stamped(), processors=rendering))
    handler.set_name(__name__)
    root = logging.getLogger()
    for earlier in [h for h in root.handlers if h.get_name() == __name__]:
        root.removeHandler(earlier)  # configured again (a child process, a test): one handler, one line
    root.addHandler(handler)
    root.setLevel(max(LIBRARY_LEVEL, ours))
    logging.getLogger(OUR_LOGGERS).setLevel(ours)
