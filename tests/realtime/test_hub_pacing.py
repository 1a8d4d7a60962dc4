"""The hub paces each group by its size: a frame that comes too soon after a fan-out waits its turn, and then
goes out by itself, without another frame having to arrive to wake the dispatcher."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import InMemoryChannelLayer

from realtime.hub import Hub

PACE_US = 300_000  # 0.3 s per local socket: long enough to tell "held back" from "sent at once"


class Recorder:
    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        self.arrived = asyncio.Event()

    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        self.received.append((asyncio.get_running_loop().time(), html))
        self.arrived.set()

    async def resync(self) -> None:
        pass

    async def control(self, event: dict[str, Any]) -> None:
        pass

    async def next_frame(self, timeout: float) -> str:
        await asyncio.wait_for(self.arrived.wait(), timeout)
        self.arrived.clear()
        return self.received[-1][1]


def frame(html: str) -> dict[str, Any]:
    return {"type": "hub.frame", "group": "room-1", "html": html, "message_id": None}


async def test_a_paced_frame_goes_out_on_its_own_once_its_turn_comes(settings):
    settings.HUB_FANOUT_PACE_US = PACE_US
    layer = InMemoryChannelLayer()
    hub = Hub(asyncio.get_running_loop(), layer)
    socket = Recorder()
    await hub.join("room-1", socket)
    try:
        await layer.group_send("room-1", frame("first"))
        assert await socket.next_frame(timeout=2) == "first"

        await layer.group_send("room-1", frame("second"))  # inside the first one's pace window

        # Nothing else is sent: only the dispatcher's own timer can release it.
        assert await socket.next_frame(timeout=3) == "second"
        (first_at, _), (second_at, _) = socket.received
        assert second_at - first_at >= PACE_US / 1e6 * 0.8, "the second frame was not held back at all"
    finally:
        await hub.leave("room-1", socket)


async def test_frames_that_wait_together_go_out_joined_in_order(settings):
    settings.HUB_FANOUT_PACE_US = PACE_US
    layer = InMemoryChannelLayer()
    hub = Hub(asyncio.get_running_loop(), layer)
    socket = Recorder()
    await hub.join("room-1", socket)
    try:
        await layer.group_send("room-1", frame("<p>1</p>"))
        await socket.next_frame(timeout=2)
        await layer.group_send("room-1", frame("<p>2</p>"))
        await layer.group_send("room-1", frame("<p>3</p>"))

        assert await socket.next_frame(timeout=3) == "<p>2</p><p>3</p>"
        assert len(socket.received) == 2
    finally:
        await hub.leave("room-1", socket)


def lazy_frame(html: str) -> dict[str, Any]:
    return {**frame(html), "lazy": True}


async def test_a_lazy_frame_goes_out_in_the_same_write_as_the_next_frame(settings):
    settings.HUB_FANOUT_PACE_US = 0
    settings.HUB_LAZY_MS = 5000
    layer = InMemoryChannelLayer()
    hub = Hub(asyncio.get_running_loop(), layer)
    socket = Recorder()
    await hub.join("room-1", socket)
    try:
        await layer.group_send("room-1", lazy_frame("chips"))
        await layer.group_send("room-1", frame("message"))

        html = await socket.next_frame(timeout=2)

        assert "chips" in html
        assert "message" in html
        assert len(socket.received) == 1
    finally:
        await hub.leave("room-1", socket)


async def test_a_lazy_frame_alone_goes_out_after_the_lazy_wait(settings):
    settings.HUB_FANOUT_PACE_US = 0
    settings.HUB_LAZY_MS = 200
    layer = InMemoryChannelLayer()
    hub = Hub(asyncio.get_running_loop(), layer)
    socket = Recorder()
    await hub.join("room-1", socket)
    try:
        sent_at = asyncio.get_running_loop().time()
        await layer.group_send("room-1", lazy_frame("chips"))

        assert await socket.next_frame(timeout=2) == "chips"
        [(arrived_at, _)] = socket.received
        assert arrived_at - sent_at >= 0.15  # held for a message to ride with, then sent by the timer
    finally:
        await hub.leave("room-1", socket)
