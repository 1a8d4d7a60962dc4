"""The ceiling: a bare `websockets` broadcast server (no Django), sending a fragment as large as ours.

Run as `python -m benchmarks.baseline PORT`.
"""

from __future__ import annotations

import asyncio
import html
import json
import sys
import time

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
            broadcast(clients, frame)
            await connection.send('<div id="composer-reply" class="composer-reply" hx-swap-oob="true"></div>')
    finally:
        clients.discard(connection)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
