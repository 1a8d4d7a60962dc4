"""Per-process presence upkeep on the server's event loop: coalesced broadcasts and the heartbeat."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from channels.db import database_sync_to_async
from django.conf import settings

from presence import broadcasts, tracker
from realtime import groups
from realtime.hub import hub
from realtime.per_loop import PerLoop

logger = logging.getLogger(__name__)


def window_seconds(room_id: int | None) -> float:
    """A room's change window grows with its sockets on this process: a room of 10 is told of a join within
    PRESENCE_BROADCAST_DELAY_MS, a room of 1,000 about once a second (PRESENCE_WINDOW_PER_SOCKET_US each), and
    no room waits more than PRESENCE_WINDOW_MAX_MS."""
    base = settings.PRESENCE_BROADCAST_DELAY_MS / 1000
    if room_id is None:
        return base
    sockets = len(hub().groups.get(groups.room(room_id), ()))
    grown = sockets * settings.PRESENCE_WINDOW_PER_SOCKET_US / 1e6
    return min(max(base, grown), max(base, settings.PRESENCE_WINDOW_MAX_MS / 1000))


class Notifier:
    """Many joins and leaves in a burst (a page of 1,000 people connecting) become one render per room per
    window, on one process (presence.broadcasts.claim)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pending: set[int | None] = set()
        self.flush_handle: asyncio.TimerHandle | None = None
        self.flush_task: asyncio.Task[None] | None = None
        # Per room: when its next render may go out (the end of its window).
        self.next_at: dict[int | None, float] = {}
        # This process's open sockets (their presence keys) and how many each user holds.
        self.live: set[str] = set()
        self.per_user: Counter[int] = Counter()
        self.heartbeat_task: asyncio.Task[None] | None = None
        self.repairs: set[asyncio.Task[None]] = set()
        hub(loop).on_loss(self.lost)

    def lost(self, group: str) -> None:
        """A group of this process lost events (realtime/hub.py): what its lists show is rendered again,
        whole, for this process's sockets only (each process that lost something repairs its own)."""
        task = self.loop.create_task(self.repair(group))
        self.repairs.add(task)
        task.add_done_callback(self.repairs.discard)

    async def repair(self, group: str) -> None:
        try:
            html = await database_sync_to_async(broadcasts.repair_html)(group)
        except Exception:
            logger.exception("presence repair of %s failed", group)
            return
        if html:
            hub(self.loop).deliver_local(group, html)

    def changed(self, room_id: int | None) -> None:
        self.pending.add(room_id)
        self._schedule()

    def _schedule(self) -> None:
        if self.flush_handle is not None or not self.pending:
            return
        now = self.loop.time()
        base = settings.PRESENCE_BROADCAST_DELAY_MS / 1000
        due = min(max(self.next_at.get(room_id, 0), now + base) for room_id in self.pending)
        self.flush_handle = self.loop.call_at(due, self._start_flush)

    def _start_flush(self) -> None:
        self.flush_task = self.loop.create_task(self.flush())

    async def settled(self) -> None:
        """Send announced changes now and wait for them (graceful shutdown, tests)."""
        if self.flush_task is not None:
            await self.flush_task
        if self.flush_handle is not None:
            self.flush_handle.cancel()
            await self.flush(force=True)

    async def flush(self, force: bool = False) -> None:
        """Renders the rooms whose window is over (`force`: every room announced, windows or not)."""
        self.flush_handle = None
        now = self.loop.time()
        due = {room_id for room_id in self.pending if force or self.next_at.get(room_id, 0) <= now}
        self.pending -= due
        for room_id in due:
            self.next_at[room_id] = now + window_seconds(room_id)
        if len(self.next_at) > 10_000:
            self.next_at = {room_id: at for room_id, at in self.next_at.items() if at > now}
        windows = {room_id: 0.0 if force else window_seconds(room_id) for room_id in due}
        try:
            # Rooms another process rendered within their window: ours is included next time round.
            self.pending |= await database_sync_to_async(broadcasts.online_changed)(windows)
        except Exception:
            logger.exception("presence broadcast failed for rooms %s", due)
        self._schedule()

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
