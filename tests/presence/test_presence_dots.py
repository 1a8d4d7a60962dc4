"""A one-to-one partner's dot in the sidebar: filled while they have any page of the chat open."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from presence import tracker
from rooms import actions as room_actions
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def test_the_first_socket_anywhere_comes_online_and_the_last_one_goes_offline(alice, room):
    first = tracker.join(alice, room.pk, "a1")
    second = tracker.join(alice, None, "a2")

    assert first is not None
    assert first.anywhere
    assert second is not None
    assert not second.anywhere
    assert second.in_room
    assert not tracker.leave("a1").anywhere
    left = tracker.leave("a2")
    assert left.anywhere
    assert left.in_room


def test_the_sidebar_shows_each_one_to_one_partner_online_or_not(alice, bob, carol, room):
    room_actions.open_direct(alice, bob)
    room_actions.open_direct(alice, carol)
    tracker.join(bob, None, "bob-lobby")

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert f'<span id="presence-u{bob.pk}" class="presence-dot is-online">' in page
    assert f'<span id="presence-u{carol.pk}" class="presence-dot">' in page


def test_a_group_conversation_has_no_dot(alice, bob, carol, room):
    room_actions.open_group(alice, [bob, carol])

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert "presence-u" not in page


@pytest.mark.django_db(transaction=True)
async def test_a_partner_coming_online_and_going_offline_reaches_the_sidebars_of_their_partners_only(
    connect, alice, bob, carol, room
):
    await database_sync_to_async(room_actions.open_direct)(alice, bob)
    watching = await connect("/ws/rooms/general/", alice)
    stranger = await connect("/ws/rooms/general/", carol)

    bobs = await connect("/ws/lobby/", bob)
    online = await watching.receive_until(f'id="presence-u{bob.pk}"')
    assert 'class="presence-dot is-online"' in online

    await bobs.disconnect()
    offline = await watching.receive_until(f'id="presence-u{bob.pk}" class="presence-dot"')
    assert "is-online" not in offline
    assert not stranger.heard_about(f"presence-u{bob.pk}")
