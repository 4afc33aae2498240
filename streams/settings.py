"""Runtime settings, read from the environment once, with embedded defaults."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from schemas.topics import DLQ_TOPIC, INPUT_TOPICS, NOTIFICATIONS_TOPIC

T = TypeVar("T", int, float)


def env_int(name: str, default: int) -> int:
    """A whole number from the environment, or `default` when unset; a wrong value stops with what to give."""
    return _env_number(name, default, int, "a whole number")


def env_float(name: str, default: float) -> float:
    """A number from the environment, or `default` when unset; a wrong value stops with what to give."""
    return _env_number(name, default, float, "a number")


def _env_number(name: str, default: T, parse: Callable[[str], T], what: str) -> T:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return parse(value)
    except ValueError as exc:
        raise SystemExit(f"{name}={value!r} is not {what}; unset it or give e.g. {name}={default}") from exc


@dataclass(frozen=True)
class Settings:
    """Where the ledger keeps its state and which servers it talks to."""

    home: Path = field(default_factory=lambda: Path(os.environ.get("LEDGER_HOME", ".ledger")).resolve())
    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL") or None)
    bootstrap_servers: str | None = field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None)
    topic_prefix: str = field(default_factory=lambda: os.environ.get("LEDGER_TOPIC_PREFIX", ""))
    partitions: int = field(default_factory=lambda: env_int("LEDGER_PARTITIONS", 4))
    replication: int = field(default_factory=lambda: env_int("LEDGER_REPLICATION", 1))
    batch_size: int = field(default_factory=lambda: env_int("LEDGER_BATCH_SIZE", 1000))
    batch_ms: int = field(default_factory=lambda: env_int("LEDGER_BATCH_MS", 100))
    maturation_interval_s: int = field(default_factory=lambda: env_int("LEDGER_MATURATION_INTERVAL_S", 10))

    def topic(self, name: str) -> str:
        """A topic's full name, with the configured prefix."""
        return f"{self.topic_prefix}{name}"

    @property
    def input_topics(self) -> list[str]:
        """The six input topics, prefixed."""
        return [self.topic(t) for t in INPUT_TOPICS]

    @property
    def dlq_topic(self) -> str:
        """Where rejected input goes."""
        return self.topic(DLQ_TOPIC)

    @property
    def notifications_topic(self) -> str:
        """Where commission notifications go."""
        return self.topic(NOTIFICATIONS_TOPIC)

    @property
    def input_topic_by_name(self) -> dict[str, str]:
        """Unprefixed topic name by prefixed name."""
        return {self.topic(t): t for t in INPUT_TOPICS}
