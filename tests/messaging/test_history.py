"""Scrolling back: the room's top links to the page before, loaded by htmx as it comes into view or followed
as a plain link to a history page without a socket, until the room's first message."""

from __future__ import annotations

import re

import pytest

from messaging import actions
from messaging.models import Message
from rooms import actions as room_actions
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
    assert f'<a href="?before={eighty[30]}">Older messages</a>' in page
    assert f'hx-get="?before={eighty[30]}" hx-trigger=\'revealed root:.chat-scroller' in page


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
    assert f'<a href="?before={eighty[20]}">Older messages</a>' in page
    assert f'<a href="?before={eighty[60]}">Newer messages</a>' in page
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

    divider = page.index('<div id="new-messages" class="new-divider" role="separator">New</div>')
    assert page.index(f'id="message-{seen[-1]}"') < divider < page.index(f'id="message-{unread.pk}"')
    again = client.get("/rooms/general/").content.decode()
    assert 'id="new-messages"' not in again  # read now
