"""Faults injected into real processes: the ledger ends where the reference model says, every time."""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from streams.embedded import start_postgres
from streams.settings import Settings
from tests.builders import joined, program, sale
from tests.integration.harness import Harness, processes, wait_for
from tests.integration.receivers import webhook_receiver
from tests.reference import Stream, generate

pytestmark = pytest.mark.integration
CATCH_UP_S = 300.0


def _assert_as_the_model_expects(harness: Harness, stream: Stream) -> None:
    expected = stream.expected
    assert harness.report() == expected.balances
    assert harness.dead_letter_reasons() == expected.dead_letters
    assert harness.decided() == len(expected.decided)  # each event decided once: none missing, none twice


def _kill_repeatedly(harness: Harness, stream: Stream, kills: int, deadline_s: float) -> None:
    rnd, total = random.Random(5), len(stream.expected.decided)
    worker = harness.start_worker()
    harness.publish(stream.events)
    for kill in range(kills):
        target = total * (kill + 1) // (kills + 1) - rnd.randrange(total // (3 * kills))
        wait_for(lambda: harness.check_workers() and harness.decided() >= target, f"{target} events decided",
                 deadline_s)
        harness.stop_worker(worker, hard=True)
        worker = harness.start_worker()
    harness.wait_until_applied(stream.events, deadline_s)


@pytest.mark.timeout(900)  # about a minute here; room for a slow, shared machine
def test_the_worker_killed_five_times_in_20000_events_ends_as_the_model_expects(harness: Harness) -> None:
    stream = generate(sales=17_000, partners=60, seed=11)
    _kill_repeatedly(harness, stream, kills=5, deadline_s=CATCH_UP_S)
    _assert_as_the_model_expects(harness, stream)


@pytest.mark.timeout(900)
def test_a_worker_that_pages_sales_out_killed_three_times_ends_as_the_model_expects(harness: Harness) -> None:
    # Small enough that every snapshot pages sales out, and refunds of old sales page them back in.
    harness.extra_env |= {"LEDGER_HOT_SALES": "1500", "LEDGER_SNAPSHOT_EVERY": "2500"}
    stream = generate(sales=9_000, partners=40, seed=13)
    _kill_repeatedly(harness, stream, kills=3, deadline_s=CATCH_UP_S)
    _assert_as_the_model_expects(harness, stream)
    with psycopg.connect(harness.settings.database_url) as conn:
        paged = conn.execute("SELECT count(*) FROM ledger.paged_sales").fetchone()
    assert paged is not None and paged[0] > 0  # the run did page out


@pytest.mark.long
@pytest.mark.timeout(3600)
def test_the_worker_killed_ten_times_in_100000_events_ends_as_the_model_expects(harness: Harness) -> None:
    stream = generate(sales=85_000, partners=300, seed=12)
    _kill_repeatedly(harness, stream, kills=10, deadline_s=6 * CATCH_UP_S)
    _assert_as_the_model_expects(harness, stream)


def test_a_stream_published_twice_and_shuffled_across_topics_ends_as_the_model_expects(harness: Harness) -> None:
    stream = generate(sales=1_500, partners=20, seed=21)
    shuffled = list(stream.events)
    random.Random(3).shuffle(shuffled)
    harness.start_worker()
    harness.publish(shuffled)
    harness.publish(stream.events)
    harness.wait_until_applied(stream.events)
    _assert_as_the_model_expects(harness, stream)


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[Any]:
    """A PostgreSQL server of this test's own, so stopping it disturbs no other test."""
    server, url = start_postgres(tmp_path / "own-pg")
    server.url = url
    yield server
    server.cleanup()


def _stop(server: Any) -> None:
    pid = server.get_pid()
    os.kill(pid, signal.SIGINT)  # a fast shutdown: every connection is cut
    wait_for(lambda: not Path(f"/proc/{pid}").exists(), "PostgreSQL to stop", 60)


def _failures_seen(log: Path) -> int:
    text = log.read_text()
    return sum(text.count(what) for what in ("batch_failed", "writer_lock_unavailable"))


def _stop_until_noticed(server: Any, log: Path) -> None:
    """Stop PostgreSQL, and keep it down until the worker has failed to reach it three more times."""
    before = _failures_seen(log)
    _stop(server)
    wait_for(lambda: _failures_seen(log) >= before + 3, "the worker to find the database away")


@pytest.mark.timeout(900)
def test_postgres_stopped_and_started_mid_stream_loses_nothing(
        settings: Settings, own_postgres: Any, tmp_path: Path) -> None:
    stream = generate(sales=3_000, partners=30, seed=31)
    with Harness(replace(settings, database_url=own_postgres.url), tmp_path) as harness:
        harness.start_worker()
        harness.publish(stream.events)
        wait_for(lambda: harness.decided() >= 500, "part of the stream to be decided")
        _stop_until_noticed(own_postgres, tmp_path / "worker-0.log")
        own_postgres.ensure_postgres_running()
        harness.wait_until_applied(stream.events, CATCH_UP_S)
        _assert_as_the_model_expects(harness, stream)


@pytest.mark.timeout(900)
def test_a_writer_that_lost_its_lock_to_a_postgres_restart_applies_what_is_published_after(
        settings: Settings, own_postgres: Any, tmp_path: Path) -> None:
    sales = [sale(f"S{n}", "rex", 1_000 + n, event_id=f"sale-{n}") for n in range(300)]
    with Harness(replace(settings, database_url=own_postgres.url), tmp_path) as harness:
        harness.start_worker()
        harness.apply([program(tiers=("0.20",), event_id="prog"), joined("rex", event_id="join-rex")])
        harness.publish(sales[:150])
        wait_for(lambda: harness.decided() >= 100, "part of the stream to be decided")
        _stop_until_noticed(own_postgres, tmp_path / "worker-0.log")
        own_postgres.ensure_postgres_running()
        harness.publish(sales[150:])  # read only by a writer that took its lock back and restored itself
        harness.wait_until_applied(sales, CATCH_UP_S)
        assert harness.decided() == 2 + len(sales)


@pytest.mark.timeout(900)
def test_postgres_stopped_and_started_mid_stream_delivers_each_notification_once(
        settings: Settings, own_postgres: Any, tmp_path: Path) -> None:
    sales = [sale(f"S{n}", "rex", 1_000 + n, event_id=f"sale-{n}") for n in range(300)]
    with Harness(replace(settings, database_url=own_postgres.url), tmp_path) as harness, \
            webhook_receiver() as receiver:
        harness.extra_env = {"LEDGER_NOTIFY_BACKOFF_S": "0.05"}
        harness.start_worker()
        harness.apply([program(tiers=("0.20",), notify=["commission_earned"], event_id="prog"),
                       joined("rex", event_id="join-rex")])
        assert harness.ledger("webhooks", "add", receiver.url, "--partner", "rex").returncode == 0
        harness.publish(sales[:150])
        wait_for(lambda: len(receiver.delivered()) >= 20, "some deliveries before PostgreSQL stops")
        _stop_until_noticed(own_postgres, tmp_path / "worker-0.log")
        own_postgres.ensure_postgres_running()
        harness.publish(sales[150:])  # only a feed and a sender that came back deliver these
        harness.wait_until_applied(sales, CATCH_UP_S)
        keys = wait_for(lambda: (k := {r.headers["Idempotency-Key"] for r in receiver.delivered()}) and
                        len(k) == len(sales) and k, "every sale's transaction to be delivered", CATCH_UP_S)
        with psycopg.connect(own_postgres.url) as db:
            rows = db.execute("SELECT transaction_id::text, status FROM notify.deliveries").fetchall()
    assert (len(rows), {status for _, status in rows}, {t for t, _ in rows}) == (len(sales), {"delivered"}, keys)


@pytest.mark.timeout(900)
def test_sigterm_while_postgres_is_down_stops_the_worker_and_loses_nothing(
        settings: Settings, own_postgres: Any, tmp_path: Path) -> None:
    stream = generate(sales=2_000, partners=20, seed=33)
    with Harness(replace(settings, database_url=own_postgres.url), tmp_path) as harness:
        worker = harness.start_worker()
        harness.publish(stream.events)
        wait_for(lambda: harness.decided() >= 300, "part of the stream to be decided")
        _stop_until_noticed(own_postgres, tmp_path / "worker-0.log")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=120) == 0
        own_postgres.ensure_postgres_running()
        harness.start_worker()
        harness.wait_until_applied(stream.events, CATCH_UP_S)
        _assert_as_the_model_expects(harness, stream)


def test_a_quiet_stream_still_refuses_parked_events_past_their_grace(harness: Harness) -> None:
    # Everything within days of each other, so only the orphan, weeks older, can be past its grace.
    stream = [program(day=19, event_id="p"), joined("rex", day=19, event_id="j"),
              *[sale(f"S-{n}", "rex", 1_000, day=20, event_id=f"s-{n}") for n in range(5)]]
    orphan = {"event_id": "orphan-refund", "type": "refund.issued", "occurred_at": "2026-03-01T12:00:00Z",
              "refund_id": "orphan", "sale_id": "never-sold", "amount": {"amount": 100, "currency": "USD"}}
    harness.extra_env["LEDGER_PARKING_MIN_WAIT_S"] = "1"
    harness.start_worker()
    harness.apply(stream)
    harness.publish([orphan])  # then nothing more arrives
    wait_for(lambda: harness.dead_letter_reasons() == {"unknown_sale": 1},
             "the orphan refund to be refused without more traffic")


def _spawned_children(pid: int) -> list[int]:
    """Processes `pid` started with multiprocessing's spawn (its projection process)."""
    return [p.pid for p in processes() if p.parent == pid and b"spawn_main" in p.command]


def test_a_killed_projection_process_is_restarted_and_catches_up(harness: Harness) -> None:
    stream = generate(sales=300, partners=5, seed=61)
    half = len(stream.events) // 2
    worker = harness.start_worker()
    harness.apply(stream.events[:half])
    [projections] = wait_for(lambda: _spawned_children(worker.pid), "the projection process to start")
    os.kill(projections, signal.SIGKILL)
    harness.apply(stream.events[half:])  # only a restarted projection process can project these
    assert "projections_died_restarting" in (harness.workdir / "worker-0.log").read_text()
    assert harness.report() == stream.expected.balances
