"""The service's bounded queue: as many renders run as there are workers; a fixed
number more may wait, first come first served; anything past that is turned away
at once (429) rather than left to time out. A waiting request gives up at its
deadline, which counts from its arrival (504).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class QueueFull(Exception):
    """No room to wait: the caller should come back later."""


class DeadlinePassed(Exception):
    """The request's deadline passed while it waited for a worker."""


class Admission:
    """``slots`` requests run at once; ``waiting`` more may queue for a slot."""

    def __init__(self, slots: int, waiting: int) -> None:
        self.slots = slots
        self.capacity = slots + waiting
        self._free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.running = 0

    @property
    def queued(self) -> int:
        """Requests waiting for a slot now."""
        return sum(not f.done() for f in self._waiters)

    @property
    def has_room(self) -> bool:
        return self.running + self.queued < self.capacity

    @asynccontextmanager
    async def slot(self, deadline: float) -> AsyncIterator[None]:
        """Hold one slot for the body of the ``async with``; ``deadline`` is a
        ``time.monotonic()`` value."""
        if not self.has_room:
            raise QueueFull
        await self._acquire(deadline)
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._release()

    async def _acquire(self, deadline: float) -> None:
        if self._free > 0 and not self.queued:
            self._free -= 1
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), max(0.0, deadline - time.monotonic()))
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a slot at the very moment of giving up
            else:
                waiter.cancel()
            if isinstance(exc, TimeoutError):
                raise DeadlinePassed from None
            raise
        finally:
            if waiter in self._waiters and waiter.done():
                self._waiters.remove(waiter)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes straight to the next in line
                return
        self._free += 1
