"""Waiting in the worker's tasks: every pause wakes as soon as the worker is asked to stop."""

from __future__ import annotations

import asyncio


async def wait_briefly(stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; True if the worker was asked to stop meanwhile."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


class Backoff:
    """A wait that doubles after each failure, up to a cap, and starts over after a success."""

    def __init__(self, first: float, most: float) -> None:
        self.first, self.most = first, most
        self.delay = first

    def reset(self) -> None:
        """After a success: the next failure waits the first delay again."""
        self.delay = self.first

    async def pause(self, stopping: asyncio.Event) -> bool:
        """Wait the current delay (True if asked to stop meanwhile), and double it for next time."""
        delay, self.delay = self.delay, min(self.delay * 2, self.most)
        return await wait_briefly(stopping, delay)
