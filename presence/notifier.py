"""Per-process presence upkeep on the server's event loop: coalesced broadcasts and the heartbeat."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from channels.db import database_sync_to_async
from django.conf import settings

from presence import broadcasts, tracker
from realtime.per_loop import PerLoop

logger = logging.getLogger(__name__)


class Notifier:
    """Many joins and leaves in a burst (a page of 1,000 people connecting) become one render per room."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: set[int | None] = set()
        self.flush_handle: asyncio.TimerHandle | None = None
        self.flush_task: asyncio.Task[None] | None = None
        # This process's open sockets (their presence keys) and how many each user holds.
        self.live: set[str] = set()
        self.per_user: Counter[int] = Counter()
        self.heartbeat_task: asyncio.Task[None] | None = None

    def changed(self, room_id: int | None) -> None:
        self.pending.add(room_id)
        if self.flush_handle is None:
            delay = settings.PRESENCE_BROADCAST_DELAY_MS / 1000
            self.flush_handle = self.loop.call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        self.flush_task = self.loop.create_task(self.flush())

    async def settled(self) -> None:
        """Send announced changes now and wait for them (graceful shutdown, tests)."""
        if self.flush_handle is not None:
            self.flush_handle.cancel()
            await self.flush()
        elif self.flush_task is not None:
            await self.flush_task

    async def flush(self) -> None:
        rooms, self.pending, self.flush_handle = self.pending, set(), None
        try:
            await database_sync_to_async(broadcasts.online_changed)(rooms)
        except Exception:
            logger.exception("presence broadcast failed for rooms %s", rooms)

    def sockets_of(self, user_id: int) -> int:
        return self.per_user[user_id]

    def socket_opened(self, key: str, user_id: int) -> None:
        self.live.add(key)
        self.per_user[user_id] += 1
        if self.heartbeat_task is None:
            self.heartbeat_task = self.loop.create_task(self.beat())

    def socket_closed(self, key: str, user_id: int) -> None:
        self.live.discard(key)
        self.per_user[user_id] -= 1
        if self.per_user[user_id] <= 0:
            del self.per_user[user_id]
        if not self.live and self.heartbeat_task is not None:
            self.heartbeat_task.cancel()
            self.heartbeat_task = None

    async def beat(self) -> None:
        """Refresh this process's connections and expire those of processes that died without cleaning up."""
        while True:
            await asyncio.sleep(settings.PRESENCE_HEARTBEAT_SECONDS)
            try:
                lost = await database_sync_to_async(tracker.heartbeat)(frozenset(self.live))
                for room_id in lost | await database_sync_to_async(tracker.sweep)():
                    self.changed(room_id)
            except Exception:
                logger.exception("presence heartbeat failed")


notifier = PerLoop(Notifier)
