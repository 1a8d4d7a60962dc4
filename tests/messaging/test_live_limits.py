"""Frames the size of an attack against real daphne: refused with an error, the socket stays usable."""

from __future__ import annotations

import pytest
import websockets

from tests.live_server import LiveServer, migrate, server_env
from tests.ws_client import ChatUser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("limits")
    env = server_env(f"sqlite:///{base / 'db.sqlite3'}")
    migrate(env)
    live = LiveServer(env, base / "daphne.log").start()
    yield live
    live.stop()


async def test_a_one_mebibyte_text_frame_gets_an_error_and_the_socket_stays_usable(server):
    size = 1024 * 1024
    user = ChatUser(server.url, "big").sign_up()
    user.open_room("limits")
    socket = await user.socket("/ws/rooms/limits/")

    await socket.connection.send("x" * size)
    assert "far too long" in await socket.receive_until('id="composer-errors"')

    await socket.send(body="small and fine")
    await socket.receive_until("small and fine")
    assert "x" * 100 not in user.get("/rooms/limits/")
    await socket.close()


async def test_a_huge_binary_frame_gets_an_error(server):
    user = ChatUser(server.url, "binary").sign_up()
    user.open_room("limits")
    socket = await user.socket("/ws/rooms/limits/")

    await socket.connection.send(b"\x00" * (1024 * 1024))

    assert "Binary frames" in await socket.receive_until('id="composer-errors"')
    await socket.close()


async def test_a_frame_beyond_daphnes_limit_closes_only_that_socket(server):
    user = ChatUser(server.url, "huge").sign_up()
    user.open_room("limits")
    socket = await user.socket("/ws/rooms/limits/")

    async def send_too_much() -> None:
        await socket.connection.send("x" * (4 * 1024 * 1024))
        await socket.connection.recv()

    # Depending on timing the client sees the close frame or a reset while still sending.
    with pytest.raises((websockets.ConnectionClosed, ConnectionResetError)):
        await send_too_much()

    # The server is unharmed and the user can connect again.
    again = await user.socket("/ws/rooms/limits/")
    await again.send(body="back again")
    await again.receive_until("back again")
    await again.close()
