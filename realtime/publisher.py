"""Group sends from worker threads, handed to the event loop without the thread waiting for it.

An action runs in the process's one database thread; the loop is busy fanning out. The thread appends to a
queue and wakes the loop once for everything queued until the loop gets to it; the loop sends in order, and
events for one group that queued up while a send was in flight go to the channel layer as one batch (the
hub of each process unpacks it)."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from channels.layers import BaseChannelLayer

logger = logging.getLogger(__name__)


class Publisher:
    def __init__(self, loop: asyncio.AbstractEventLoop, layer: BaseChannelLayer) -> None:
        self.loop = loop
        self.layer = layer
        # Appended to by worker threads (deque appends and pops are atomic), sent from the loop.
        self.outgoing: deque[tuple[str, dict[str, Any]]] = deque()
        self.wake_pending = False
        self.task: asyncio.Task[None] | None = None

    def publish_threadsafe(self, group: str, event: dict[str, Any]) -> None:
        self.outgoing.append((group, event))
        if not self.wake_pending:
            self.wake_pending = True
            self.loop.call_soon_threadsafe(self._start)

    def _start(self) -> None:
        self.wake_pending = False  # an event appended from now on wakes the loop again
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._publish())

    async def _publish(self) -> None:
        while self.outgoing:
            queued: dict[str, list[dict[str, Any]]] = {}
            while self.outgoing:
                group, event = self.outgoing.popleft()
                queued.setdefault(group, []).append(event)
            for group, events in queued.items():
                event = (
                    events[0] if len(events) == 1 else {"type": "hub.batch", "group": group, "events": events}
                )
                try:
                    await self.layer.group_send(group, event)
                except Exception:
                    try:  # a pooled Redis connection that died with a restart fails once, then is replaced
                        await self.layer.group_send(group, event)
                    except Exception:
                        logger.exception(
                            "channel layer unavailable: %d event(s) for %s not sent", len(events), group
                        )
