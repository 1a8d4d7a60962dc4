"""Posts from a process's sockets are stored a batch at a time; every sender gets its own answer."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.db import database_sync_to_async

from messaging import actions
from messaging.errors import ActionRefused, RateLimited
from messaging.models import Message
from messaging.writer import writer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def batches(monkeypatch) -> list[list[str]]:
    """The bodies of each batch handed to the database, as they were handed."""
    seen: list[list[str]] = []
    store = actions.post_messages

    def recording(posts):
        seen.append([post.body for post in posts])
        return store(posts)

    monkeypatch.setattr(actions, "post_messages", recording)
    return seen


def body_of(result: Message | ActionRefused | BaseException) -> str:
    assert isinstance(result, Message), result
    return result.body


@database_sync_to_async
def stored_bodies() -> list[str]:
    return list(Message.objects.order_by("pk").values_list("body", flat=True))


async def test_posts_that_arrive_together_are_stored_in_one_batch_in_arrival_order(room, alice, bob, batches):
    posts = [actions.Post(alice if n % 2 else bob, room, f"m{n}") for n in range(5)]

    results = await asyncio.gather(*(writer().post(post) for post in posts))

    assert batches == [["m0", "m1", "m2", "m3", "m4"]]
    assert [body_of(result) for result in results] == ["m0", "m1", "m2", "m3", "m4"]
    assert await stored_bodies() == ["m0", "m1", "m2", "m3", "m4"]


async def test_posts_arriving_while_a_batch_is_stored_wait_for_the_next_one(room, alice, batches):
    first = asyncio.ensure_future(writer().post(actions.Post(alice, room, "first")))
    await asyncio.sleep(0)  # the first batch is on its way to the database
    later = [asyncio.ensure_future(writer().post(actions.Post(alice, room, f"later {n}"))) for n in range(3)]

    await asyncio.gather(first, *later)

    assert batches == [["first"], ["later 0", "later 1", "later 2"]]


async def test_a_refused_post_gets_its_refusal_and_the_rest_of_the_batch_is_stored(
    room, alice, bob, settings, batches
):
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    posts = [
        actions.Post(alice, room, "ok"),
        actions.Post(alice, room, "too many"),
        actions.Post(bob, room, "ok"),
    ]

    results = await asyncio.gather(*(writer().post(post) for post in posts))

    assert isinstance(results[1], RateLimited)
    assert await stored_bodies() == ["ok", "ok"]


async def test_a_sender_that_went_away_does_not_stop_the_others(room, alice, bob, batches):
    gone = asyncio.ensure_future(writer().post(actions.Post(alice, room, "sent, then the tab closed")))
    staying = asyncio.ensure_future(writer().post(actions.Post(bob, room, "still here")))
    await asyncio.sleep(0)
    gone.cancel()

    assert body_of(await staying) == "still here"
    # It was already on its way: stored, like a message whose sender closed the tab just after sending.
    assert await stored_bodies() == ["sent, then the tab closed", "still here"]


async def test_a_database_failure_reaches_every_sender_of_the_batch(room, alice, bob, monkeypatch):
    def broken(posts):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "post_messages", broken)
    posts = [actions.Post(alice, room, "a"), actions.Post(bob, room, "b")]

    results = await asyncio.gather(*(writer().post(post) for post in posts), return_exceptions=True)

    assert [str(result) for result in results] == ["disk full", "disk full"]
    monkeypatch.undo()
    assert body_of(await writer().post(actions.Post(alice, room, "after"))) == "after"


async def test_a_post_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_stored(
    room, alice, bob, carol, batches
):
    # A lone surrogate that got past validation (the form refuses it) makes SQLite's INSERT fail.
    posts = [
        actions.Post(alice, room, "first"),
        actions.Post(bob, room, "poison \ud800"),
        actions.Post(carol, room, "third"),
    ]

    results = await asyncio.gather(*(writer().post(post) for post in posts), return_exceptions=True)

    assert batches[0] == ["first", "poison \ud800", "third"]
    assert body_of(results[0]) == "first"
    assert isinstance(results[1], Exception)
    assert body_of(results[2]) == "third"
    assert await stored_bodies() == ["first", "third"]


async def test_twenty_users_posting_together_with_one_poison_frame_lose_nothing(connect, room, make_user):
    users = [await database_sync_to_async(make_user)(f"user{n}") for n in range(20)]
    sockets = [await connect("/ws/rooms/general/", user) for user in users]

    for n, socket in enumerate(sockets):
        for k in range(6):
            await socket.send_raw(text=json.dumps({"body": f"{n}-{k}" if (n, k) != (3, 2) else "\ud800"}))
    for socket in sockets:
        for _ in range(6):
            await socket.receive_until('id="composer-', timeout=10)

    stored = await stored_bodies()
    assert len(stored) == 119
    assert "3-2" not in stored
