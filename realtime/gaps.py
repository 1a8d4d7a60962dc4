"""Nothing is lost silently. The channel layer drops a group message for a process over its capacity and one
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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

from realtime import losses, recovery

if TYPE_CHECKING:
    from realtime.hub import Hub

logger = logging.getLogger(__name__)

# Late events are logged at most once per this many seconds.
LATE_LOG_SECONDS = 5
# What a relay knows of a sender it has not heard from in a group for one to two such periods is forgotten.
FORGET_SECONDS = 600


class Gaps:
    """One hub's bookkeeping of numbered events: what arrived, what went missing, and its repair."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        # Per subscribed group, per sending stream: [last seq seen, generation when seen] (see `check`).
        self.seen: dict[str, dict[str, list[int]]] = {}
        self.generation = 0
        # Lost events per group not yet repaired, and their origins; groups being repaired.
        self.unrepaired: dict[str, tuple[int, set[str]]] = {}
        self.repairing: set[str] = set()
        # The running repairs (the loop keeps only weak references to tasks).
        self.repairs: set[asyncio.Task[None]] = set()
        self.handlers: list[Callable[[str], None]] = []
        # This process's own watermarks on their way (group: when sent, what it said).
        self.awaiting: dict[str, tuple[float, dict[str, int]]] = {}
        hub.publisher.on_mark = self.mark_sent
        expiry = float(getattr(hub.layer, "expiry", 60))
        self.late_after = expiry / 2
        self.own_mark_deadline = expiry + 1
        self.late_window = 0
        self.late_oldest = 0.0
        self.late_logged_at = 0.0
        self.reported_at = 0.0

    def joined(self, group: str) -> None:
        # Whatever was sent while not subscribed was not ours to see: numbering starts afresh.
        self.seen[group] = {}

    def left(self, group: str) -> None:
        self.seen.pop(group, None)

    def check(self, event: dict[str, Any], origin: str) -> None:
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

    def watermark(self, event: dict[str, Any]) -> None:
        group = event["group"]
        if event.get("by") == self.hub.publisher.stream.origin:
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

    def mark_sent(self, group: str, marks: dict[str, int]) -> None:
        if group in self.hub.groups:
            self.awaiting[group] = (time.time(), marks)

    def _lost(self, group: str, origin: str, count: int) -> None:
        losses.losses.lost_events += count
        losses.losses.gaps += 1
        lost, origins = self.unrepaired.get(group, (0, set()))
        origins.add(origin)
        self.unrepaired[group] = (lost + count, origins)
        if group not in self.repairing:
            self.repairing.add(group)
            task = self.hub.loop.create_task(self._repair(group))
            self.repairs.add(task)
            task.add_done_callback(self.repairs.discard)

    async def _repair(self, group: str) -> None:
        """One repair at a time per group; losses found meanwhile are repaired (and logged) once after it."""
        try:
            while (found := self.unrepaired.pop(group, None)) is not None:
                lost, origins = found
                subscribers = list(self.hub.groups.get(group, ()))
                logger.warning(
                    "lost %d event(s) for %s from %s: asking %d socket(s) to catch up; %d lost since start",
                    lost,
                    group,
                    ", ".join(sorted(origins)),
                    len(subscribers),
                    losses.losses.lost_events,
                )
                for handler in self.handlers:
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
        if self.hub.loop.time() - self.late_logged_at >= LATE_LOG_SECONDS:
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
        self.late_logged_at = self.hub.loop.time()

    async def upkeep(self) -> None:
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
            if self.hub.loop.time() - self.reported_at >= settings.HUB_LOSS_REPORT_SECONDS:
                self.reported_at = self.hub.loop.time()
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
        missing = [(group, marks) for group, marks in missing if group in self.hub.groups]
        if not missing:
            return
        logger.warning(
            "%d watermark(s) of this process did not come back within %.0f s (%s): subscribing again",
            len(missing),
            self.own_mark_deadline,
            ", ".join(group for group, _ in missing[:10]),
        )
        await recovery.resubscribe_all(self.hub)
        for group, marks in missing:
            before = losses.losses.lost_events
            self._check_marks(group, marks)
            if losses.losses.lost_events == before:  # only the watermark itself was lost
                self._lost(group, self.hub.publisher.stream.origin, 1)

    def _forget(self) -> None:
        """Senders not heard from in a group for two periods (a restarted process, a retired thread)."""
        self.generation += 1
        for origins in self.seen.values():
            for origin in [origin for origin, entry in origins.items() if entry[1] < self.generation - 1]:
                del origins[origin]
