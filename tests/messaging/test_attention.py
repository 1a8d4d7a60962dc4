"""The tab title counts what is addressed to its reader: unread conversation messages plus unseen mentions,
at page load and live on every page of theirs, never for a room's traffic."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging import actions, attention, fragments, mentions
from messaging.models import Message
from presence.models import Connection
from realtime import events, groups
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db(transaction=True)


def title_of(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found is not None, html
    return found.group(1)


def say(room: Room, author, *bodies: str) -> list[Message]:
    return [actions.post_message(author, room, body) for body in bodies]


# The count


def test_only_other_peoples_messages_still_there_count_in_a_conversation(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    say(direct, alice, "one", "two")
    say(direct, bob, "mine")
    [regretted] = say(direct, alice, "regretted")
    actions.delete_message(regretted)

    assert attention.count_for(bob.pk) == 2
    assert attention.count_for(alice.pk) == 1


def test_messages_up_to_the_read_mark_no_longer_count(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    first, _second = say(direct, alice, "one", "two")

    actions.mark_read(bob, direct.pk, first.pk)

    assert attention.count_for(bob.pk) == 1


def test_room_traffic_counts_nothing_but_mentions_do_until_seen(room, alice, bob):
    Membership.objects.create(room=room, user=bob)
    say(room, alice, "chatter", "more chatter", "@bob look")
    assert attention.count_for(bob.pk) == 1

    mentions.mark_seen(bob)

    assert attention.count_for(bob.pk) == 0


def test_a_mention_whose_message_was_deleted_counts_no_more(room, alice, bob):
    [message] = say(room, alice, "@bob oops")
    actions.delete_message(message)

    assert attention.count_for(bob.pk) == 0


def test_a_mention_in_a_conversation_counts_once_as_its_message(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    say(direct, alice, "@bob hello")

    assert attention.count_for(bob.pk) == 1


def test_a_group_conversation_counts_for_each_of_its_other_members(alice, bob, carol):
    group = room_actions.open_group(alice, [bob, carol])
    say(group, alice, "hi both")
    say(group, carol, "hi")

    assert attention.counts([alice.pk, bob.pk, carol.pk]) == {alice.pk: 1, bob.pk: 2, carol.pk: 1}


def test_a_conversation_you_were_removed_from_counts_nothing(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    say(direct, alice, "one", "two")

    Membership.objects.filter(room=direct, user=bob).delete()

    assert attention.count_for(bob.pk) == 0


def test_a_conversation_open_on_one_of_your_pages_counts_nothing_while_it_is(alice, bob):
    direct = room_actions.open_direct(alice, bob)
    say(direct, alice, "seen as it arrives")
    row = Connection.objects.create(key="k", user=bob, room=direct, server="s", last_seen=timezone.now())
    assert attention.count_for(bob.pk) == 0

    # A page whose server died long ago is open nowhere.
    row.last_seen = timezone.now() - timedelta(hours=1)
    row.save()

    assert attention.count_for(bob.pk) == 1


def test_counting_for_several_people_takes_one_query(alice, bob, carol, django_assert_num_queries):
    group = room_actions.open_group(alice, [bob, carol])
    say(group, alice, "@bob hi")

    with django_assert_num_queries(1):
        attention.counts([alice.pk, bob.pk, carol.pk])


# At page load


def test_every_signed_in_page_title_carries_the_count(room, alice, bob):
    client = login_client(bob)
    assert title_of(client.get("/rooms/").content.decode()) == "Rooms · Chat"

    say(room_actions.open_direct(alice, bob), alice, "psst")

    assert title_of(client.get("/rooms/").content.decode()) == "(1) Rooms · Chat"
    assert title_of(client.get("/rooms/general/").content.decode()) == "(1) #general · Chat"
    assert title_of(client.get("/people/").content.decode()) == "(1) People · Chat"
    # Opening the conversation reads it: its own page counts it no more.
    assert title_of(client.get("/dm/alice/").content.decode()) == "alice · Chat"


def test_the_login_page_has_no_count():
    page = Client().get("/accounts/login/").content.decode()

    assert title_of(page) == "Log in · Chat"


def test_marking_mentions_seen_retitles_the_mentions_page(room, alice, bob):
    say(room, alice, "@bob look")
    say(room_actions.open_direct(alice, bob), alice, "psst")
    client = login_client(bob)
    assert title_of(client.get("/mentions/").content.decode()) == "(2) Mentions · Chat"

    answer = client.post("/mentions/", HTTP_HX_REQUEST="true").content.decode()

    assert title_of(answer) == "(1) Mentions · Chat"


# Live


def attention_events(sent: list[tuple[str, dict]]) -> dict[str, int]:
    return {group: event["count"] for group, event in sent if event["type"] == events.ATTENTION}


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr("realtime.transport.group_send", lambda group, event: calls.append((group, event)))
    return calls


def test_a_conversation_message_tells_its_other_members_only(alice, bob, carol, sent):
    group = room_actions.open_group(alice, [bob, carol])
    sent.clear()

    say(group, alice, "hi both")

    assert attention_events(sent) == {groups.user(bob.pk): 1, groups.user(carol.pk): 1}


def test_reading_a_conversation_tells_the_readers_pages_and_reading_a_room_tells_nobody(
    room, alice, bob, sent
):
    direct = room_actions.open_direct(alice, bob)
    [message] = say(direct, alice, "psst")
    [in_room] = say(room, alice, "hello")
    sent.clear()

    actions.mark_read(bob, room.pk, in_room.pk)
    actions.mark_read(bob, direct.pk, message.pk)
    actions.mark_read(bob, direct.pk, message.pk)  # nothing new read: nothing to say

    assert sent == [(groups.user(bob.pk), events.attention(0))]


def test_deleting_a_message_tells_whom_it_was_addressed_to(room, alice, bob, carol, sent):
    direct = room_actions.open_direct(alice, bob)
    [psst] = say(direct, alice, "psst")
    [mention] = say(room, alice, "@carol look")
    sent.clear()

    actions.delete_message(psst)
    actions.delete_message(mention)

    assert [(group, event) for group, event in sent if event["type"] == events.ATTENTION] == [
        (groups.user(bob.pk), events.attention(0)),
        (groups.user(carol.pk), events.attention(0)),
    ]


def queries_to_post(room: Room, author) -> int:
    """The queries a post in `room` costs, its broadcasts after commit included."""
    with CaptureQueriesContext(connection) as queries:
        actions.post_message(author, room, "hello everyone")
    return len(queries)


def test_a_post_in_an_open_room_costs_the_same_however_many_members_it_has(room, alice, make_user, sent):
    Membership.objects.create(room=room, user=alice)
    queries_to_post(room, alice)  # the room's first message costs a few more, whoever is in it
    alone = queries_to_post(room, alice)
    for n in range(8):
        Membership.objects.create(room=room, user=make_user(f"member{n}"))
    sent.clear()

    crowded = queries_to_post(room, alice)

    assert crowded == alone
    assert [group for group, _ in sent] == [groups.room(room.pk), groups.unread(room.pk)]


async def test_the_title_of_a_room_page_counts_direct_messages_and_mentions_live(connect, room, alice, bob):
    b = await connect("/ws/rooms/general/", bob)
    assert title_of(b.heard_about("<title>")[0]) == "#general · Chat"

    direct = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    await database_sync_to_async(say)(direct, alice, "psst")
    await b.receive_until("<title>(1) #general · Chat</title>")

    # Opening the conversation's page reads it.
    await database_sync_to_async(lambda: login_client(bob).get("/dm/alice/"))()
    await b.receive_until("<title>#general · Chat</title>")

    other = await database_sync_to_async(room_actions.open_room)(alice, "random")
    await database_sync_to_async(say)(other, alice, "@bob over here")
    await b.receive_until("<title>(1) #general · Chat</title>")


async def test_room_traffic_never_retitles_a_page(connect, room, alice, bob):
    b = await connect("/ws/rooms/general/", bob)
    a = await connect("/ws/rooms/general/", alice)

    await a.send(body="hello there")
    await b.receive_until("hello there")
    await all_sent(groups.user(bob.pk), b)

    assert len(b.heard_about("<title>")) == 1  # the greeting's


async def test_a_conversation_open_on_the_page_does_not_raise_its_title(connect, alice, bob):
    direct = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    b = await connect(f"/ws/rooms/{direct.slug}/", bob)
    lobby = await connect("/ws/lobby/", bob)
    a = await connect(f"/ws/rooms/{direct.slug}/", alice)

    await a.send(body="seen as it comes")
    frame = await lobby.receive_until("<title>")
    await b.receive_until("seen as it comes")

    assert title_of(frame) == "Rooms · Chat"
    # Closing the conversation's page reads it: still nothing counts.
    await b.disconnect()
    assert title_of(await lobby.receive_until("<title>")) == "Rooms · Chat"
    assert await database_sync_to_async(attention.count_for)(bob.pk) == 0


async def test_closing_a_conversation_page_drops_the_count_on_the_readers_other_pages(connect, alice, bob):
    direct = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    lobby = await connect("/ws/lobby/", bob)
    await database_sync_to_async(say)(direct, alice, "psst")
    await lobby.receive_until("<title>(1) Rooms · Chat</title>")

    b = await connect(f"/ws/rooms/{direct.slug}/", bob)
    await b.disconnect()

    await lobby.receive_until("<title>Rooms · Chat</title>")


async def test_a_group_page_is_titled_by_its_readers_names_for_it(connect, alice, bob, carol):
    group = await database_sync_to_async(room_actions.open_group)(alice, [bob, carol])

    b = await connect(f"/ws/rooms/{group.slug}/", bob)

    assert title_of(b.heard_about("<title>")[0]) == "alice and carol · Chat"


async def test_a_room_name_reaches_the_title_escaped(connect, alice, bob):
    await database_sync_to_async(Room.objects.create)(name="<script>alert(1)</script>", slug="xss")
    b = await connect("/ws/rooms/xss/", bob)

    direct = await database_sync_to_async(room_actions.open_direct)(alice, bob)
    await database_sync_to_async(say)(direct, alice, "psst")
    frame = await b.receive_until("<title>(1)")

    assert title_of(frame) == "(1) #&lt;script&gt;alert(1)&lt;/script&gt; · Chat"


def test_a_lone_surrogate_in_a_title_is_replaced_and_the_rest_escaped():
    html = fragments.page_title("#a\ud800<b>", 2)

    assert title_of(html) == "(2) #a\ufffd&lt;b&gt; · Chat"
    html.encode()  # a socket frame must be valid UTF-8
