from __future__ import annotations

import pytest

from presence.models import Connection
from rooms import actions as room_actions
from rooms.models import Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def test_the_front_page_leads_to_the_room_selector():
    from django.test import Client

    response = Client().get("/")

    assert response.status_code == 302
    assert response["Location"] == "/rooms/"


def test_the_room_selector_lists_rooms_with_online_counts(room, alice, bob):
    from django.utils import timezone

    Connection.objects.create(key="a", user=alice, room=room, server="s", last_seen=timezone.now())
    Connection.objects.create(key="a2", user=alice, room=room, server="s", last_seen=timezone.now())
    Connection.objects.create(key="b", user=bob, room=room, server="s", last_seen=timezone.now())

    page = login_client(alice).get("/rooms/").content.decode()

    assert 'id="room-list"' in page
    assert "#general" in page
    assert f'id="room-count-{room.pk}"' in page
    assert "2 online" in page
    assert 'hx-ws:connect="/ws/lobby/"' in page


def test_opening_a_room_by_name_creates_it_with_a_slug(alice):
    response = login_client(alice).post("/rooms/", {"name": "Team Lunch"})

    room = Room.objects.get()
    assert (room.name, room.slug, room.kind) == ("Team Lunch", "team-lunch", "open")
    assert response["Location"] == "/rooms/team-lunch/"


def test_opening_an_existing_room_by_name_goes_there(room, alice):
    response = login_client(alice).post("/rooms/", {"name": "General"})

    assert response["Location"] == "/rooms/general/"
    assert Room.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "error"), [("!!!", "at least one letter"), ("", "required"), ("dm-1-2", "reserved")]
)
def test_a_bad_room_name_gets_a_form_error(alice, name, error):
    response = login_client(alice).post("/rooms/", {"name": name})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Room.objects.exists()


def test_visiting_an_unknown_slug_offers_to_create_the_room_and_stores_nothing(alice):
    response = login_client(alice).get("/rooms/new-place/")

    assert response.status_code == 404
    page = response.content.decode()
    assert '<form method="post" action="/rooms/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<input type="hidden" name="name" value="new-place">' in page
    assert not Room.objects.exists()


def test_the_offer_creates_the_room_in_one_click(alice):
    client = login_client(alice)

    response = client.post("/rooms/", {"name": "new-place"})

    assert response["Location"] == "/rooms/new-place/"
    room = Room.objects.get()
    assert (room.name, room.slug, room.kind, room.created_by) == ("new-place", "new-place", "open", alice)
    assert client.get("/rooms/new-place/").status_code == 200


def test_the_offer_can_be_turned_off(alice, settings):
    settings.CHAT_AUTO_CREATE_ROOMS = False

    response = login_client(alice).get("/rooms/new-place/")

    assert response.status_code == 404
    assert 'name="name"' not in response.content.decode()
    assert not Room.objects.exists()


def test_direct_conversations_never_appear_in_the_room_selector(alice, bob, carol):
    room_actions.open_direct(alice, bob)

    for user in (alice, bob, carol):
        page = login_client(user).get("/rooms/").content.decode()
        assert "alice &amp; bob" not in page
        assert "dm-" not in page
