"""Every group send of a loop, in one ordered stream, handed over without the sender waiting for it.

An action runs in the process's one database thread; the loop is busy fanning out. The thread appends to a
queue and wakes the loop once for everything queued until the loop gets to it; the loop's own sends (the
typing line) join the same queue. One task sends in order, each event numbered (realtime/sequence.py), and
events for one group that queued up while a send was in flight go to the channel layer as one batch (the
hub of each process unpacks it). A watermark follows each burst of sends (HUB_WATERMARK_SECONDS later), so a
lost last event is found too."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from channels.layers import BaseChannelLayer
from django.conf import settings

from realtime.sequence import Stream, thread_streams

logger = logging.getLogger(__name__)

WATERMARK = "hub.seq"


class Publisher:
    def __init__(self, loop: asyncio.AbstractEventLoop, layer: BaseChannelLayer) -> None:
        self.loop = loop
        self.layer = layer
        # Appended to by worker threads (deque appends and pops are atomic), sent from the loop.
        self.outgoing: deque[tuple[str, dict[str, Any]]] = deque()
        self.wake_pending = False
        self.task: asyncio.Task[None] | None = None
        self.stream = Stream()
        self.mark_handle: asyncio.TimerHandle | None = None
        # Told of each watermark as it leaves (group, {origin: seq}): the hub expects its own back.
        self.on_mark: Callable[[str, dict[str, int]], None] | None = None

    def publish(self, group: str, event: dict[str, Any]) -> None:
        """From the loop: queued behind what the threads handed over, sent in order."""
        self.outgoing.append((group, event))
        self._start()

    def publish_threadsafe(self, group: str, event: dict[str, Any]) -> None:
        self.outgoing.append((group, event))
        if not self.wake_pending:
            self.wake_pending = True
            self.loop.call_soon_threadsafe(self._start)

    def arm_threadsafe(self) -> None:
        """A worker thread sent on its own stream: its watermark goes out with this loop's."""
        self.loop.call_soon_threadsafe(self._arm)

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
                batch = {"type": "hub.batch", "group": group, "events": events}
                event = self.stream.stamp(group, events[0] if len(events) == 1 else batch)
                try:
                    await self.layer.group_send(group, event)
                except Exception:
                    try:  # a pooled Redis connection that died with a restart fails once, then is replaced
                        await self.layer.group_send(group, event)
                    except Exception:
                        logger.exception(
                            "channel layer unavailable: %d event(s) for %s not sent", len(events), group
                        )
                finally:
                    self.stream.sent(group, event)
            self._arm()

    def _arm(self) -> None:
        if self.mark_handle is None and not self.loop.is_closed():
            self.mark_handle = self.loop.call_later(settings.HUB_WATERMARK_SECONDS, self._mark)

    def _mark(self) -> None:
        self.mark_handle = None
        self.loop.create_task(self.send_marks())

    async def send_marks(self) -> None:
        """One `hub.seq` per group sent to lately: the last seq of each stream of this process in it."""
        streams = [self.stream, *thread_streams()]
        per_group: dict[str, dict[str, int]] = {}
        for stream in streams:
            origin, marks = stream.take_marks()
            for group, seq in marks.items():
                per_group.setdefault(group, {})[origin] = seq
        for group, marks in per_group.items():
            if self.on_mark is not None:
                self.on_mark(group, marks)
            mark = {"type": WATERMARK, "group": group, "marks": marks, "by": self.stream.origin}
            try:
                await self.layer.group_send(group, {**mark, "sent": time.time()})
            except Exception:
                logger.warning("channel layer unavailable: the watermark for %s was not sent", group)
        if any(stream.has_marks() for stream in streams):
            self._arm()
