"""Scrolling back: the room's top links to the page before, loaded by htmx as it comes into view or followed
as a plain link to a history page without a socket, until the room's first message."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import actions
from messaging.models import Message
from rooms import actions as room_actions
from rooms.models import Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def bodies(html: str) -> list[str]:
    return re.findall(r'<div class="message-body"><p>(m \d+)</p></div>', html)


@pytest.fixture
def eighty(room, alice) -> list[int]:
    return [Message.objects.create(room=room, author=alice, body=f"m {n}").pk for n in range(1, 81)]


def test_a_room_shows_its_latest_messages_under_a_link_to_older_ones(eighty, alice):
    page = login_client(alice).get("/rooms/general/").content.decode()

    assert bodies(page) == [f"m {n}" for n in range(31, 81)]
    assert f'<a href="/rooms/general/?before={eighty[30]}">Older messages</a>' in page
    assert f'hx-get="/rooms/general/?before={eighty[30]}" hx-trigger=\'revealed root:.chat-scroller' in page


def test_scrolling_back_with_htmx_gets_the_page_before_and_then_the_start_of_the_room(eighty, alice):
    client = login_client(alice)

    chunk = client.get(f"/rooms/general/?before={eighty[30]}", HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in chunk
    assert bodies(chunk) == [f"m {n}" for n in range(1, 31)]
    assert "This is the beginning of #general." in chunk
    assert "Older messages" not in chunk


def test_without_javascript_a_history_page_has_no_socket_and_links_both_ways(eighty, alice, settings):
    settings.CHAT_HISTORY_LENGTH = 20
    client = login_client(alice)

    page = client.get(f"/rooms/general/?before={eighty[40]}").content.decode()

    assert bodies(page) == [f"m {n}" for n in range(21, 41)]
    assert "hx-ws:connect" not in page
    assert f'<a href="/rooms/general/?before={eighty[20]}">Older messages</a>' in page
    assert f'<a href="/rooms/general/?before={eighty[60]}">Newer messages</a>' in page
    assert '<a href="/rooms/general/">Jump to latest</a>' in page


def test_a_room_with_few_messages_starts_with_its_beginning(room, alice):
    actions.post_message(alice, room, "first words")

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert "This is the beginning of #general." in page
    assert "Older messages" not in page


@pytest.mark.parametrize("before", ["abc", "-5", "0", "9" * 40, "\uff11\uff12"])
def test_a_malformed_before_shows_the_live_room(eighty, alice, before):
    page = login_client(alice).get("/rooms/general/", {"before": before}).content.decode()

    assert "hx-ws:connect" in page
    assert bodies(page)[-1] == "m 80"


def test_a_conversation_scrolls_back_the_same_way_and_only_for_its_members(alice, bob, carol):
    room = room_actions.open_direct(alice, bob)
    ids = [Message.objects.create(room=room, author=alice, body=f"m {n}").pk for n in range(1, 61)]

    chunk = login_client(bob).get(f"/dm/alice/?before={ids[10]}", HTTP_HX_REQUEST="true").content.decode()

    assert bodies(chunk) == [f"m {n}" for n in range(1, 11)]
    assert "This is the beginning of your conversation with alice." in chunk
    assert login_client(carol).get(f"/rooms/{room.slug}/?before={ids[10]}").status_code == 404


def test_opening_a_room_with_unread_messages_shows_where_the_reader_left_off(room, alice, bob):
    room_actions.join_room(alice, room)  # a member (her socket joined her when she first came)
    seen = [actions.post_message(bob, room, f"m {n}").pk for n in range(1, 4)]
    client = login_client(alice)
    client.get("/rooms/general/")  # alice has read up to m 3
    actions.post_message(alice, room, "m 4")  # her own: not new to her
    unread = actions.post_message(bob, room, "m 5")

    page = client.get("/rooms/general/").content.decode()

    divider = page.index('<div id="new-messages" class="new-divider" role="separator"')
    assert page.index(f'id="message-{seen[-1]}"') < divider < page.index(f'id="message-{unread.pk}"')
    again = client.get("/rooms/general/").content.decode()
    assert 'id="new-messages"' not in again  # read now


def test_a_permalink_is_a_page_of_the_history_around_its_message_highlighted(eighty, alice, settings):
    settings.CHAT_HISTORY_LENGTH = 20
    response = login_client(alice).get(f"/rooms/general/messages/{eighty[9]}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert bodies(page) == [f"m {n}" for n in range(1, 21)]  # 10 before it, it, and what follows
    assert re.search(rf'id="message-{eighty[9]}" class="message[^"]* message-highlight"', page)
    assert page.count("message-highlight") == 1
    assert "hx-ws:connect" not in page  # no live socket: nothing is appended into the middle of history
    assert "This is the beginning of #general." in page
    assert f'<a href="/rooms/general/?before={eighty[40]}">Newer messages</a>' in page
    assert '<a href="/rooms/general/">Jump to latest</a>' in page


def test_a_permalink_deep_in_history_links_older_and_newer_pages(eighty, alice, settings):
    settings.CHAT_HISTORY_LENGTH = 20
    page = login_client(alice).get(f"/rooms/general/messages/{eighty[39]}/").content.decode()

    assert bodies(page) == [f"m {n}" for n in range(30, 50)]
    assert f'<a href="/rooms/general/?before={eighty[29]}">Older messages</a>' in page
    assert f'<a href="/rooms/general/?before={eighty[69]}">Newer messages</a>' in page


def test_a_recent_permalink_needs_no_newer_link_the_live_room_has_them(eighty, alice, settings):
    settings.CHAT_HISTORY_LENGTH = 20
    page = login_client(alice).get(f"/rooms/general/messages/{eighty[75]}/").content.decode()

    assert bodies(page)[-1] == "m 80"
    assert "Newer messages" not in page


def test_a_message_time_links_to_its_permalink(eighty, alice):
    page = login_client(alice).get("/rooms/general/").content.decode()

    pk = eighty[-1]
    assert f'<a class="message-time" href="/rooms/general/messages/{pk}/#message-{pk}" tabindex="-1">' in page


def test_a_conversation_permalink_lives_at_the_address_its_reader_knows(alice, bob, carol):
    room = room_actions.open_direct(alice, bob)
    message = actions.post_message(alice, room, "just between us")

    redirect = login_client(bob).get(f"/rooms/{room.slug}/messages/{message.pk}/")
    assert redirect.status_code == 302
    assert redirect["Location"] == f"/dm/alice/messages/{message.pk}/#message-{message.pk}"
    page = login_client(bob).get(f"/dm/alice/messages/{message.pk}/").content.decode()
    assert "just between us" in page
    assert "message-highlight" in page
    assert login_client(alice).get(f"/dm/bob/messages/{message.pk}/").status_code == 200
    for client, url in [
        (login_client(carol), f"/rooms/{room.slug}/messages/{message.pk}/"),
        (login_client(carol), f"/dm/alice/messages/{message.pk}/"),
        (login_client(carol), f"/dm/bob/messages/{message.pk}/"),
    ]:
        assert client.get(url).status_code == 404


def test_a_message_of_another_room_or_conversation_is_not_found_at_this_address(room, alice, bob):
    other = room_actions.open_room(alice, "random")
    elsewhere = actions.post_message(alice, other, "in random")
    direct = room_actions.open_direct(alice, bob)
    private = actions.post_message(alice, direct, "private words")
    client = login_client(alice)

    assert client.get(f"/rooms/general/messages/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/dm/bob/messages/{elsewhere.pk}/").status_code == 404
    assert client.get(f"/rooms/general/messages/{private.pk}/").status_code == 404
    assert client.get(f"/dm/alice/messages/{private.pk}/").status_code == 404  # herself: no such conversation


@pytest.mark.parametrize("pk", ["-1", "0", "abc", "9" * 25, "1e3", "%EF%BC%91"])
def test_a_malformed_or_missing_permalink_is_not_found(eighty, alice, bob, pk):
    room_actions.open_direct(alice, bob)
    client = login_client(alice)

    assert client.get(f"/rooms/general/messages/{pk}/").status_code == 404
    assert client.get(f"/dm/bob/messages/{pk}/").status_code == 404


def test_a_private_room_permalink_is_not_found_for_a_non_member(alice, carol):
    private = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    message = Message.objects.create(room=private, author=alice, body="hidden")

    assert login_client(carol).get(f"/rooms/secret/messages/{message.pk}/").status_code == 404
    assert login_client(carol).get(f"/rooms/secret/messages/{message.pk + 1000}/").status_code == 404


def test_a_permalink_page_answers_in_the_same_number_of_queries_at_any_depth(eighty, alice, settings):
    settings.CHAT_HISTORY_LENGTH = 20
    client = login_client(alice)
    client.get("/rooms/general/")  # the session and membership are warm
    counts = []
    for pk in (eighty[2], eighty[40], eighty[78]):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/rooms/general/messages/{pk}/").status_code == 200
        counts.append(len(queries))
    for before in (eighty[5], eighty[40], eighty[79]):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/rooms/general/?before={before}").status_code == 200
        counts.append(len(queries))
    assert max(counts[:3]) == min(counts[:3])
    assert max(counts[3:]) == min(counts[3:])
