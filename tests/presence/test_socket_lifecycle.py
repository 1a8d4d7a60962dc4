"""However a socket ends, its presence goes with it; one user's sockets are capped (hardening 4 and 6)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from messaging import consumers
from presence import tracker
from presence.models import Connection
from presence.notifier import notifier
from tests.conftest import open_socket
from tests.presence.shown import shown_by

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def connections() -> list[Connection]:
    return list(Connection.objects.all())


async def test_a_socket_whose_handler_raises_leaves_no_presence_behind(room, alice, monkeypatch):
    def broken(*args):
        raise RuntimeError("a bug after the presence row was written")

    monkeypatch.setattr(consumers, "unread_state", broken)

    socket = await open_socket("/ws/rooms/general/", alice, wait_live=False)
    with pytest.raises(RuntimeError):
        await socket.close_code()  # the communicator re-raises what killed the consumer

    assert await connections() == []
    assert notifier().live == set()


async def test_the_heartbeat_refreshes_live_sockets_only_and_drops_rows_of_dead_ones(
    connect, room, alice, bob, settings
):
    settings.PRESENCE_HEARTBEAT_SECONDS = 0.05
    a = await connect("/ws/rooms/general/", alice)
    # A row of this process whose socket is gone, whatever skipped its cleanup.
    await database_sync_to_async(Connection.objects.create)(
        key="ghost", user=bob, room=room, server=tracker.SERVER_ID, last_seen=timezone.now()
    )

    await a.receive_until(">bob</a>", timeout=3)  # listed until the next heartbeat
    async with asyncio.timeout(3):
        while shown_by(a.seen).names != ["alice"]:
            await a.receive()

    assert [c.user_id for c in await connections()] == [alice.pk]


async def test_a_user_over_the_socket_cap_is_closed_4429_and_told_why(connect, room, alice, bob, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 3
    for _ in range(3):
        await connect("/ws/rooms/general/", alice)

    extra = await connect("/ws/lobby/", alice, wait_live=False)

    assert "Too many open tabs" in await extra.receive_until('id="connection-status"')
    assert await extra.close_code() == 4429
    await connect("/ws/rooms/general/", bob)  # others are not affected
    assert len(await connections()) == 4


async def test_the_cap_counts_sockets_on_every_process(connect, room, alice, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 2
    for n in range(2):  # as if held by other server processes
        await database_sync_to_async(Connection.objects.create)(
            key=f"elsewhere-{n}", user=alice, room=room, server="other:1", last_seen=timezone.now()
        )

    extra = await connect("/ws/rooms/general/", alice, wait_live=False)

    assert await extra.close_code() == 4429


async def test_a_closed_socket_frees_its_place_under_the_cap(connect, room, alice, settings):
    settings.CHAT_MAX_SOCKETS_PER_USER = 1
    first = await connect("/ws/rooms/general/", alice)
    await first.disconnect()

    await connect("/ws/rooms/general/", alice)


async def test_a_session_over_the_cap_is_refused_before_any_database_work(room, alice, settings, monkeypatch):
    from channels import auth
    from channels.testing import WebsocketCommunicator

    from site_config.asgi import application
    from tests.conftest import Socket, session_cookie

    settings.CHAT_MAX_SOCKETS_PER_USER = 2
    cookie = await database_sync_to_async(session_cookie)(alice)
    headers = [
        (b"origin", b"http://localhost"),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={cookie}".encode()),
    ]
    opened = []
    for _ in range(2):
        communicator = WebsocketCommunicator(application, "/ws/rooms/general/", headers=headers)
        assert (await communicator.connect())[0]
        await Socket(communicator).receive_until("is-connected")
        opened.append(communicator)
    lookups = []
    original = auth.get_user

    def recorded(scope):
        lookups.append(scope)
        return original(scope)

    monkeypatch.setattr(auth, "get_user", recorded)

    extra = WebsocketCommunicator(application, "/ws/rooms/general/", headers=headers)
    assert (await extra.connect())[0]

    assert "Too many open tabs" in await Socket(extra).receive_until('id="connection-status"')
    assert await Socket(extra).close_code() == 4429
    assert lookups == []
    for communicator in opened:
        await communicator.disconnect()
    await notifier().settled()
