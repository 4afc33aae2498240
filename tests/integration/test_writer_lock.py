"""The writer lock: one holder per ledger database; a standby knows it is one."""

from __future__ import annotations

import asyncio

import pytest

from streams.writer_lock import WriterLock

pytestmark = pytest.mark.integration


async def _contend(database_url: str) -> tuple[bool, bool, bool]:
    writer, standby = WriterLock(database_url), WriterLock(database_url)
    stopping = asyncio.Event()
    assert await writer.acquire(stopping)
    waiting = asyncio.ensure_future(standby.acquire(stopping))
    await asyncio.sleep(1.5)
    standby_holds = standby.holding
    await writer.release()
    took_over = await asyncio.wait_for(waiting, timeout=30)
    await standby.release()
    return standby_holds, took_over, writer.holding


def test_a_standby_does_not_believe_it_holds_the_lock(database_url: str) -> None:
    assert asyncio.run(_contend(database_url))[0] is False


def test_the_standby_takes_the_lock_when_the_writer_lets_it_go(database_url: str) -> None:
    assert asyncio.run(_contend(database_url))[1:] == (True, False)
