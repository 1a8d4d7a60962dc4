"""The ceiling: a bare `websockets` broadcast server (no Django), sending a fragment as large as ours.

Run as `python -m benchmarks.baseline PORT`. With `BENCH_BASELINE_REDIS_URL` and `BENCH_BASELINE_CHANNEL` set
(an N-process run), each process publishes the frames it makes to that Redis pub/sub channel and broadcasts
what arrives there to its own sockets: the cheapest fan-out across processes, as the ceiling for ours.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable

from websockets.asyncio.server import ServerConnection, broadcast, serve

FRAME = (
    '<div id="messages" hx-swap-oob="beforeend"><article id="message-{n}" class="message" data-author="1">'
    '<header class="message-meta"><a class="message-author" href="/dm/user/" '
    'title="Send user a direct message">user</a><time datetime="{iso}" title="{iso}">{hm}</time>'
    '<button type="submit" form="delete-form" name="delete" value="{n}" class="message-delete" '
    'aria-label="Delete this message">Delete</button></header>'
    '<p class="message-body">{body}</p></article></div>'
    '<input type="hidden" id="sync-after" name="after" value="{n}" hx-swap-oob="true">'
)

clients: set[ServerConnection] = set()
counter = 0
# Where a frame goes: straight to this process's sockets, or through Redis to every process's.
publish: Callable[[str], Awaitable[object]] | None = None


async def handler(connection: ServerConnection) -> None:
    global counter
    clients.add(connection)
    try:
        await connection.send('<span id="connection-status" hx-swap-oob="true">Live</span>')
        async for raw in connection:
            try:
                body = json.loads(raw).get("body")
            except (ValueError, AttributeError):
                continue
            if not isinstance(body, str) or not body:
                continue
            counter += 1
            now = time.gmtime()
            frame = FRAME.format(
                n=counter,
                body=html.escape(body),
                iso=time.strftime("%Y-%m-%dT%H:%M:%S", now),
                hm=time.strftime("%H:%M", now),
            )
            if publish is None:
                broadcast(clients, frame)
            else:
                await publish(frame)
            await connection.send('<div id="composer-reply" class="composer-reply" hx-swap-oob="true"></div>')
    finally:
        clients.discard(connection)


async def relay(url: str, channel: str) -> None:
    """Publishes this process's frames to `channel` and broadcasts every frame published there."""
    global publish
    import redis.asyncio as aioredis

    client = aioredis.Redis.from_url(url, socket_timeout=None)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)

    async def publish_frame(frame: str) -> object:
        return await client.publish(channel, frame)

    publish = publish_frame
    async for message in pubsub.listen():
        broadcast(clients, message["data"].decode())


async def main(port: int) -> None:
    url, channel = os.environ.get("BENCH_BASELINE_REDIS_URL"), os.environ.get("BENCH_BASELINE_CHANNEL")
    relaying = asyncio.ensure_future(relay(url, channel)) if url and channel else None
    while relaying is not None and publish is None and not relaying.done():
        await asyncio.sleep(0.01)  # subscribed before the port answers
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await (relaying or asyncio.get_running_loop().create_future())


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
