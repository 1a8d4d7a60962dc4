"""Who sees which room: open rooms to everyone signed in, private rooms and conversations to members only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(alice, bob) -> dict[str, Room]:
    """An open room, a private room of alice's, and alice and bob's conversation."""
    lobby = Room.objects.create(name="lobby", slug="lobby")
    secret = Room.objects.create(name="secret plans", slug="secret-plans", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=secret, user=alice)
    direct = room_actions.open_direct(alice, bob)
    return {"open": lobby, "private": secret, "direct": direct}


def test_a_non_member_sees_open_rooms_only(rooms, carol):
    assert list(Room.objects.visible_to(carol)) == [rooms["open"]]


def test_a_member_sees_the_private_room_and_conversation_they_belong_to(rooms, alice, bob):
    assert set(Room.objects.visible_to(alice)) == {rooms["open"], rooms["private"], rooms["direct"]}
    assert set(Room.objects.visible_to(bob)) == {rooms["open"], rooms["direct"]}


def test_a_room_with_several_members_is_listed_once(rooms, alice, bob, carol):
    Membership.objects.create(room=rooms["private"], user=bob)
    Membership.objects.create(room=rooms["open"], user=alice)
    Membership.objects.create(room=rooms["open"], user=carol)

    assert sorted(room.slug for room in Room.objects.visible_to(alice)) == sorted(
        room.slug for room in rooms.values()
    )


def test_nobody_signed_out_sees_any_room(rooms):
    assert list(Room.objects.visible_to(AnonymousUser())) == []


def test_the_room_selector_lists_a_private_room_to_its_members_only(rooms, alice, carol):
    outsider = login_client(carol).get("/rooms/").content.decode()
    member = login_client(alice).get("/rooms/").content.decode()

    assert "#lobby" in outsider
    assert "secret plans" not in outsider
    assert "/rooms/secret-plans/" not in outsider
    assert "#secret plans" in member
