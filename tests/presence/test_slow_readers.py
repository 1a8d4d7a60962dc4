"""A client that stops reading is dropped with 1013 instead of being buffered for without end (hardening 6).

Needs a real server (daphne, and uvicorn which `make run` serves with): the bound is read from its transport,
which the test communicator does not have."""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.parse

import pytest
import websockets

from tests.live_server import LiveServer, migrate, server_env
from tests.presence.shown import shown_by
from tests.ws_client import ChatUser

BACKLOG = 64 * 1024


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def server(request, tmp_path_factory):
    base = tmp_path_factory.mktemp("slow")
    env = server_env(
        f"sqlite:///{base / 'db.sqlite3'}",
        CHAT_RATE_LIMIT_MESSAGES="0",
        CHAT_SOCKET_BACKLOG_BYTES=str(BACKLOG),
        CHAT_SOCKET_KERNEL_BUFFER_BYTES="16384",
        PRESENCE_BROADCAST_DELAY_MS="10",
    )
    migrate(env)
    live = LiveServer(env, base / f"{request.param}.log", kind=request.param).start()
    yield live
    live.stop()


async def stalled_socket(user: ChatUser, path: str) -> websockets.ClientConnection:
    """A socket that takes its first frame, then reads nothing (a tiny receive window, one frame queued)."""
    url = urllib.parse.urlsplit(user.base_url)
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((url.hostname, url.port))
    connection = await websockets.connect(
        user.base_url.replace("http", "ws", 1) + path,
        sock=raw,
        additional_headers={"Cookie": user.cookie_header, "Origin": user.base_url},
        max_queue=1,
    )
    assert "connection-status" in str(await connection.recv())
    # Its page syncs as htmx does on open (live frames are held until then), then it reads nothing more.
    await connection.send(json.dumps({"sync": "1", "after": "0", "since": "2020-01-01T00:00:00Z"}))
    return connection


async def test_a_socket_that_stops_reading_is_closed_1013_and_others_keep_receiving(server):
    reader = ChatUser(server.url, "stalled").sign_up()
    reader.open_room("flood")
    poster = ChatUser(server.url, "poster").sign_up()
    stalled = await stalled_socket(reader, "/ws/rooms/flood/")
    page = poster.get("/rooms/flood/")  # the poster's page, as first painted
    posting = await poster.socket("/ws/rooms/flood/")

    big = "x" * 3990

    def stalled_listed() -> bool:
        return "stalled" in shown_by([page, *posting.seen]).names

    assert stalled_listed()

    for n in range(200):
        await posting.send(body=f"{n} {big}")
        await posting.receive_until('id="composer-reply"')
        if not stalled_listed():
            break
    # The server let the stalled socket go: its user left the room's online list...
    async with asyncio.timeout(10):
        while stalled_listed():
            await posting.receive_until('id="online-')
    sent_before_drop = n + 1
    assert sent_before_drop * 4000 < 1024 * 1024  # ...long before a mebibyte of frames queued for it

    # ...and once it reads again it finds the close code htmx retries (its page then catches up).
    async def read_to_the_end() -> None:
        async with asyncio.timeout(10):
            while True:
                await stalled.recv()

    with pytest.raises(websockets.ConnectionClosed) as closed:
        await read_to_the_end()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1013
    await posting.send(body="the room goes on")
    await posting.receive_until("the room goes on")
    await posting.close()
    # Counted, with its numbers, in the server's log (realtime/losses.py).
    log = server.log_path.read_text()
    assert "fell too far behind (" in log
    assert "1 slow socket(s) closed since start" in log
