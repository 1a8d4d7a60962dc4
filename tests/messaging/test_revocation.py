"""Nobody keeps a socket who was let out: deactivated, deleted, or given a new password (hardening 1)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from messaging.models import Message
from presence import broadcasts
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def private_room_with(*users) -> Room:
    room = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    for user in users:
        Membership.objects.create(room=room, user=user)
    return room


@database_sync_to_async
def deactivate(user) -> None:
    user = get_user_model().objects.get(pk=user.pk)  # as the admin does: a fresh instance, saved
    user.is_active = False
    user.save()


@database_sync_to_async
def change_password(user) -> None:
    user = get_user_model().objects.get(pk=user.pk)
    user.set_password("a-brand-new-passphrase")
    user.save()


async def test_deactivating_a_user_closes_every_socket_of_theirs_with_4401(connect, alice, bob):
    await private_room_with(alice, bob)
    in_room = await connect("/ws/rooms/secret/", alice)
    lobby = await connect("/ws/lobby/", alice)
    other = await connect("/ws/rooms/secret/", bob)

    await deactivate(alice)

    assert "Signed out" in await in_room.receive_until('id="connection-status"')
    assert await in_room.close_code() == 4401
    assert await lobby.close_code() == 4401
    await other.send(body="bob is still here")
    await other.receive_until("bob is still here")


async def test_deleting_a_user_closes_their_sockets(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    user = await database_sync_to_async(get_user_model().objects.get)(pk=alice.pk)
    await database_sync_to_async(user.delete)()

    assert await a.close_code() == 4401


async def test_changing_a_users_password_closes_their_sockets(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    await change_password(alice)

    assert await a.close_code() == 4401


async def test_saving_other_fields_keeps_the_sockets(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)

    user = await database_sync_to_async(get_user_model().objects.get)(pk=alice.pk)
    user.first_name = "Alice"
    await database_sync_to_async(user.save)()

    await a.send(body="still connected")
    await a.receive_until("still connected")


async def test_a_socket_that_missed_the_broadcast_is_refused_at_its_next_send_and_sync(
    connect, room, alice, monkeypatch
):
    monkeypatch.setattr(broadcasts, "user_revoked", lambda user_id: None)  # e.g. Redis dropped it
    sender = await connect("/ws/rooms/general/", alice)
    syncer = await connect("/ws/rooms/general/", alice)
    await deactivate(alice)

    await sender.send(body="from beyond")
    await syncer.send(sync="1", after="0", since="2020-01-01T00:00:00Z")

    assert await sender.close_code() == 4401
    assert await syncer.close_code() == 4401
    assert not await database_sync_to_async(Message.objects.exists)()
    assert "sync-since" not in "".join(syncer.seen[1:])


async def test_a_sync_after_a_missed_removal_from_a_private_room_closes_4403(connect, alice, bob):
    secret = await private_room_with(alice, bob)
    a = await connect(f"/ws/rooms/{secret.slug}/", alice)
    # Removed without its broadcast (e.g. Redis dropped it): the sync still checks.
    await database_sync_to_async(Membership.objects.filter(room=secret, user=alice).delete)()

    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")

    assert await a.close_code() == 4403
    assert "sync-since" not in "".join(a.seen[1:])


async def test_a_sync_after_a_missed_room_deletion_closes_4404(connect, room, alice):
    a = await connect("/ws/rooms/general/", alice)
    await database_sync_to_async(Room.objects.filter(pk=room.pk).delete)()

    await a.send(sync="1", after="0", since="2020-01-01T00:00:00Z")

    assert await a.close_code() == 4404
    assert "sync-since" not in "".join(a.seen[1:])


async def test_a_deleted_authors_post_is_refused_not_an_integrity_error(connect, room, alice, monkeypatch):
    monkeypatch.setattr(broadcasts, "user_revoked", lambda user_id: None)
    a = await connect("/ws/rooms/general/", alice)
    await database_sync_to_async(get_user_model().objects.filter(pk=alice.pk).delete)()

    await a.send(body="ghost")

    assert await a.close_code() == 4401


def test_deactivating_ends_the_users_http_sessions_for_good(alice, bob, room):
    client = login_client(alice)
    login_client(bob)

    user = get_user_model().objects.get(pk=alice.pk)
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()

    assert client.get("/rooms/").status_code == 302  # reactivated, but the old session stays ended
    assert Session.objects.count() == 1  # bob's
