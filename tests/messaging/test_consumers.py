from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from messaging import actions
from messaging.models import Message
from rooms import actions as room_actions
from rooms.models import Membership, Room

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def stored_bodies() -> list[str]:
    return list(Message.objects.values_list("body", flat=True))


async def test_a_message_sent_by_one_member_reaches_every_socket_in_the_room(connect, room, alice, bob):
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(body="hello everyone")

    for socket in (a, b):
        frame = await socket.receive_until("hello everyone")
        assert 'id="messages" hx-swap-oob="beforeend"' in frame
        assert f'data-author="{alice.pk}"' in frame
    assert await stored_bodies() == ["hello everyone"]


async def test_a_stored_message_is_acknowledged_without_touching_the_input_being_typed_in(
    connect, room, alice
):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="hi")

    frame = await a.receive_until('id="composer-reply"')
    assert 'hx-swap-oob="true"' in frame
    assert 'id="composer-errors"' in frame  # any earlier error cleared
    # The page cleared its input when the frame left; replacing it now would drop what was typed since.
    assert "composer-body" not in frame


async def test_a_refused_message_comes_back_into_the_composer_with_its_error(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="x" * 5000)

    frame = await a.receive_until('id="composer-errors"')
    assert "limited to 4,000 characters" in frame
    assert 'id="composer-body"' in frame
    assert "x" * 5000 in frame


async def test_html_in_a_message_arrives_escaped(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="<script>alert(1)</script><b>bold</b>")

    frame = await a.receive_until("message-")
    assert "<script>" not in frame
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in frame


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("not json", "Malformed frame"),
        ("[1, 2]", "Malformed frame"),
        ('"a string"', "Malformed frame"),
        (json.dumps({"headers": {}}), "Type a message first"),
        (json.dumps({"body": ""}), "Type a message first"),
        (json.dumps({"body": "   \n\t "}), "Type a message first"),
        (json.dumps({"body": 42}), "Type a message first"),
        (json.dumps({"body": ["a", "b"]}), "Type a message first"),
        (json.dumps({"body": "x" * 4001}), "limited to 4,000 characters"),
        (json.dumps({"body": "y" * 70_000}), "far too long"),
    ],
)
async def test_bad_frames_get_an_error_for_the_sender_only_and_store_nothing(
    connect, room, alice, bob, raw, expected
):
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send_raw(text=raw)

    frame = await a.receive_until('id="composer-errors"')
    assert expected in frame
    assert await stored_bodies() == []
    # The socket stays usable after the refusal; bob gets that next post after anything the refusal sent him.
    await a.send(body="still here")
    await a.receive_until("still here")
    await b.receive_until("still here")
    assert b.heard_about("composer-errors", expected) == []
    assert len(b.heard_about('<article id="message-')) == 1


async def test_a_binary_frame_is_refused_with_an_error(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await a.send_raw(data=b"\x00\x01binary")

    assert "Binary frames are not accepted" in await a.receive_until('id="composer-errors"')
    assert await stored_bodies() == []


async def test_a_body_of_exactly_the_maximum_is_accepted(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="z" * 4000)

    await a.receive_until("message-")
    assert await stored_bodies() == ["z" * 4000]


async def test_unknown_fields_are_ignored(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="fine", author="someone-else", room="elsewhere", csrfmiddlewaretoken="x")

    frame = await a.receive_until("message-")
    assert f'data-author="{alice.pk}"' in frame


async def test_an_anonymous_socket_is_accepted_then_closed_with_4401(connect, room):
    socket = await connect("/ws/rooms/general/", None, wait_live=False)

    assert await socket.close_code() == 4401


async def test_a_socket_to_a_room_that_does_not_exist_is_closed_with_4404(connect, db, alice):
    socket = await connect("/ws/rooms/nowhere/", alice, wait_live=False)

    assert await socket.close_code() == 4404


async def test_a_cross_origin_socket_is_accepted_then_closed_4403_so_htmx_does_not_retry(room, alice):
    from tests.conftest import open_socket

    socket = await open_socket("/ws/rooms/general/", alice, origin="http://evil.example", wait_live=False)

    assert await socket.close_code() == 4403


async def test_a_private_room_refuses_a_non_member_with_4404_like_a_missing_room(connect, alice, bob):
    await database_sync_to_async(_private_room_for)(alice)

    socket = await connect("/ws/rooms/secret/", bob, wait_live=False)

    assert await socket.close_code() == 4404


async def test_a_locked_room_refuses_sends_with_a_notice(connect, room, alice, bob):
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await database_sync_to_async(room_actions.set_room_locked)(room, True)
    lock_frame = await b.receive_until('id="room-notice"')
    assert "locked" in lock_frame
    assert "disabled" in lock_frame

    await a.send(body="can I post?")
    assert "locked" in await a.receive_until('id="composer-errors"')
    assert await stored_bodies() == []


async def test_a_message_deleted_elsewhere_becomes_a_tombstone_on_open_pages(connect, room, alice, bob):
    b = await connect("/ws/rooms/general/", bob)
    message = await database_sync_to_async(Message.objects.create)(room=room, author=alice, body="oops")

    await database_sync_to_async(actions.delete_message)(message)

    frame = await b.receive_until(f'id="message-{message.pk}"')
    assert 'hx-swap-oob="true"' in frame
    assert "This message was deleted" in frame
    assert "oops" not in frame


async def test_a_deleted_room_closes_its_sockets_with_4404(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await database_sync_to_async(room_actions.delete_room)(room)

    assert await a.close_code() == 4404


async def test_the_rate_limit_refuses_the_excess_and_tells_the_flooder(connect, room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 3
    a = await connect("/ws/rooms/general/", alice)

    for n in range(5):
        await a.send(body=f"flood {n}")
    frames = [
        await a.receive_until(needle)
        for needle in ("flood 0", "flood 1", "flood 2", "Slow down", "Slow down")
    ]

    assert ["Slow down" in frame for frame in frames] == [False, False, False, True, True]
    # Refused texts come back into the flooder's composer, never into a log.
    assert [frame for frame in a.heard_about("flood 3", "flood 4") if 'id="messages"' in frame] == []
    assert await stored_bodies() == ["flood 0", "flood 1", "flood 2"]


def _private_room_for(user) -> Room:
    room = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=room, user=user)
    return room
