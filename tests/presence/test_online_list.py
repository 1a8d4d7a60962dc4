"""A big room's online list names the first people and counts the rest, on the page and in pushes; online
counts reach only people who may read the room."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async

from presence import broadcasts, tracker
from realtime import groups, transport
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_online(room, make_user):
    users = [make_user(name) for name in ["eve", "bob", "dan", "alice", "carol"]]
    for n, user in enumerate(users):
        tracker.join(user, room.pk, f"socket-{n}")
    return users


def names_in(html: str) -> list[str]:
    return re.findall(r'<a href="/dm/\w+/">(\w+)</a>', html)


def test_the_page_names_the_first_people_alphabetically_and_counts_the_rest(room, five_online, settings):
    settings.PRESENCE_LIST_LIMIT = 3

    page = login_client(five_online[0]).get("/rooms/general/").content.decode()
    online = page[page.index('id="online-users"') :]

    assert names_in(online) == ["alice", "bob", "carol"]
    assert "and 2 more" in online


def test_the_pushed_list_is_capped_the_same_way(room, five_online, settings, monkeypatch):
    settings.PRESENCE_LIST_LIMIT = 4
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )

    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert names_in(pushed) == ["alice", "bob", "carol", "dan"]
    assert "and 1 more" in pushed


def test_a_list_within_the_limit_names_everyone(room, five_online):
    assert broadcasts.online_list(room.pk) == {
        "usernames": ["alice", "bob", "carol", "dan", "eve"],
        "more": 0,
    }


def test_online_counts_go_only_to_those_who_may_read_the_room(room, alice, bob, monkeypatch):
    secret = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    dm = room_actions.open_direct(alice, bob)
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )

    broadcasts.online_changed([room.pk, secret.pk, dm.pk])

    counted = {
        (group, count_id) for group, html in sent for count_id in re.findall(r'id="room-count-(\d+)"', html)
    }
    assert counted == {
        ("lobby", str(room.pk)),
        (f"unread-{secret.pk}", str(secret.pk)),
    }


@pytest.mark.django_db(transaction=True)
async def test_a_non_members_lobby_socket_never_receives_a_private_rooms_or_a_conversations_count(
    connect, room, alice, bob, carol
):
    secret = await database_sync_to_async(Room.objects.create)(
        name="secret", slug="secret", kind=Room.Kind.PRIVATE
    )
    await database_sync_to_async(Membership.objects.create)(room=secret, user=alice)
    dm = await database_sync_to_async(room_actions.open_direct)(alice, carol)
    member_lobby = await connect("/ws/lobby/", alice)
    outsider_lobby = await connect("/ws/lobby/", bob)

    await connect("/ws/rooms/secret/", alice)
    await connect(f"/ws/rooms/{dm.slug}/", carol)
    assert "1 online" in await member_lobby.receive_until(f'id="room-count-{secret.pk}"')
    # An open room's count, after the others: it reaches everyone, so by then the others would have too.
    await connect("/ws/rooms/general/", carol)
    await outsider_lobby.receive_until(f'id="room-count-{room.pk}"')
    await member_lobby.receive_until(f'id="room-count-{room.pk}"')
    await all_sent(groups.LOBBY, outsider_lobby, member_lobby)

    assert not any(f'id="room-count-{secret.pk}"' in frame for frame in outsider_lobby.seen)
    assert not any(f'id="room-count-{dm.pk}"' in frame for frame in outsider_lobby.seen + member_lobby.seen)


def test_a_change_that_leaves_the_names_shown_alone_pushes_only_the_count(
    room, five_online, settings, monkeypatch
):
    settings.PRESENCE_LIST_LIMIT = 2
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )
    broadcasts.online_changed([room.pk])
    sent.clear()

    tracker.join(type(five_online[0]).objects.create_user("zed"), room.pk, "socket-zed")
    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert pushed == '<li id="online-more" class="text-body-secondary" hx-swap-oob="true">and 4 more</li>\n'
    assert len(pushed) < 100


def test_a_change_of_the_names_shown_pushes_the_list(room, five_online, settings, monkeypatch):
    settings.PRESENCE_LIST_LIMIT = 2
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )
    broadcasts.online_changed([room.pk])
    sent.clear()

    tracker.join(type(five_online[0]).objects.create_user("aaron"), room.pk, "socket-aaron")
    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert names_in(pushed) == ["aaron", "alice"]


def test_within_a_window_only_one_process_renders_a_room(room, five_online, monkeypatch):
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )

    first = broadcasts.online_changed([room.pk], window_seconds=5)
    rendered = len(sent)
    second = broadcasts.online_changed([room.pk], window_seconds=5)  # another process, same window

    assert first == set()
    assert second == {room.pk}  # to try again once the window is over
    assert len(sent) == rendered


def test_the_window_grows_with_the_rooms_sockets(settings, monkeypatch):
    from presence import notifier as notifier_module

    settings.PRESENCE_BROADCAST_DELAY_MS = 250
    settings.PRESENCE_WINDOW_PER_SOCKET_US = 1000
    settings.PRESENCE_WINDOW_MAX_MS = 5000
    sizes = {"room-1": 10, "room-2": 2000, "room-3": 100_000}

    class FakeHub:
        groups = {name: range(size) for name, size in sizes.items()}

    monkeypatch.setattr(notifier_module, "hub", lambda: FakeHub())

    assert notifier_module.window_seconds(1) == 0.25
    assert notifier_module.window_seconds(2) == 2.0
    assert notifier_module.window_seconds(3) == 5.0


def test_the_first_paint_of_a_room_already_names_the_viewer(room, alice):
    page = login_client(alice).get("/rooms/general/").content.decode()

    assert names_in(page[page.index('id="online-users"') :]) == ["alice"]
