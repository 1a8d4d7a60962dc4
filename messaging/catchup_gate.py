"""Catch-ups take turns, so that however many arrive they cannot starve posts or each other.

Every trip to the process's one database thread waits in one queue: twelve sockets catching up at once put
twelve batches of renders in front of every post. Here a process lets one batch of catch-up renders at a time
into that queue (a post then waits for at most one batch), and one user's sockets catch up one after the other
(a user who reopens sockets to sync again only queues behind themself; other users' catch-ups interleave).
Finding what a page missed is not gated: it is a few indexed queries, and a thousand pages reconnecting at
once each need it; gated too, it made them wait in single file while live frames piled up for them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from realtime.per_loop import PerLoop


class CatchUpGate:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.batch = asyncio.Semaphore(1)
        # Per user: their lock and how many of their catch-ups hold or await it (forgotten at zero).
        self.users: dict[int, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn_of(self, user_id: int) -> AsyncIterator[None]:
        """One catch-up of this user's at a time."""
        lock, waiting = self.users.get(user_id, (asyncio.Lock(), 0))
        self.users[user_id] = (lock, waiting + 1)
        try:
            async with lock:
                yield
        finally:
            lock, waiting = self.users[user_id]
            if waiting == 1:
                del self.users[user_id]
            else:
                self.users[user_id] = (lock, waiting - 1)


gate = PerLoop(CatchUpGate)
