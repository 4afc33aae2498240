"""The notifier inside `ledger run`: one delivery per ledger transaction across a crash; never in the ledger's way."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from streams.notify.signing import verify
from tests.builders import joined, program, sale
from tests.integration.harness import Harness, wait_for
from tests.integration.receivers import now, webhook_receiver

pytestmark = pytest.mark.integration
SALES = 400


def _setup() -> list[dict[str, Any]]:
    return [program(tiers=("0.20",), notify=["commission_earned"], event_id="prog"),
            joined("rex", event_id="join-rex")]


def _sales(count: int) -> list[dict[str, Any]]:
    return [sale(f"S{n}", "rex", 1_000 + n, event_id=f"sale-{n}") for n in range(count)]


def _add_endpoint(harness: Harness, url: str) -> tuple[str, str]:
    result = harness.ledger("webhooks", "add", url, "--partner", "rex")
    assert result.returncode == 0, result.stderr
    endpoint_id = result.stdout.split()[1].rstrip(";")
    return endpoint_id, result.stdout.strip().splitlines()[-1]


def _deliveries(conn: psycopg.Connection[Any]) -> dict[str, str]:
    return {str(t): s for t, s in conn.execute("SELECT transaction_id, status FROM notify.deliveries").fetchall()}


def test_each_ledger_transaction_is_delivered_once_after_the_worker_is_killed_mid_stream(harness: Harness) -> None:
    harness.extra_env = {"LEDGER_NOTIFY_BACKOFF_S": "0.05"}
    with webhook_receiver() as receiver, psycopg.connect(harness.settings.database_url or "", autocommit=True) as db:
        worker = harness.start_worker()
        harness.apply(_setup())
        _, secret = _add_endpoint(harness, receiver.url)
        harness.publish(_sales(SALES))
        wait_for(lambda: len(receiver.delivered()) >= 20, "some deliveries before the crash")
        harness.stop_worker(worker, hard=True)
        harness.start_worker()
        harness.wait_until_applied(_sales(SALES))
        found = wait_for(lambda: (d := _deliveries(db)) and len(d) == SALES and set(d.values()) == {"delivered"}
                         and len({r.headers["Idempotency-Key"] for r in receiver.delivered()}) == SALES and d,
                         "every sale's transaction to be delivered")
    keys = Counter(r.headers["Idempotency-Key"] for r in receiver.delivered())
    # At least once: a crash between the receiver's 200 and its record resends only what was in flight.
    assert (set(keys) == set(found), sum(keys.values()) - len(keys) <= 8) == (True, True)
    assert all(verify(secret, r.headers["X-Ledger-Signature"], r.body, now()) for r in receiver.delivered())


def test_a_receiver_that_hangs_does_not_stop_the_ledger_applying_events(harness: Harness) -> None:
    harness.extra_env = {"LEDGER_NOTIFY_TIMEOUT_S": "60"}
    with webhook_receiver(hang=True) as receiver:
        harness.start_worker()
        harness.apply(_setup())
        _add_endpoint(harness, receiver.url)
        harness.apply(_sales(5))
        wait_for(lambda: len(receiver.requests) >= 1, "the receiver to be holding a delivery")
        harness.apply(_sales(100))  # waits, with a deadline, until the ledger and projections applied them
        assert harness.decided() == 2 + 100 and receiver.delivered() == []


def test_ledger_notify_alone_sends_what_a_ledger_run_without_notifier_records(harness: Harness,
                                                                             tmp_path: Path) -> None:
    with webhook_receiver() as receiver:
        log = tmp_path / "notify.log"
        with log.open("wb") as out:
            notifier = subprocess.Popen([sys.executable, "-m", "streams.cli", "notify"], env=harness.env, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        harness.track(notifier, log)
        _add_endpoint(harness, receiver.url)
        harness.workers.append(_run_without_notifier(harness, tmp_path))
        harness.apply([*_setup(), *_sales(3)])
        wait_for(lambda: len(receiver.delivered()) == 3, "the three sales' deliveries from `ledger notify`")


def _run_without_notifier(harness: Harness, tmp_path: Path) -> subprocess.Popen[bytes]:
    with (tmp_path / "run.log").open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "streams.cli", "run", "--no-api", "--no-notify"],
                                env=harness.env | {"LEDGER_HOME": str(tmp_path / "run-home")}, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _notifications(harness: Harness) -> dict[str, int]:
    result = harness.ledger("status", "--json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout)["notifications"])


def test_ledger_status_shows_the_feed_caught_up_and_the_deliveries_by_status(harness: Harness) -> None:
    with webhook_receiver(script=[500] * 100) as receiver:  # never accepted: every delivery stays pending
        harness.extra_env = {"LEDGER_NOTIFY_BACKOFF_S": "60"}
        harness.start_worker()
        harness.apply(_setup())
        _add_endpoint(harness, receiver.url)
        harness.apply(_sales(3))
        found = wait_for(lambda: (n := _notifications(harness))["lag"] == 0 and n["pending"] == 3 and n,
                         "the feed to reach the head with three deliveries pending")
    assert (found["delivered"], found["failed"], found["position"] > 0) == (0, 0, True)
