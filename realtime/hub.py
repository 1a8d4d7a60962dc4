"""Process-local fan-out: one channel-layer subscription per group per process, forwarding to local sockets.

Channels' own per-consumer dispatch (a queue per socket, the message copied per recipient, a task wake-up per
delivery) caps a process at a few thousand deliveries a second. Here each process holds one relay channel;
the first local socket of a group subscribes it, and each frame that arrives is written straight to the
ASGI `send` of every local socket in the group. Sockets never read the channel layer themselves, so they
survive a Redis outage: the relay retries, re-subscribes its groups when Redis is back, and asks every
socket to catch up.

Frames that queue up while a fan-out is in progress go out together, joined into one WebSocket message per
socket: htmx applies each out-of-band fragment in it as usual. A group is also paced by its size: after a
fan-out to N local sockets, the next one to that group waits N x HUB_FANOUT_PACE_US, so a room of 1,000
gets at most ~40 writes a second per socket (each carrying every message since) while small rooms are
not held back. A socket write is the dominant cost (daphne's transport); this bounds it.

Nothing is lost silently: every event is numbered by its sender, and the relay checks the numbers
(realtime/gaps.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from realtime import losses, recovery
from realtime.gaps import Gaps
from realtime.per_loop import PerLoop
from realtime.publisher import WATERMARK, Publisher

logger = logging.getLogger(__name__)


class Subscriber(Protocol):
    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        """`frames` in order, and their HTML joined (what to send when nothing needs filtering)."""

    async def resync(self) -> None: ...

    async def control(self, event: dict[str, Any]) -> None:
        """A control event of realtime.events (not a frame to show)."""


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop, layer: BaseChannelLayer) -> None:
        self.loop = loop
        self.layer = layer
        self.groups: dict[str, set[Subscriber]] = defaultdict(set)
        self.channel: str | None = None
        self.pending: list[dict[str, Any]] = []
        self.wakeup = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []
        self.publisher = Publisher(loop, layer)
        # Control events handled once per process rather than once per socket (see `on`).
        self.process_handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self.gaps = Gaps(self)

    def on(self, event_type: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """`handler` takes every event of that type for the groups this process is in, once, instead of
        each local socket of the group: state one process keeps for all its sockets (who is typing)."""
        self.process_handlers[event_type] = handler

    def on_loss(self, handler: Callable[[str], None]) -> None:
        """`handler(group)` runs once per repair of a group that lost events, before its sockets catch up:
        state one process renders for all its sockets (the online list)."""
        self.gaps.handlers.append(handler)

    async def publish(self, group: str, event: dict[str, Any]) -> None:
        """From this loop: every process in the group gets `event` (a frame or a control event), in order
        with what this loop's threads send."""
        self.publisher.publish(group, {**event, "group": group})

    def deliver_local(self, group: str, html: str, lazy: bool = False) -> None:
        """A frame for this process's sockets of the group only (each process renders its own copy)."""
        self.pending.append(
            {"type": "hub.frame", "group": group, "html": html, "message_id": None, "lazy": lazy}
        )
        self.wakeup.set()

    async def join(self, group: str, subscriber: Subscriber) -> None:
        members = self.groups[group]
        members.add(subscriber)
        if len(members) == 1:
            self.gaps.joined(group)
            await self._subscribe(group)

    async def leave(self, group: str, subscriber: Subscriber) -> None:
        members = self.groups.get(group)
        if members is None:
            return
        members.discard(subscriber)
        if not members:
            del self.groups[group]
            self.gaps.left(group)
            channel = await self._channel()
            try:
                await self.layer.group_discard(group, channel)
            except Exception:
                logger.warning("channel layer unavailable: could not leave %s", group)
        if not self.groups:
            self._stop()

    def publish_threadsafe(self, group: str, event: dict[str, Any]) -> None:
        """From a worker thread: queue a group send on this loop and return at once (see publisher.py)."""
        self.publisher.publish_threadsafe(group, event)

    async def _channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
        if not self.tasks:
            losses.started = True
            self.tasks = [
                self.loop.create_task(job)
                for job in (self._relay(), self._dispatch(), self._refresh(), self.gaps.upkeep())
            ]
        return self.channel

    async def _subscribe(self, group: str) -> None:
        channel = await self._channel()
        try:
            await self.layer.group_add(group, channel)
        except Exception:
            # The relay re-subscribes every group once the layer answers again.
            logger.warning("channel layer unavailable: %s will be subscribed on recovery", group)

    def _stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        # channels-redis's pub/sub layer deletes a channel whose receive is cancelled: start afresh next time.
        self.channel = None

    async def _relay(self) -> None:
        """Takes events off the layer as fast as they come; the dispatcher sends whatever has gathered."""
        assert self.channel is not None
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.error(
                    "channel layer receive failed: live delivery paused until it is back", exc_info=True
                )
                await self._recover()
                continue
            origin = event.get("origin")
            if origin is not None:
                self.gaps.check(event, origin)
            kind = event.get("type")
            if kind == "hub.batch":
                self.pending.extend(event["events"])
            elif kind == WATERMARK:
                self.gaps.watermark(event)
                continue
            else:
                self.pending.append(event)
            self.wakeup.set()

    async def _dispatch(self) -> None:
        """Fans out what has gathered, pacing each group by its size (see HUB_FANOUT_PACE_US). A lazy frame
        (`send_html(..., lazy=True)`: reaction chips, the typing line) waits for its group's next fan-out and
        goes in the same write, or alone after HUB_LAZY_MS: in a busy room it costs no write of its own."""
        waiting: dict[str, list[dict[str, Any]]] = {}
        lazy: dict[str, list[dict[str, Any]]] = {}
        lazy_since: dict[str, float] = {}
        next_at: dict[str, float] = {}
        pace = settings.HUB_FANOUT_PACE_US / 1e6
        lazy_wait = settings.HUB_LAZY_MS / 1000
        while True:
            await self.wakeup.wait()
            self.wakeup.clear()
            events, self.pending = self.pending, []
            now = self.loop.time()
            for event in events:
                if event.get("type") != "hub.frame":
                    self._control(event)
                elif event.get("lazy"):
                    lazy_since.setdefault(event["group"], now)
                    lazy.setdefault(event["group"], []).append(event)
                else:
                    waiting.setdefault(event["group"], []).append(event)
            for group in [
                group for group in lazy if group in waiting or lazy_since[group] + lazy_wait <= now
            ]:
                waiting.setdefault(group, []).extend(lazy.pop(group))
                del lazy_since[group]
            for group in [group for group in waiting if next_at.get(group, 0) <= now]:
                batch = waiting.pop(group)
                sockets = await self._fan_out(group, batch)
                next_at[group] = self.loop.time() + sockets * pace
            wake = [next_at[group] for group in waiting] + [at + lazy_wait for at in lazy_since.values()]
            if wake:
                self.loop.call_at(min(wake), self.wakeup.set)
            elif len(next_at) > 1000:
                next_at = {group: at for group, at in next_at.items() if at > now}

    async def _fan_out(self, group: str, batch: list[dict[str, Any]]) -> int:
        """The hot path: one joined string, written to every local socket of the group."""
        members = self.groups.get(group)
        if not members:
            return 0
        html = batch[0]["html"] if len(batch) == 1 else "".join(event["html"] for event in batch)
        for subscriber in list(members):
            try:
                await subscriber.deliver(batch, html)
            except Exception:
                logger.exception("delivery to one socket failed")
        return len(members)

    def _control(self, event: dict[str, Any]) -> None:
        handler = self.process_handlers.get(event.get("type", ""))
        if handler is not None:
            try:
                handler(event)
            except Exception:
                logger.exception("process handler for %s failed", event.get("type"))
            return
        for subscriber in list(self.groups.get(event.get("group", ""), ())):
            self.loop.create_task(subscriber.control(event))

    async def _recover(self) -> None:
        await recovery.recover(self)

    async def _refresh(self) -> None:
        await recovery.refresh(self)


def _new_hub(loop: asyncio.AbstractEventLoop) -> Hub:
    layer = get_channel_layer()
    assert layer is not None
    return Hub(loop, layer)


hub = PerLoop(_new_hub)
