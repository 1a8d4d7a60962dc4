"""One user cannot stall everyone with sync frames (issue: hardening 2): a socket syncs when it opens and a
few times a minute after, and a catch-up is rendered a bounded batch at a time, so posts go in between."""

from __future__ import annotations

import asyncio
import time

import pytest
from channels.db import database_sync_to_async

from messaging import actions, catchup
from messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def post_many(room, author, count: int) -> list[int]:
    return [Message.objects.create(room=room, author=author, body=f"m {n}").pk for n in range(count)]


async def test_a_socket_syncs_once_on_open_and_further_syncs_are_refused(
    connect, room, alice, settings, monkeypatch
):
    settings.CHAT_SYNCS_PER_MINUTE = 2
    await post_many(room, alice, 30)
    renders = []
    original = catchup.render_step

    def recorded(*args):
        renders.append(args)
        return original(*args)

    monkeypatch.setattr(catchup, "render_step", recorded)
    a = await connect("/ws/rooms/general/", alice)

    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
    await a.receive_until('id="sync-since"')
    for _ in range(5):
        await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
        assert "Too many sync requests" in await a.receive_until('id="composer-errors"')

    assert sum(len(ids) for _, _, ids in renders) == 30  # the 30 messages, once


async def test_the_allowance_comes_back_with_time(connect, room, alice, settings):
    settings.CHAT_SYNCS_PER_MINUTE = 600  # one every 0.1 s
    a = await connect("/ws/rooms/general/", alice)
    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
    await a.receive_until('id="sync-since"')

    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
    assert "Too many" in await a.receive_until('id="composer-errors"')
    time.sleep(0.15)
    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
    await a.receive_until('id="sync-since"')


class Timeline:
    """The order in which catch-up renders and post batches reach the database thread; renders are slowed
    down (nobody else must wait for all of them), and `rendering` is set when the first one starts."""

    def __init__(self, monkeypatch, render_seconds: float) -> None:
        self.events: list[str] = []
        self.rendering = asyncio.Event()
        loop = asyncio.get_running_loop()
        render, post = catchup.render_step, actions.post_messages

        def slow_render(room, template, ids):
            assert len(ids) <= catchup.FRAME_BATCH
            self.events.append("render")
            loop.call_soon_threadsafe(self.rendering.set)
            time.sleep(render_seconds)
            return render(room, template, ids)

        def recorded_post(posts):
            self.events.append("post")
            return post(posts)

        monkeypatch.setattr(catchup, "render_step", slow_render)
        monkeypatch.setattr(actions, "post_messages", recorded_post)


async def test_a_large_catch_up_renders_in_batches_and_lets_posts_in_between(
    connect, room, alice, bob, monkeypatch
):
    await post_many(room, alice, 500)
    timeline = Timeline(monkeypatch, render_seconds=0.05)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
    await timeline.rendering.wait()
    await b.send(body="not behind a whole catch-up")
    await b.receive_until('id="composer-reply"')
    await a.receive_until('id="sync-since"', timeout=10)

    assert timeline.events.count("render") == 500 // catchup.FRAME_BATCH
    # Stored after the first batch, long before the last: it waited for one batch, not the catch-up.
    assert timeline.events.index("post") <= 2, timeline.events


async def test_many_sockets_catching_up_at_once_put_one_batch_ahead_of_a_post(
    connect, room, alice, bob, make_user, monkeypatch
):
    """A user who reopens sockets to sync again (each new socket may sync once) gains nothing: catch-ups
    take turns, one batch of renders in the database thread's queue at a time."""
    await post_many(room, alice, 300)
    timeline = Timeline(monkeypatch, render_seconds=0.03)
    others = [await database_sync_to_async(make_user)(f"syncer{n}") for n in range(5)]
    syncing = [await connect("/ws/rooms/general/", user) for user in (alice, alice, alice, *others)]
    b = await connect("/ws/rooms/general/", bob)

    for socket in syncing:
        await socket.send(sync="1", after="0", since="2020-01-01T00:00:00Z")
    await timeline.rendering.wait()
    await b.send(body="not behind everyone's catch-up")
    await b.receive_until('id="composer-reply"')
    for socket in syncing:
        await socket.receive_until('id="sync-since"', timeout=20)

    # Each catch-up in batches (one more for those planned after the post).
    assert timeline.events.count("render") >= 8 * 300 // catchup.FRAME_BATCH
    assert timeline.events.index("post") <= 2, timeline.events
