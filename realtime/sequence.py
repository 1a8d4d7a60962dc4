"""Numbered sends, so a receiving hub can tell that the channel layer dropped something (realtime/hub.py).

Every event a process hands to the channel layer carries `origin` (a random id of the sending stream: a
loop's publisher, or one worker thread), `seq` (per origin and group: 1, 2, 3…, one number for a whole
`hub.batch`) and `sent` (the sender's clock, for backlog). One stream's sends are strictly sequential (the
publisher's single task; a thread's blocking calls), so a receiver that sees seq 7 after 4 lost 5 and 6.
The last event of a burst has no successor to reveal its loss: a stream's watermark (`hub.seq`, sent
HUB_WATERMARK_SECONDS after its sends, and once more after that) repeats the last seq per group.
"""

from __future__ import annotations

import secrets
import threading
import time
import weakref
from typing import Any

# A stream that has sent to this many groups starts over with a new origin (receivers forget it in time).
MAX_GROUPS = 10_000


class Stream:
    def __init__(self) -> None:
        # Worker threads stamp; the loop takes watermarks.
        self.lock = threading.Lock()
        self._renew()

    def _renew(self) -> None:
        self.origin = secrets.token_hex(6)
        self.seqs: dict[str, int] = {}
        # The last seq per group the layer has taken (or refused): what a watermark may claim was sent.
        self.confirmed: dict[str, int] = {}
        self.marking: set[str] = set()  # groups sent to since the last watermark
        self.marked: set[str] = set()  # those of the last watermark: each is repeated once

    def stamp(self, group: str, event: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if group not in self.seqs and len(self.seqs) >= MAX_GROUPS:
                self._renew()
            seq = self.seqs[group] = self.seqs.get(group, 0) + 1
            return {**event, "origin": self.origin, "seq": seq, "sent": time.time()}

    def sent(self, group: str, event: dict[str, Any]) -> None:
        """The layer's group_send returned (or gave up): a watermark sent from now on arrives after it."""
        with self.lock:
            if event["origin"] == self.origin:
                self.confirmed[group] = event["seq"]
                self.marking.add(group)

    def take_marks(self) -> tuple[str, dict[str, int]]:
        """(origin, {group: last seq}) for the groups sent to since the watermark before last."""
        with self.lock:
            groups = self.marking | self.marked
            self.marked, self.marking = self.marking, set()
            return self.origin, {group: self.confirmed[group] for group in groups if group in self.confirmed}

    def has_marks(self) -> bool:
        return bool(self.marking or self.marked)


_local = threading.local()
_thread_streams: weakref.WeakSet[Stream] = weakref.WeakSet()
_registry = threading.Lock()


def thread_stream() -> Stream:
    """The calling thread's own stream (sends without a serving loop: HTTP views)."""
    stream: Stream | None = getattr(_local, "stream", None)
    if stream is None:
        stream = _local.stream = Stream()
        with _registry:
            _thread_streams.add(stream)
    return stream


def thread_streams() -> list[Stream]:
    with _registry:
        return list(_thread_streams)
