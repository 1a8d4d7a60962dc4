from __future__ import annotations

import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from messaging import actions, catchup
from messaging.models import Message
from presence import actions as presence_actions
from rooms import actions as room_actions
from rooms.models import Membership, Room

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE_ID = re.compile(r'<article id="message-(\d+)"')


def ids_in(frames: list[str]) -> list[int]:
    return [int(found) for frame in frames for found in MESSAGE_ID.findall(frame)]


@database_sync_to_async
def post_many(room, author, count: int, prefix: str = "m") -> list[int]:
    return [Message.objects.create(room=room, author=author, body=f"{prefix} {n}").pk for n in range(count)]


async def sync(socket, after: int, since=None) -> list[str]:
    """Send the page's cursor the way its sync form does; the frames up to the new cursor."""
    since = since or timezone.now()
    await socket.send(sync="1", after=str(after), since=since.isoformat())
    start = len(socket.seen)
    await socket.receive_until('id="sync-since"', timeout=10)
    return socket.seen[start:]


async def test_a_page_that_missed_500_messages_gets_each_once_in_order(connect, room, alice, bob):
    seen_before = await post_many(room, bob, 3, "before")
    missed = await post_many(room, bob, 500, "missed")
    a = await connect("/ws/rooms/general/", alice)

    frames = await sync(a, after=seen_before[-1])

    received = ids_in(frames)
    assert received == missed
    assert len(set(received)) == 500
    assert f'id="sync-after" name="after" value="{missed[-1]}"' in frames[-1]


async def test_a_gap_larger_than_the_replay_limit_replaces_the_log_with_the_latest(
    connect, room, alice, bob, settings
):
    settings.CHAT_CATCHUP_LIMIT = 20
    ids = await post_many(room, bob, 80)
    a = await connect("/ws/rooms/general/", alice)

    frames = await sync(a, after=0)

    assert 'id="messages" class="messages" role="log"' in frames[0]
    assert 'hx-swap-oob="true"' in frames[0].split(">", 1)[0]
    assert ids_in(frames) == ids[-50:]
    # The replaced log scrolls back from its first message like the page's own.
    assert f'hx-get="?before={ids[-50]}"' in frames[0]
    assert "This is the beginning" not in frames[0]


async def test_a_replaced_log_that_holds_the_whole_room_says_where_it_begins(
    connect, room, alice, bob, settings
):
    settings.CHAT_CATCHUP_LIMIT = 5
    ids = await post_many(room, bob, 12)
    a = await connect("/ws/rooms/general/", alice)

    frames = await sync(a, after=0)

    assert ids_in(frames) == ids
    assert "This is the beginning of #general." in frames[0]
    assert "?before=" not in frames[0]


async def test_messages_deleted_while_away_come_back_as_tombstones(connect, room, alice, bob):
    ids = await post_many(room, bob, 5)
    left_at = timezone.now() - timedelta(minutes=5)
    message = await database_sync_to_async(Message.objects.get)(pk=ids[1])
    await database_sync_to_async(actions.delete_message)(message)
    a = await connect("/ws/rooms/general/", alice)

    frames = await sync(a, after=ids[-1], since=left_at)

    joined = "".join(frames)
    assert re.search(rf'<article id="message-{ids[1]}" class="message[^"]* message-deleted"', joined)
    assert 'hx-swap-oob="true"' in joined
    assert "This message was deleted" in joined
    assert "m 1" not in joined


async def test_live_messages_arriving_before_the_sync_are_held_and_not_doubled(
    connect, room, alice, bob, settings
):
    settings.CHAT_SYNC_GRACE_SECONDS = 30
    ids = await post_many(room, bob, 2)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await sync(b, after=ids[-1])
    # Posted through the action, so a live frame is pushed to alice's socket before she syncs.
    for n in range(3):
        await b.send(body=f"live {n}")
        await b.receive_until(f"live {n}")
    # An error goes straight back to alice alone: a live frame forwarded already would have come before it.
    await a.send(body="")
    await a.receive_until('id="composer-errors"')
    assert a.heard_about("live ") == []
    before_sync = len(a.seen)

    await sync(a, after=ids[-1])
    await b.send(body="after the sync")
    await a.receive_until("after the sync")

    received = ids_in(a.seen[before_sync:])
    assert len(received) == 4
    assert received == sorted(set(received))
    assert [body for body in ("live 0", "live 1", "live 2") if len(a.heard_about(body)) != 1] == []


async def test_a_page_with_nothing_missed_gets_only_its_new_cursor(connect, room, alice, bob):
    ids = await post_many(room, bob, 3)
    a = await connect("/ws/rooms/general/", alice)

    frames = await sync(a, after=ids[-1])

    assert ids_in(frames) == []
    assert len(frames) == 1


@pytest.mark.parametrize(
    "values",
    [
        {"sync": "1", "after": "not a number", "since": "2026-01-01T00:00:00+00:00"},
        {"sync": "1", "after": "-5", "since": "2026-01-01T00:00:00+00:00"},
        {"sync": "1", "after": "3", "since": "yesterday"},
        {"sync": "1"},
    ],
)
async def test_a_malformed_sync_gets_an_error_and_the_socket_stays_usable(connect, room, alice, values):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(**values)

    assert "Malformed sync" in await a.receive_until('id="composer-errors"')
    await a.send(body="still fine")
    await a.receive_until("still fine")


async def test_authors_delete_their_own_messages_for_everyone(connect, room, alice, bob):
    [mine] = await post_many(room, alice, 1)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(delete=str(mine))

    frame = await b.receive_until(f'id="message-{mine}"')
    assert "This message was deleted" in frame
    message = await database_sync_to_async(Message.objects.get)(pk=mine)
    assert message.is_deleted
    assert message.revised_at is not None


@pytest.mark.parametrize("target", ["someone else's", "unknown", "garbage"])
async def test_deleting_what_is_not_yours_is_refused(connect, room, alice, bob, target):
    [theirs] = await post_many(room, bob, 1)
    a = await connect("/ws/rooms/general/", alice)
    value = {"someone else's": str(theirs), "unknown": "999999", "garbage": "x1"}[target]

    await a.send(delete=value)

    assert "composer-errors" in await a.receive_until('id="composer-errors"')
    assert not (await database_sync_to_async(Message.objects.get)(pk=theirs)).is_deleted


async def test_signing_out_closes_that_sessions_sockets_with_4401(connect, room, alice):
    from realtime.close_codes import NOT_SIGNED_IN as CLOSE_NOT_SIGNED_IN

    a = await connect("/ws/rooms/general/", alice)
    session_key = await database_sync_to_async(_session_key_of)(a)

    await database_sync_to_async(presence_actions.end_session)(session_key)

    assert await a.close_code() == CLOSE_NOT_SIGNED_IN


async def test_a_member_removed_from_a_private_room_loses_its_socket_at_once(connect, alice, bob):
    room = await database_sync_to_async(Room.objects.create)(name="p", slug="p", kind=Room.Kind.PRIVATE)
    await database_sync_to_async(Membership.objects.create)(room=room, user=alice)
    membership = await database_sync_to_async(Membership.objects.create)(room=room, user=bob)
    b = await connect("/ws/rooms/p/", bob)

    await database_sync_to_async(room_actions.remove_member)(membership)

    assert await b.close_code() == 4403
    with pytest.raises(Exception, match="member"):
        await database_sync_to_async(actions.post_message)(bob, room, "still here?")


def _session_key_of(socket) -> str:
    cookie = dict(socket.communicator.scope["headers"])[b"cookie"].decode()
    return cookie.split("sessionid=", 1)[1]


async def test_a_sync_that_comes_after_the_grace_does_not_double_what_went_out_live(
    connect, room, alice, bob, settings
):
    settings.CHAT_SYNC_GRACE_SECONDS = 0  # the page is slow: live frames are released before it syncs
    ids = await post_many(room, bob, 2)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await sync(b, after=ids[-1])
    await b.send(body="live before alice syncs")
    await a.receive_until("live before alice syncs")

    frames = await sync(a, after=ids[-1])

    assert ids_in(frames) == []
    assert ids_in(a.seen).count(ids_in(a.seen)[-1]) == 1
    live_id = ids_in(a.seen)[-1]
    assert f'id="sync-after" name="after" value="{live_id}"' in frames[-1]


def test_a_plan_for_a_page_that_missed_nothing_hands_back_its_own_cursor_and_the_time(room):
    before = timezone.now()

    empty = catchup.plan(room, after=0, since=before)
    floored = catchup.plan(room, after=0, since=before, floor=7)

    assert (empty.replace_log, empty.missed, empty.revised, empty.cursor) == (False, [], [], 0)
    assert floored.cursor == 7
    assert before <= empty.synced_at <= timezone.now()


def test_exactly_the_replay_limit_is_appended_and_one_more_replaces_the_log(room, bob, settings):
    settings.CHAT_CATCHUP_LIMIT = 5
    ids = [Message.objects.create(room=room, author=bob, body=f"m {n}").pk for n in range(6)]
    before = timezone.now()

    at_limit = catchup.plan(room, after=ids[0], since=before)
    over = catchup.plan(room, after=0, since=before)

    assert (at_limit.replace_log, at_limit.missed, at_limit.cursor) == (False, ids[1:], ids[-1])
    assert (over.replace_log, over.missed, over.revised, over.cursor) == (True, ids, [], ids[-1])
    assert before <= over.synced_at <= timezone.now()
