"""@mentions: linked only for people who may read the room, a live badge for them, a page of mentions."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async

from messaging import actions, mentions
from messaging.models import Mention
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db(transaction=True)


def badge(html: str) -> str:
    """The number in the header's mentions link ("" when there is none)."""
    found = re.search(r'<a id="mention-count"[^>]*>(.*?)</a>', html, re.S)
    assert found is not None, html
    number = re.search(r'class="badge[^"]*">(\d+)<', found.group(1))
    return number.group(1) if number else ""


def test_a_mention_links_the_person_and_records_it_for_them(room, alice, bob):
    message = actions.post_message(alice, room, "@bob can you look? cc @nobody")

    assert f'<a class="mention" data-user="{bob.pk}" href="/dm/bob/">@bob</a>' in message.body_html
    assert "@nobody" in message.body_html
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["bob"]


def test_people_who_cannot_read_a_private_room_are_neither_linked_nor_notified(alice, bob, carol):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=secret, user=alice)
    Membership.objects.create(room=secret, user=bob)

    message = actions.post_message(alice, secret, "@bob @carol")

    assert f'data-user="{bob.pk}"' in message.body_html
    assert f'data-user="{carol.pk}"' not in message.body_html
    assert list(Mention.objects.values_list("user__username", flat=True)) == ["bob"]


def test_mentioning_yourself_or_inside_code_notifies_nobody(room, alice, bob):
    actions.post_message(alice, room, "note to @alice: `@bob` is a handle")

    assert not Mention.objects.exists()


def test_at_room_notifies_the_rooms_members_and_only_admins_may_in_big_rooms(room, alice, bob, carol):
    for user in (alice, bob, carol):
        room_actions.join_room(user, room)
    actions.post_message(bob, room, "@room lunch")
    assert sorted(Mention.objects.values_list("user__username", flat=True)) == ["alice", "carol"]

    Mention.objects.all().delete()
    mentions.ROOM_MENTION_OPEN_TO_ALL_UP_TO, limit = 2, mentions.ROOM_MENTION_OPEN_TO_ALL_UP_TO
    try:
        message = actions.post_message(bob, room, "@room again")
    finally:
        mentions.ROOM_MENTION_OPEN_TO_ALL_UP_TO = limit
    assert not Mention.objects.exists()
    assert "mention-room" not in message.body_html


def test_an_edit_that_adds_a_mention_notifies_only_the_newly_mentioned(room, alice, bob, carol):
    message = actions.post_message(alice, room, "@bob hi")

    actions.edit_message(alice, room, message.pk, "@bob @carol hi")

    assert sorted(Mention.objects.values_list("user__username", flat=True)) == ["bob", "carol"]


async def test_the_mentioned_person_gets_a_live_badge_on_any_page(connect, room, alice, bob):
    other = await database_sync_to_async(room_actions.open_room)(bob, "elsewhere")
    b = await connect(f"/ws/rooms/{other.slug}/", bob)
    lobby = await connect("/ws/lobby/", bob)
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="@bob ping")

    for socket in (b, lobby):
        frame = await socket.receive_until('id="mention-count"')
        assert badge(frame) == "1"
    assert a.heard_about('id="mention-count"') == []


def test_the_mentions_page_lists_them_and_clears_the_badge(room, alice, bob):
    actions.post_message(alice, room, "@bob first")
    actions.post_message(alice, room, "@bob second")
    client = login_client(bob)
    assert badge(client.get("/rooms/").content.decode()) == "2"

    page = client.get("/mentions/").content.decode()

    assert page.index("second") < page.index("first")
    assert "/rooms/general/messages/" in page
    assert badge(client.get("/rooms/").content.decode()) == "2"  # a GET writes nothing
    assert 'hx-post="/mentions/" hx-trigger="load"' in page
    cleared = client.post("/mentions/", HTTP_HX_REQUEST="true").content.decode()
    assert badge(cleared) == ""
    assert badge(client.get("/rooms/").content.decode()) == ""


def test_the_mentions_page_leaves_out_rooms_the_reader_can_no_longer_read(alice, bob):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=secret, user=alice)
    membership = Membership.objects.create(room=secret, user=bob)
    actions.post_message(alice, secret, "@bob secret plans")
    membership.delete()

    assert "secret plans" not in login_client(bob).get("/mentions/").content.decode()
