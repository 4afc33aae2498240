"""The webhook signature and the retry schedule: pure functions a receiver and the dispatcher rely on."""

from __future__ import annotations

import pytest

from streams.notify.backoff import RetryPolicy
from streams.notify.signing import sign, verify

BODY = b'{"notices": []}'


def test_a_signature_verifies_with_the_secret_that_made_it() -> None:
    assert verify("whsec_a", sign("whsec_a", 1_700_000_000, BODY), BODY, now=1_700_000_010)


def test_a_signature_does_not_verify_with_another_secret() -> None:
    assert not verify("whsec_b", sign("whsec_a", 1_700_000_000, BODY), BODY, now=1_700_000_010)


def test_a_signature_does_not_verify_a_changed_body() -> None:
    assert not verify("whsec_a", sign("whsec_a", 1_700_000_000, BODY), BODY + b" ", now=1_700_000_010)


def test_a_signature_older_than_the_tolerance_is_refused() -> None:
    assert not verify("whsec_a", sign("whsec_a", 1_700_000_000, BODY), BODY, now=1_700_000_301)


def test_a_malformed_header_is_refused() -> None:
    assert not verify("whsec_a", "v1=abc", BODY, now=1_700_000_000)


def test_the_header_names_the_time_and_a_hex_sha256() -> None:
    timestamp, digest = sign("whsec_a", 5, BODY).split(",")
    assert timestamp == "t=5" and digest.startswith("v1=") and len(digest) == 3 + 64


def test_retries_double_from_the_base_delay() -> None:
    policy = RetryPolicy(max_attempts=6, base_s=2.0, cap_s=3600.0)
    assert [policy.retry_in(attempt, draw=1.0) for attempt in range(1, 6)] == [2.0, 4.0, 8.0, 16.0, 32.0]


def test_jitter_keeps_at_least_half_of_each_delay() -> None:
    policy = RetryPolicy(max_attempts=6, base_s=2.0, cap_s=3600.0)
    assert [policy.retry_in(attempt, draw=0.0) for attempt in range(1, 4)] == [1.0, 2.0, 4.0]


def test_the_delay_stops_growing_at_the_cap() -> None:
    policy = RetryPolicy(max_attempts=50, base_s=2.0, cap_s=60.0)
    assert policy.retry_in(30, draw=1.0) == 60.0


def test_no_retry_is_left_after_the_last_attempt() -> None:
    assert RetryPolicy(max_attempts=3, base_s=1.0, cap_s=10.0).retry_in(3, draw=0.5) is None


def test_a_number_of_attempts_that_is_not_whole_stops_with_what_to_give(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_NOTIFY_MAX_ATTEMPTS", "8.5")
    with pytest.raises(SystemExit, match=r"LEDGER_NOTIFY_MAX_ATTEMPTS='8.5' is not a whole number; .*=8"):
        RetryPolicy()
