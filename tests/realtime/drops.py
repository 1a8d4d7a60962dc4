"""For the loss tests: a channel layer of a given size, a relay that can be held, posts from outside."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.utils import timezone

from messaging import actions
from realtime import losses
from realtime.hub import hub

MESSAGE_ID = re.compile(r'<article id="message-(\d+)"')


def ids_in(frames: list[str]) -> list[int]:
    return [int(found) for frame in frames for found in MESSAGE_ID.findall(frame)]


def use_layer(settings: Any, backend: str, **config: Any) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": backend, "CONFIG": config}}
    channel_layers.backends = {}


class Valve:
    """Wraps the layer's receive before the hub starts: once closed, whatever the relay takes next is held
    (with everything behind it left in the layer) until it opens again."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.holding = asyncio.Event()
        layer: Any = get_channel_layer()
        receive = layer.receive

        async def held_receive(channel: str) -> dict[str, Any]:
            event: dict[str, Any] = await receive(channel)
            if not self.open.is_set():
                self.holding.set()
                await self.open.wait()
            return event

        layer.receive = held_receive

    def close(self) -> None:
        self.open.clear()
        self.holding.clear()

    def release(self) -> None:
        self.open.set()


@database_sync_to_async
def post(room: Any, author: Any, body: str) -> int:
    """Stored and broadcast by the action, from a worker thread (no serving loop: its own numbered stream)."""
    pk: int = actions.post_message(author, room, body).pk
    return pk


async def handed_over() -> None:
    """The loop's publisher has given the channel layer everything queued."""
    publisher = hub().publisher
    while publisher.outgoing or (publisher.task is not None and not publisher.task.done()):
        await asyncio.sleep(0.01)


async def sync(socket: Any, after: int) -> None:
    """The page's first sync (live frames flow from then on)."""
    await socket.send(sync="1", after=str(after), since=timezone.now().isoformat())
    await socket.receive_until('id="sync-since"', timeout=10)


def counts() -> tuple[int, int, int, int]:
    found = losses.LINE.fullmatch(losses.losses.line())
    assert found is not None
    return (
        int(found["lost"]),
        int(found["gaps"]),
        int(found["late"]),
        int(found["slow_socket_closes"]),
    )
