"""Unread counts in the sidebar: other people's messages after the last one read, tombstones excluded."""

from __future__ import annotations

import pytest

from messaging import actions, sidebar
from messaging.models import Message
from rooms import actions as room_actions
from rooms.models import Membership
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def unread_of(user, room) -> int:
    [membership] = [m for m in sidebar.memberships(user) if m.room_id == room.pk]
    return membership.unread  # type: ignore[attr-defined]


def test_only_other_peoples_live_messages_after_the_last_read_one_count(room, alice, bob):
    Membership.objects.create(room=room, user=alice)
    read = Message.objects.create(room=room, author=bob, body="already read")
    Membership.objects.filter(room=room, user=alice).update(last_read_id=read.pk)
    Message.objects.create(room=room, author=bob, body="new 1")
    Message.objects.create(room=room, author=bob, body="new 2")
    Message.objects.create(room=room, author=alice, body="my own reply")
    deleted = Message.objects.create(room=room, author=bob, body="regretted")
    actions.delete_message(deleted)

    assert unread_of(alice, room) == 2


def test_my_own_messages_never_count_as_unread(room, alice):
    Membership.objects.create(room=room, user=alice)
    for n in range(3):
        Message.objects.create(room=room, author=alice, body=f"talking to myself {n}")

    assert unread_of(alice, room) == 0


def test_deleted_messages_do_not_count_as_unread(room, alice, bob):
    Membership.objects.create(room=room, user=alice)
    for n in range(3):
        actions.delete_message(Message.objects.create(room=room, author=bob, body=f"gone {n}"))

    assert unread_of(alice, room) == 0


def test_the_conversation_list_shows_the_same_count(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    Message.objects.create(room=direct, author=bob, body="for alice")
    Message.objects.create(room=direct, author=alice, body="mine")
    actions.delete_message(Message.objects.create(room=direct, author=bob, body="gone"))

    page = login_client(alice).get("/dm/").content.decode()

    assert '1<span class="visually-hidden"> unread' in page
