"""When a failed delivery is tried again: exponential backoff with jitter, up to a number of attempts."""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.settings import env_float, env_int


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to try (from LEDGER_NOTIFY_* settings)."""

    max_attempts: int = field(default_factory=lambda: env_int("LEDGER_NOTIFY_MAX_ATTEMPTS", 8))
    base_s: float = field(default_factory=lambda: env_float("LEDGER_NOTIFY_BACKOFF_S", 2.0))
    cap_s: float = field(default_factory=lambda: env_float("LEDGER_NOTIFY_BACKOFF_CAP_S", 3600.0))

    def retry_in(self, attempt: int, draw: float) -> float | None:
        """Seconds until the try after failed attempt `attempt` (1 = the first); None when none is left.

        `draw` in [0, 1) spreads retries: half the delay is fixed, half random ("equal jitter"),
        so endpoints that failed together are not all retried at the same instant.
        """
        if attempt >= self.max_attempts:
            return None
        delay = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return delay / 2 + delay / 2 * draw
