from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from presence import tracker
from presence.models import Connection
from presence.notifier import notifier
from realtime import groups
from tests.conftest import all_sent, login_client
from tests.presence.shown import ShownList

pytestmark = pytest.mark.django_db(transaction=True)


def online_list(frame: str) -> str:
    return frame[frame.index('id="online-users"') :]


async def painted(user) -> ShownList:
    """The online list of the room page as `user`'s browser first shows it."""
    page = await database_sync_to_async(lambda: login_client(user).get("/rooms/general/").content.decode())()
    return ShownList(page)


async def shows(socket, shown: ShownList, names: list[str], timeout: float = 3) -> None:
    """Applies the socket's frames to what its page shows until the list names exactly `names`."""
    for frame in socket.seen:
        shown.apply(frame)
    deadline = asyncio.get_running_loop().time() + timeout
    while shown.names != names:
        remaining = deadline - asyncio.get_running_loop().time()
        assert remaining > 0, (shown.names, socket.seen)
        shown.apply(await socket.receive(remaining))
    socket.seen.clear()


async def test_arriving_in_a_room_shows_the_newcomer_in_everyones_online_list(connect, room, alice, bob):
    page_a = await painted(alice)
    a = await connect("/ws/rooms/general/", alice)
    await shows(a, page_a, ["alice"])
    page_b = await painted(bob)
    assert page_b.names == ["alice", "bob"]  # the first paint names the viewer already

    b = await connect("/ws/rooms/general/", bob)

    await shows(a, page_a, ["alice", "bob"])
    await shows(b, page_b, ["alice", "bob"])  # the arrival is not added twice


async def test_leaving_removes_the_user_from_the_list_for_everyone_else(connect, room, alice, bob):
    page_a = await painted(alice)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await shows(a, page_a, ["alice", "bob"])

    await b.disconnect()

    await shows(a, page_a, ["alice"])


async def test_a_second_tab_counts_once_and_closing_it_changes_nothing_for_others(connect, room, alice, bob):
    page_a = await painted(alice)
    a = await connect("/ws/rooms/general/", alice)
    b1 = await connect("/ws/rooms/general/", bob)
    await shows(a, page_a, ["alice", "bob"])
    b2 = await connect("/ws/rooms/general/", bob)
    assert ShownList(b2.seen[-1]).names == ["alice", "bob"]  # the second tab gets the list as it is
    await all_sent(groups.room(room.pk), a)  # the joins' announcements may come in more than one batch
    before = len(a.seen)

    await b2.disconnect()

    await all_sent(groups.room(room.pk), a)
    late = a.seen[before:]
    assert not [f for f in late if "online-u" in f], (late, a.seen)
    assert await database_sync_to_async(Connection.objects.online_usernames)(room.pk) == ["alice", "bob"]
    await b1.disconnect()
    await shows(a, page_a, ["alice"])


async def test_a_join_is_one_render_for_the_whole_room(connect, room, alice, bob, carol, monkeypatch):
    renders: list[str] = []
    from django.template.loader import render_to_string as original

    from presence import broadcasts

    def counting(name, context):
        renders.append(name)
        return original(name, context)

    monkeypatch.setattr(broadcasts, "render_to_string", counting)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await a.receive_until(">bob</a>")
    await all_sent(groups.room(room.pk), a, b)  # the joins' announcements may come in more than one batch
    renders.clear()

    await connect("/ws/rooms/general/", carol)
    await a.receive_until(">carol</a>")
    await b.receive_until(">carol</a>")

    assert (
        len([name for name in renders if name.startswith("presence/_online_") and "total" not in name]) == 1
    )
    assert "presence/_online_users.html" not in renders  # the arrival alone, not the whole list


async def test_connections_of_a_dead_server_expire_and_lists_correct_themselves(
    connect, room, alice, bob, settings
):
    settings.PRESENCE_HEARTBEAT_SECONDS = 0.05
    a = await connect("/ws/rooms/general/", alice)
    # A crashed process: its row stays but nobody refreshes it.
    await database_sync_to_async(Connection.objects.create)(
        key="ghost", user=bob, room=room, server="dead", last_seen=timezone.now()
    )
    notifier().changed(room.pk)
    shown = ShownList()
    await shows(a, shown, ["alice", "bob"])
    await database_sync_to_async(Connection.objects.filter(server="dead").update)(
        last_seen=timezone.now() - timedelta(seconds=settings.PRESENCE_TTL_SECONDS + 1)
    )

    await shows(a, shown, ["alice"])
    assert not await database_sync_to_async(Connection.objects.filter(server="dead").exists)()


async def test_the_heartbeat_keeps_live_connections_fresh(connect, room, alice, settings):
    settings.PRESENCE_HEARTBEAT_SECONDS = 0.05
    await connect("/ws/rooms/general/", alice)
    await database_sync_to_async(Connection.objects.update)(last_seen=timezone.now() - timedelta(seconds=30))

    await asyncio.sleep(0.3)

    row = await database_sync_to_async(Connection.objects.get)()
    assert row.server == tracker.SERVER_ID
    assert timezone.now() - row.last_seen < timedelta(seconds=5)


async def test_the_room_selector_socket_gets_live_online_counts(connect, room, alice, bob):
    lobby = await connect("/ws/lobby/", alice)

    b = await connect("/ws/rooms/general/", bob)
    frame = await lobby.receive_until(f'id="room-count-{room.pk}"')
    assert "1 online" in frame

    await b.disconnect()
    assert "0 online" in await lobby.receive_until(f'id="room-count-{room.pk}"')


async def test_every_page_hears_the_total_of_people_online(connect, room, alice, bob):
    a = await connect("/ws/lobby/", alice)

    await connect("/ws/rooms/general/", bob)

    # Joins are announced in coalesced batches: alice's own may come first, then the one counting bob.
    assert 'id="online-total"' in await a.receive_until("2 people online")


async def test_an_anonymous_lobby_socket_is_closed_with_4401(connect, db):
    socket = await connect("/ws/lobby/", None, wait_live=False)

    assert await socket.close_code() == 4401
