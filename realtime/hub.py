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

Nothing is lost silently. The channel layer drops a group message for a process over its capacity and one
that waited longer than its expiry, without telling anyone; every event is numbered by its sender
(realtime/sequence.py), so the relay finds a gap in the numbers (or a watermark ahead of what arrived), counts
it (realtime/losses.py), logs it, and repairs the group: its sockets catch up (`resync`: a room page fetches
what it missed from its cursor) and the process-level repairers re-render what they own (`on_loss`: the
online lists). A process also expects its own watermarks back: one that never comes means the layer forgot
this process's subscription (the in-memory layer unsubscribes a channel whose message expired), and every
group is subscribed again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings

from realtime import losses, recovery
from realtime.per_loop import PerLoop
from realtime.publisher import WATERMARK, Publisher

logger = logging.getLogger(__name__)

# Late events are logged at most once per this many seconds.
LATE_LOG_SECONDS = 5
# What a relay knows of a sender it has not heard from in a group for one to two such periods is forgotten.
FORGET_SECONDS = 600


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
        # Per subscribed group, per sending stream: [last seq seen, generation when seen] (see `_sequence`).
        self.seen: dict[str, dict[str, list[int]]] = {}
        self.generation = 0
        # Lost events per group not yet repaired, and their origins; groups being repaired.
        self.unrepaired: dict[str, tuple[int, set[str]]] = {}
        self.repairing: set[str] = set()
        self.loss_handlers: list[Callable[[str], None]] = []
        # This process's own watermarks on their way (group: when sent, what it said).
        self.awaiting: dict[str, tuple[float, dict[str, int]]] = {}
        self.publisher.on_mark = self._mark_sent
        expiry = float(getattr(layer, "expiry", 60))
        self.late_after = expiry / 2
        self.own_mark_deadline = expiry + 1
        self.late_window = 0
        self.late_oldest = 0.0
        self.late_logged_at = 0.0
        self.reported_at = 0.0

    def on(self, event_type: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """`handler` takes every event of that type for the groups this process is in, once, instead of
        each local socket of the group: state one process keeps for all its sockets (who is typing)."""
        self.process_handlers[event_type] = handler

    def on_loss(self, handler: Callable[[str], None]) -> None:
        """`handler(group)` runs once per repair of a group that lost events, before its sockets catch up:
        state one process renders for all its sockets (the online list)."""
        self.loss_handlers.append(handler)

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
            # Whatever was sent while not subscribed was not ours to see: numbering starts afresh.
            self.seen[group] = {}
            await self._subscribe(group)

    async def leave(self, group: str, subscriber: Subscriber) -> None:
        members = self.groups.get(group)
        if members is None:
            return
        members.discard(subscriber)
        if not members:
            del self.groups[group]
            self.seen.pop(group, None)
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
                for job in (self._relay(), self._dispatch(), self._refresh(), self._upkeep())
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
                self._sequence(event, origin)
            kind = event.get("type")
            if kind == "hub.batch":
                self.pending.extend(event["events"])
            elif kind == WATERMARK:
                self._watermark(event)
                continue
            else:
                self.pending.append(event)
            self.wakeup.set()

    def _sequence(self, event: dict[str, Any], origin: str) -> None:
        """The hot path's one check per event (not per socket): a dict lookup and an int compare."""
        origins = self.seen.get(event["group"])
        if origins is None:  # a group this process has left
            return
        seq = event["seq"]
        entry = origins.get(origin)
        if entry is None:  # a sender new to this group (or to this process): nothing to compare with
            origins[origin] = [seq, self.generation]
        else:
            last = entry[0]
            entry[0], entry[1] = seq, self.generation
            if seq > last + 1:
                self._lost(event["group"], origin, seq - last - 1)
        age = time.time() - event["sent"]
        if age > self.late_after:
            self._late(age)

    def _watermark(self, event: dict[str, Any]) -> None:
        group = event["group"]
        if event.get("by") == self.publisher.stream.origin:
            self.awaiting.pop(group, None)
        self._check_marks(group, event["marks"])

    def _check_marks(self, group: str, marks: dict[str, int]) -> None:
        """Each sender's last seq in the group: anything after what arrived from it was lost."""
        origins = self.seen.get(group)
        if origins is None:
            return
        for origin, seq in marks.items():
            entry = origins.get(origin)
            if entry is None:
                origins[origin] = [seq, self.generation]
                continue
            entry[1] = self.generation
            if seq > entry[0]:  # never backwards: a watermark may overtake events sent after it was taken
                lost, entry[0] = seq - entry[0], seq
                self._lost(group, origin, lost)

    def _mark_sent(self, group: str, marks: dict[str, int]) -> None:
        if group in self.groups:
            self.awaiting[group] = (time.time(), marks)

    def _lost(self, group: str, origin: str, count: int) -> None:
        losses.losses.lost_events += count
        losses.losses.gaps += 1
        lost, origins = self.unrepaired.get(group, (0, set()))
        origins.add(origin)
        self.unrepaired[group] = (lost + count, origins)
        if group not in self.repairing:
            self.repairing.add(group)
            self.loop.create_task(self._repair(group))

    async def _repair(self, group: str) -> None:
        """One repair at a time per group; losses found meanwhile are repaired (and logged) once after it."""
        try:
            while (found := self.unrepaired.pop(group, None)) is not None:
                lost, origins = found
                subscribers = list(self.groups.get(group, ()))
                logger.warning(
                    "lost %d event(s) for %s from %s: asking %d socket(s) to catch up; %d lost since start",
                    lost,
                    group,
                    ", ".join(sorted(origins)),
                    len(subscribers),
                    losses.losses.lost_events,
                )
                for handler in self.loss_handlers:
                    try:
                        handler(group)
                    except Exception:
                        logger.exception("repair of %s failed", group)
                for subscriber in subscribers:
                    try:
                        await subscriber.resync()
                    except Exception:
                        logger.exception("catch-up after lost events failed")
        finally:
            self.repairing.discard(group)

    def _late(self, age: float) -> None:
        losses.losses.late_events += 1
        self.late_window += 1
        self.late_oldest = max(self.late_oldest, age)
        if self.loop.time() - self.late_logged_at >= LATE_LOG_SECONDS:
            self._log_late()

    def _log_late(self) -> None:
        logger.warning(
            "%d event(s) arrived over %.0f s after they were sent (the oldest %.1f s): this process is not "
            "keeping up with its channel layer; %d late since start",
            self.late_window,
            self.late_after,
            self.late_oldest,
            losses.losses.late_events,
        )
        self.late_window, self.late_oldest = 0, 0.0
        self.late_logged_at = self.loop.time()

    async def _upkeep(self) -> None:
        """Every HUB_WATERMARK_SECONDS: own watermarks that never came back, late events not yet logged,
        senders not heard from in a while forgotten, the loss counters logged when they changed."""
        ticks = 0
        while True:
            await asyncio.sleep(settings.HUB_WATERMARK_SECONDS)
            ticks += 1
            await self._check_own_marks()
            if self.late_window:
                self._log_late()
            if ticks * settings.HUB_WATERMARK_SECONDS >= FORGET_SECONDS:
                ticks = 0
                self._forget()
            if self.loop.time() - self.reported_at >= settings.HUB_LOSS_REPORT_SECONDS:
                self.reported_at = self.loop.time()
                losses.report()

    async def _check_own_marks(self) -> None:
        now = time.time()
        missing = [
            (group, marks)
            for group, (sent_at, marks) in self.awaiting.items()
            if now - sent_at > self.own_mark_deadline
        ]
        if not missing:
            return
        for group, _ in missing:
            del self.awaiting[group]
        missing = [(group, marks) for group, marks in missing if group in self.groups]
        if not missing:
            return
        logger.warning(
            "%d watermark(s) of this process did not come back within %.0f s (%s): subscribing again",
            len(missing),
            self.own_mark_deadline,
            ", ".join(group for group, _ in missing[:10]),
        )
        await recovery.resubscribe_all(self)
        for group, marks in missing:
            before = losses.losses.lost_events
            self._check_marks(group, marks)
            if losses.losses.lost_events == before:  # only the watermark itself was lost
                self._lost(group, self.publisher.stream.origin, 1)

    def _forget(self) -> None:
        """Senders not heard from in a group for two periods (a restarted process, a retired thread)."""
        self.generation += 1
        for origins in self.seen.values():
            for origin in [origin for origin, entry in origins.items() if entry[1] < self.generation - 1]:
                del origins[origin]

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
