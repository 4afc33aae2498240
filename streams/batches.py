"""Applying one batch until it is recorded: retried while the database is away, a failing message isolated."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from contextlib import suppress

import psycopg
import structlog
from eventsourcing.persistence import InterfaceError, OperationalError

from ledger.core.messages import Received
from ledger.service import Ledger
from ledger.writer import Outcome
from schemas.reasons import Reason
from streams.waiting import Backoff, wait_briefly

log = structlog.get_logger("ledger.worker")
# Failures that say "not now" (the database is away, or too busy with other writers): retry forever.
RETRYABLE = (OperationalError, InterfaceError, ConnectionError, TimeoutError,
             psycopg.OperationalError, psycopg.InterfaceError)
# How often a message that fails alone is tried before it is dead-lettered as a processing error.
ATTEMPTS_ALONE = 3
MAX_DETAIL = 1000


class StopRequestedError(Exception):
    """The worker was asked to stop while a batch waited for the database; the batch is not recorded."""


async def apply_until_recorded(ledger: Ledger, items: Sequence[Received],
                               stopping: asyncio.Event | None = None) -> Outcome:
    """Apply a batch; on shutdown let it finish first, so no batch is left half-decided.

    While the database is away the batch waits, but not past `stopping`: then it gives up with
    StopRequestedError, unrecorded, and the next start reads it again.
    """
    task = asyncio.ensure_future(_apply_with_retries(ledger, items, stopping or asyncio.Event()))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with suppress(Exception):
            await asyncio.wait_for(task, timeout=30)
        raise


async def _apply_with_retries(ledger: Ledger, items: Sequence[Received], stopping: asyncio.Event) -> Outcome:
    try:
        return await retrying(lambda: ledger.apply_batch(items), len(items), stopping)
    except StopRequestedError:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug or poison message: isolate it, keep going
        return await _isolate(ledger, items, exc, stopping)


async def retrying(work: Callable[[], Outcome], size: int, stopping: asyncio.Event) -> Outcome:
    """Run `work` in a thread until it stops failing for reasons that pass (database away, contention)."""
    backoff = Backoff(0.2, 10.0)
    while True:
        try:
            return await asyncio.to_thread(work)
        except RETRYABLE as exc:
            log.error("batch_failed_retrying", error=repr(exc)[:500], retry_in_s=backoff.delay, size=size)
            if await backoff.pause(stopping):
                raise StopRequestedError("stopping while the batch waited") from exc


async def _isolate(ledger: Ledger, items: Sequence[Received], exc: Exception, stopping: asyncio.Event) -> Outcome:
    """Split a failing batch until the one message that fails is found; dead-letter just that one."""
    if len(items) == 1:
        return await _fail_alone(ledger, items[0], exc, stopping)
    middle = len(items) // 2
    first = await _apply_with_retries(ledger, items[:middle], stopping)
    second = await _apply_with_retries(ledger, items[middle:], stopping)
    return Outcome(first.applied + second.applied, first.duplicates + second.duplicates,
                       first.parked + second.parked, first.dead_letters + second.dead_letters)


async def _fail_alone(ledger: Ledger, item: Received, exc: Exception, stopping: asyncio.Event) -> Outcome:
    """Try the message alone again; only a failure that repeats, with the database up, is its own."""
    attempts = 1
    while attempts < ATTEMPTS_ALONE:
        if not await asyncio.to_thread(ledger.reachable):
            # Not the message's fault: wait for the database as any batch would, without counting.
            log.error("database_unreachable_waiting", source=str(item.source))
            if await wait_briefly(stopping, 1.0):
                raise StopRequestedError("stopping while the message waited for the database")
            continue
        attempts += 1
        try:
            return await retrying(lambda: ledger.apply_batch([item]), 1, stopping)
        except StopRequestedError:
            raise
        except Exception as again:  # noqa: BLE001 - counted; dead-lettered after the last attempt
            exc = again
            log.warning("message_failed_alone", attempt=attempts, error=repr(again)[:500], source=str(item.source))
    log.error("message_failed_dead_lettered", error=repr(exc)[:500], source=str(item.source))
    detail = f"processing failed: {exc!r}"[:MAX_DETAIL]
    return await retrying(lambda: ledger.refuse(item, Reason.PROCESSING_ERROR, detail), 1, stopping)
