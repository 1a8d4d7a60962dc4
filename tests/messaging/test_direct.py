from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from messaging import actions
from messaging.models import Message
from realtime import groups
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db(transaction=True)


def dm_slug(a, b) -> str:
    return Room.direct_slug(a, b)


def test_the_first_visit_shows_the_conversation_page_and_stores_nothing(alice, bob):
    response = login_client(alice).get("/dm/bob/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'hx-ws:connect="/ws/rooms/dm-{alice.pk}-{bob.pk}/"' in page
    assert 'id="messages"' in page
    assert 'name="body"' in page
    assert '<span id="room-title">bob</span>' in page
    assert '<a class="room-handle text-body-secondary fw-normal small" href="/people/bob/">@bob</a>' in page
    assert not Room.objects.exists()
    assert not Membership.objects.exists()


async def test_the_first_visits_socket_is_live_for_either_partner_and_stores_the_conversation(
    connect, alice, bob
):
    slug = f"dm-{alice.pk}-{bob.pk}"
    page = await database_sync_to_async(lambda: login_client(bob).get("/dm/alice/").content.decode())()
    assert f'hx-ws:connect="/ws/rooms/{slug}/"' in page

    await connect(f"/ws/rooms/{slug}/", bob)

    room = await database_sync_to_async(Room.objects.get)(slug=slug)
    members = await database_sync_to_async(
        lambda: set(room.memberships.values_list("user__username", flat=True))
    )()
    assert (room.kind, members) == (Room.Kind.DIRECT, {"alice", "bob"})


def test_a_dm_to_yourself_gets_a_clear_error_page(alice):
    response = login_client(alice).get("/dm/alice/")

    assert response.status_code == 400
    assert "That is you" in response.content.decode()
    assert not Room.objects.exists()


def test_a_dm_to_nobody_gets_a_clear_error_page(alice):
    response = login_client(alice).get("/dm/ghost/")

    assert response.status_code == 404
    assert "Nobody here is called" in response.content.decode()


def test_a_third_user_cannot_read_a_conversation_by_its_room_address(alice, bob, carol):
    room = room_actions.open_direct(alice, bob)
    Message.objects.create(room=room, author=alice, body="just between us")

    response = login_client(carol).get(f"/rooms/{room.slug}/")

    assert response.status_code == 404
    assert login_client(carol).post(f"/rooms/{room.slug}/", {"body": "hi"}).status_code == 404
    assert Message.objects.count() == 1


def test_a_member_following_the_room_address_lands_on_the_conversation(alice, bob):
    room = room_actions.open_direct(alice, bob)

    response = login_client(alice).get(f"/rooms/{room.slug}/")

    assert response["Location"] == "/dm/bob/"


def test_the_first_no_script_post_stores_the_conversation_with_exactly_two_members(alice, bob):
    client = login_client(alice)

    response = client.post("/dm/bob/", {"body": "psst"})

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dm/bob/#message-{message.pk}"
    assert (message.room.kind, message.room.slug) == (Room.Kind.DIRECT, f"dm-{alice.pk}-{bob.pk}")
    assert set(message.room.memberships.values_list("user__username", flat=True)) == {"alice", "bob"}
    assert "psst" in login_client(bob).get("/dm/alice/").content.decode()


def test_a_refused_first_post_stores_no_conversation(alice, bob, room, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    actions.post_message(alice, room, "one is the limit")
    client = login_client(alice)

    empty = client.post("/dm/bob/", {"body": "  "})
    limited = client.post("/dm/bob/", {"body": "psst"})

    assert empty.status_code == 400
    assert limited.status_code == 429
    assert "Slow down" in limited.content.decode()
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()
    assert Message.objects.count() == 1


def test_deleting_in_a_conversation_not_stored_yet_is_refused(alice, bob):
    response = login_client(alice).post("/dm/bob/", {"delete": "1"})

    assert response.status_code == 403
    assert not Room.objects.exists()


def test_a_conversation_between_long_usernames_gets_a_name_within_the_limit(make_user):
    first, second = make_user("a" * 150), make_user("b" * 150)

    room = room_actions.open_direct(first, second)

    room.refresh_from_db()
    assert len(room.name) == 80
    assert room.name.startswith("aaaa")


def test_the_direct_list_shows_the_last_message_and_unread_count(alice, bob):
    room = room_actions.open_direct(alice, bob)
    Message.objects.create(room=room, author=alice, body="first")
    Message.objects.create(room=room, author=alice, body="second")

    page = login_client(bob).get("/dm/").content.decode()

    assert "@alice" in page
    assert "second" in page
    assert '2<span class="visually-hidden"> unread' in page


def test_opening_the_conversation_clears_its_unread_count(alice, bob):
    room = room_actions.open_direct(alice, bob)
    message = Message.objects.create(room=room, author=alice, body="hello")
    client = login_client(bob)

    client.get("/dm/alice/")

    assert Membership.objects.get(room=room, user=bob).last_read_id == message.pk
    assert '<span class="visually-hidden"> unread' not in client.get("/dm/").content.decode()


async def test_a_third_user_cannot_tell_an_existing_conversation_from_a_missing_one(
    connect, alice, bob, carol
):
    room = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    dave = await database_sync_to_async(get_user_model().objects.create_user)("dave")

    existing = await connect(f"/ws/rooms/{room.slug}/", carol, wait_live=False)
    missing = await connect(f"/ws/rooms/{Room.direct_slug(alice, dave)}/", carol, wait_live=False)

    assert await existing.close_code() == await missing.close_code() == 4404
    assert not await database_sync_to_async(Room.objects.filter(memberships__user=dave).exists)()


def test_a_third_user_gets_the_same_http_answer_for_an_existing_and_a_missing_conversation(
    alice, bob, carol, make_user
):
    room = room_actions.open_direct(alice, bob)
    dave = make_user("dave")
    client = login_client(carol)

    existing = client.get(f"/rooms/{room.slug}/")
    missing = client.get(f"/rooms/{Room.direct_slug(alice, dave)}/")

    assert existing.status_code == missing.status_code == 404
    assert existing.content == missing.content


async def test_a_dm_reaches_the_recipient_live_and_raises_their_unread_badge_elsewhere(
    connect, room, alice, bob
):
    dm = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    bob_elsewhere = await connect("/ws/rooms/general/", bob)
    bob_in_dm = await connect(f"/ws/rooms/{dm.slug}/", bob)
    alice_in_dm = await connect(f"/ws/rooms/{dm.slug}/", alice)

    await alice_in_dm.send(body="are you there?")

    assert "are you there?" in await bob_in_dm.receive_until("message-")
    badge = await bob_elsewhere.receive_until(f'id="unread-{dm.pk}"')
    assert 'hx-swap-oob="beforeend"' in badge
    assert f'<i data-author="{alice.pk}"></i>' in badge
    await all_sent(groups.room(room.pk), bob_elsewhere)
    assert bob_elsewhere.heard_about("are you there?") == []


async def test_a_new_conversation_appears_in_the_recipients_sidebar_and_counts_from_then(
    connect, room, alice, bob
):
    bob_page = await connect("/ws/rooms/general/", bob)

    dm = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    added = await bob_page.receive_until('id="direct-list"')
    assert "@alice" in added
    assert f'id="unread-{dm.pk}"' in added

    await database_sync_to_async(actions.post_message)(alice, dm, "first words")
    assert f'id="unread-{dm.pk}"' in await bob_page.receive_until("<i data-author")


async def test_the_badge_fragment_is_the_same_for_every_member(connect, room, alice, bob, carol):
    await connect("/ws/lobby/", bob)
    await connect("/ws/lobby/", carol)
    await database_sync_to_async(Membership.objects.create)(room=room, user=bob)
    await database_sync_to_async(Membership.objects.create)(room=room, user=carol)
    b2 = await connect("/ws/lobby/", bob)
    c2 = await connect("/ws/lobby/", carol)

    await database_sync_to_async(actions.post_message)(alice, room, "news")

    badge = await b2.receive_until("<i data-author")
    assert badge == await c2.receive_until("<i data-author")
    assert f'id="unread-{room.pk}"' in badge
    assert f'<i data-author="{alice.pk}"></i>' in badge


async def test_messages_seen_live_are_read_once_the_page_closes(connect, alice, bob):
    dm = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    b = await connect(f"/ws/rooms/{dm.slug}/", bob)
    message = await database_sync_to_async(actions.post_message)(alice, dm, "seen live")
    await b.receive_until("seen live")

    await b.disconnect()

    membership = await database_sync_to_async(Membership.objects.get)(room=dm, user=bob)
    assert membership.last_read_id == message.pk


def test_someone_removed_from_a_conversation_can_no_longer_read_it(alice, bob):
    room = room_actions.open_direct(alice, bob)
    Message.objects.create(room=room, author=bob, body="before you left")
    Membership.objects.filter(room=room, user=alice).delete()

    response = login_client(alice).get("/dm/bob/")

    assert response.status_code == 404
    assert "before you left" not in response.content.decode()
    assert not Membership.objects.filter(room=room, user=alice).exists()


def test_the_post_action_itself_refuses_someone_outside_the_conversation(alice, bob, carol):
    from messaging.errors import NotAllowed

    room = room_actions.open_direct(alice, bob)

    with pytest.raises(NotAllowed):
        actions.post_message(carol, room, "let me in")
    assert not Message.objects.filter(body="let me in").exists()
