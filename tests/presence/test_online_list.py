"""A big room's online list names the first people and counts the rest, on the page and in pushes; online
counts reach only people who may read the room."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.core.cache import cache

from presence import broadcasts, tracker
from realtime import groups, transport
from rooms import actions as room_actions
from rooms.models import Membership, Room
from tests.conftest import all_sent, login_client
from tests.presence.shown import ShownList

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_online(room, make_user):
    users = [make_user(name) for name in ["eve", "bob", "dan", "alice", "carol"]]
    for n, user in enumerate(users):
        tracker.join(user, room.pk, f"socket-{n}")
    return users


def names_in(html: str) -> list[str]:
    return re.findall(r'<a href="/people/\w+/">(\w+)</a>', html)


def test_the_page_names_the_first_people_to_arrive_and_counts_the_rest(room, five_online, settings):
    settings.PRESENCE_LIST_LIMIT = 3

    page = login_client(five_online[0]).get("/rooms/general/").content.decode()

    assert ShownList(page).names == ["eve", "bob", "dan"]
    assert ShownList(page).more == "and 2 more"


def test_the_pushed_list_is_capped_the_same_way(room, five_online, settings, monkeypatch):
    settings.PRESENCE_LIST_LIMIT = 4
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )

    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert ShownList(pushed).names == ["eve", "bob", "dan", "alice"]
    assert ShownList(pushed).more == "and 1 more"


def test_a_list_within_the_limit_names_everyone(room, five_online):
    online = broadcasts.online_list(room.pk)

    assert [name for _, name, _ in online["people"]] == ["eve", "bob", "dan", "alice", "carol"]
    assert online["more"] == 0


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


def test_an_arrival_beyond_the_names_shown_pushes_only_the_count(room, five_online, settings, monkeypatch):
    settings.PRESENCE_LIST_LIMIT = 2
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )
    broadcasts.online_changed([room.pk])
    page = ShownList("".join(html for group, html in sent if group == f"room-{room.pk}"))
    sent.clear()

    tracker.join(type(five_online[0]).objects.create_user("zed"), room.pk, "socket-zed")
    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert pushed.strip().startswith('<p id="online-more"')
    assert pushed.strip().endswith(">and 4 more</p>")
    assert len(pushed) < 120
    page.apply(pushed)
    assert page.names == ["eve", "bob"]


def test_arrivals_and_leavers_are_pushed_alone_and_any_page_converges(
    room, five_online, settings, monkeypatch
):
    settings.PRESENCE_LIST_LIMIT = 4
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )
    broadcasts.online_changed([room.pk])
    early = ShownList("".join(html for group, html in sent if group == f"room-{room.pk}"))
    sent.clear()
    tracker.leave("socket-1")  # bob, shown, leaves: carol moves up into the names shown
    # A page painted now, between two pushes, already shows the new state.
    late = ShownList(login_client(five_online[0]).get("/rooms/general/").content.decode())

    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert '<ul id="online-users" class' not in pushed  # not the whole list
    for page in (early, late):
        page.apply(pushed)
        assert page.names == ["eve", "dan", "alice", "carol"]
        assert page.more == ""


def test_the_whole_list_goes_out_again_now_and_then(room, five_online, settings, monkeypatch):
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )
    broadcasts.online_changed([room.pk])
    tracker.leave("socket-1")
    cache.delete(f"presence:full:{room.pk}")  # a minute has passed
    sent.clear()

    broadcasts.online_changed([room.pk])

    [pushed] = [html for group, html in sent if group == f"room-{room.pk}"]
    assert ShownList(pushed).names == ["eve", "dan", "alice", "carol"]


def test_within_a_window_only_one_process_renders_a_room(room, five_online, monkeypatch):
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        transport, "send_html", lambda group, html, message_id=None: sent.append((group, html))
    )

    first = broadcasts.online_changed({room.pk: 5})
    rendered = len(sent)
    second = broadcasts.online_changed({room.pk: 5})  # another process, same window

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

    assert ShownList(page).names == ["alice"]
