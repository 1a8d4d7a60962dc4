"""Paths that start outside a socket (the admin, the logout page, a no-JavaScript form) or cross a catch-up,
followed end to end to the sockets they must change."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from messaging import broadcasts, log
from messaging.models import Message
from presence.notifier import notifier
from realtime import close_codes
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import ORIGIN, Socket, login_client

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE_ID = re.compile(r'<article id="message-(\d+)"')


def ids_in(frames: list[str]) -> list[int]:
    return [int(found) for frame in frames for found in MESSAGE_ID.findall(frame)]


async def socket_with_cookie(path: str, session_id: str) -> Socket:
    """A socket of one given login session, as a browser page signed in with that session opens it."""
    from site_config.asgi import application

    headers = [
        (b"origin", ORIGIN.encode()),
        (b"host", b"localhost"),
        (b"cookie", f"sessionid={session_id}".encode()),
    ]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    socket = Socket(communicator)
    await socket.receive_until('id="connection-status"')
    return socket


# Removing a member in the admin


def private_room_of(*users) -> tuple[Room, list[Membership]]:
    room = Room.objects.create(name="plans", slug="plans", kind=Room.Kind.PRIVATE)
    return room, [Membership.objects.create(room=room, user=user) for user in users]


def admin_removes(room: Room, memberships: list[Membership], removed: Membership) -> int:
    """The room's change form posted by a superuser, with DELETE ticked on one row of the members inline."""
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123")
    client = Client()
    client.force_login(admin)
    data = {
        "name": room.name,
        "slug": room.slug,
        "kind": room.kind,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for n, membership in enumerate(memberships):
        data[f"memberships-{n}-id"] = str(membership.pk)
        data[f"memberships-{n}-room"] = str(room.pk)
        data[f"memberships-{n}-user"] = str(membership.user_id)
        if membership == removed:
            data[f"memberships-{n}-DELETE"] = "on"
    response = client.post(f"/admin/rooms/room/{room.pk}/change/", data)
    return response.status_code


async def test_removing_a_member_in_the_admin_closes_their_socket_in_that_room(connect, alice, bob):
    room, memberships = await database_sync_to_async(private_room_of)(alice, bob)
    a = await connect("/ws/rooms/plans/", alice)
    b = await connect("/ws/rooms/plans/", bob)

    status = await database_sync_to_async(admin_removes)(room, memberships, memberships[1])

    assert status == 302
    assert await b.close_code() == close_codes.FORBIDDEN
    assert await database_sync_to_async(list)(room.memberships.values_list("user__username", flat=True)) == [
        "alice"
    ]
    # The member who stays keeps a working socket.
    await a.send(body="just us now")
    await a.receive_until("just us now")


# Logging out


async def test_logging_out_closes_the_sockets_of_that_session_only(room, alice):
    client = await database_sync_to_async(login_client)(alice)
    this_session = await socket_with_cookie("/ws/rooms/general/", client.cookies["sessionid"].value)
    other_client = await database_sync_to_async(login_client)(alice)
    other_session = await socket_with_cookie("/ws/rooms/general/", other_client.cookies["sessionid"].value)

    response = await database_sync_to_async(client.post)("/accounts/logout/")

    assert response.status_code == 302
    assert await this_session.close_code() == close_codes.NOT_SIGNED_IN
    await other_session.send(body="still signed in here")
    await other_session.receive_until("still signed in here")
    await other_session.disconnect()
    await notifier().settled()


# Deleting someone else's message


@pytest.mark.parametrize("staff", [True, False], ids=["staff", "not staff"])
async def test_only_staff_delete_someone_elses_message_over_the_socket(connect, room, alice, bob, staff):
    alice.is_staff = staff
    await database_sync_to_async(alice.save)()
    message = await database_sync_to_async(Message.objects.create)(room=room, author=bob, body="bob's words")
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(delete=str(message.pk))

    answer = await a.receive_until('id="composer-errors"')
    await message.arefresh_from_db()
    if staff:
        tombstone = await b.receive_until(f'id="message-{message.pk}"')
        assert "This message was deleted" in tombstone
        assert "bob's words" not in tombstone
        assert message.is_deleted
        assert "<p" not in answer  # an empty error list
    else:
        assert "<p" in answer
        assert not message.is_deleted
        # Bob's next post reaches him after anything the refusal would have sent.
        await b.send(body="mine stays")
        await b.receive_until("mine stays")
        assert b.heard_about("This message was deleted") == []


# The no-JavaScript delete


async def test_the_no_javascript_delete_button_deletes_for_everyone_live(connect, room, alice, bob):
    message = await database_sync_to_async(Message.objects.create)(room=room, author=alice, body="oops")
    b = await connect("/ws/rooms/general/", bob)
    client = await database_sync_to_async(login_client)(alice)

    response = await database_sync_to_async(client.post)("/rooms/general/", {"delete": str(message.pk)})

    assert response.status_code in (302, 303)
    tombstone = await b.receive_until(f'id="message-{message.pk}"')
    assert "This message was deleted" in tombstone
    assert "oops" not in tombstone
    await message.arefresh_from_db()
    assert message.is_deleted


async def test_the_no_javascript_delete_of_someone_elses_message_is_refused(room, alice, bob):
    message = await database_sync_to_async(Message.objects.create)(room=room, author=bob, body="bob's")
    client = await database_sync_to_async(login_client)(alice)

    response = await database_sync_to_async(client.post)("/rooms/general/", {"delete": str(message.pk)})

    assert response.status_code == 403
    await message.arefresh_from_db()
    assert not message.is_deleted


# Unlocking a room


def composer_tag(frame: str) -> str:
    found = re.search(r'<fieldset id="composer-fields"[^>]*>', frame)
    assert found is not None, frame
    return found.group(0)


async def test_unlocking_a_room_reenables_posting_on_open_pages(connect, room, alice, bob):
    await database_sync_to_async(room_actions.set_room_locked)(room, True)
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    await a.send(body="refused while locked")
    assert "locked" in await a.receive_until('id="composer-errors"')

    await database_sync_to_async(room_actions.set_room_locked)(room, False)

    for socket in (a, b):
        frame = await socket.receive_until('id="room-notice"')
        notice = frame[frame.index('id="room-notice"') :]
        assert "locked" not in notice.split("</div>", 1)[0]
        assert "disabled" not in composer_tag(frame)
    await a.send(body="open again")
    await b.receive_until("open again")
    assert await database_sync_to_async(list)(Message.objects.values_list("body", flat=True)) == [
        "open again"
    ]


# A live frame that arrives after the catch-up that already sent its message


async def test_a_live_frame_arriving_after_the_catch_up_is_not_doubled(connect, room, alice, bob):
    a = await connect("/ws/rooms/general/", alice)
    # Stored, but its broadcast is slow: it has not reached alice's process when her page syncs.
    late = await database_sync_to_async(Message.objects.create)(room=room, author=bob, body="slow broadcast")

    start = len(a.seen)
    await a.send(sync="1", after="0", since="2000-01-01T00:00:00+00:00")
    await a.receive_until('id="sync-since"')
    assert ids_in(a.seen[start:]) == [late.pk]

    await database_sync_to_async(broadcasts.messages_created)(log.prepare_new([late], None))  # now it arrives
    b = await connect("/ws/rooms/general/", bob)
    await b.send(body="next one")
    await a.receive_until("next one")

    assert ids_in(a.seen).count(late.pk) == 1
    assert len(a.heard_about("slow broadcast")) == 1
