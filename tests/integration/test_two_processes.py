from __future__ import annotations

import pytest

from tests.ws_client import ChatUser

pytestmark = pytest.mark.services


async def test_users_on_two_processes_see_each_other_online_and_exchange_a_dm(cluster):
    first, second = cluster(2)
    alice = ChatUser(first.url, "alice").sign_up()
    bob = ChatUser(second.url, "bob").sign_up()
    alice.open_room("hall")

    a = await alice.socket("/ws/rooms/hall/")
    b = await bob.socket("/ws/rooms/hall/")

    # Presence is shared state: each sees the other, whichever process holds their socket.
    assert ">bob</a>" in await a.receive_until(">bob</a>")
    assert ">alice</a>" in b.seen[-1] or await b.receive_until(">alice</a>")

    # A room message crosses processes.
    await a.send(body="across the processes")
    assert "across the processes" in await b.receive_until("across the processes")

    # alice opens a DM with bob (its page writes nothing; its socket stores the conversation); bob, on the
    # other process, hears of it and of the message.
    dm_slug = next(part for part in alice.get("/dm/bob/").split('"') if part.startswith("/ws/rooms/dm-"))
    a_dm = await alice.socket(dm_slug, cursor={"after": "0", "since": "2000-01-01T00:00:00+00:00"})
    assert "@alice" in await b.receive_until('id="direct-list"')
    b_dm = await bob.socket(dm_slug)
    await a_dm.send(body="just for you")
    assert "just for you" in await b_dm.receive_until("just for you")
    assert "<i data-author" in await b.receive_until("<i data-author")

    for socket in (a, b, a_dm, b_dm):
        await socket.close()
