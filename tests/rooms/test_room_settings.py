from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from messaging.models import Message
from rooms import actions
from rooms.errors import NotRoomAdmin, RoomRefused
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def form(room: Room, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {"name": room.name, "topic": room.topic, "kind": room.kind}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_creating_a_private_room_with_a_topic_makes_the_creator_its_first_member(alice):
    response = login_client(alice).post(
        "/rooms/", {"name": "Plans", "topic": "Q3  roadmap", "kind": "private"}
    )

    room = Room.objects.get(slug="plans")
    assert response.status_code == 302
    assert response["Location"] == "/rooms/plans/"
    assert (room.kind, room.topic, room.created_by) == ("private", "Q3 roadmap", alice)
    assert Membership.objects.filter(room=room, user=alice).exists()


def test_creating_a_room_whose_name_you_can_see_is_refused_not_opened(alice, room):
    response = login_client(alice).post("/rooms/", {"name": "General", "kind": "open"})

    assert response.status_code == 400
    assert "There is already a room named #general." in response.content.decode()
    assert Room.objects.filter(name__iexact="general").count() == 1


def test_a_private_room_you_cannot_see_does_not_block_its_name_nor_show_through(alice, bob):
    hidden = actions.create_room(bob, "Secret", kind=Room.Kind.PRIVATE)

    response = login_client(alice).post("/rooms/", {"name": "Secret", "kind": "open"})

    mine = Room.objects.exclude(pk=hidden.pk).get(name="Secret")
    assert response["Location"] == f"/rooms/{mine.slug}/"
    assert mine.slug != hidden.slug


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("x" * 81, "at most 80 characters"),
        ("dm-5-6", "reserved for direct messages"),
        ("bad\u202ename", "control or invisible"),
        ("   ", "This field is required"),
    ],
)
def test_bad_room_names_are_refused_with_a_clear_error(alice, name, error):
    response = login_client(alice).post("/rooms/", {"name": name, "kind": "open"})

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Room.objects.exists()


def test_a_lone_surrogate_in_a_name_or_topic_is_refused_by_the_form():
    from rooms.forms import RoomDetailsForm

    assert not RoomDetailsForm({"name": "\ud800", "kind": "open"}).is_valid()
    assert not RoomDetailsForm({"name": "ok", "topic": "\udfff", "kind": "open"}).is_valid()


def test_a_topic_with_control_characters_or_too_long_is_refused(alice):
    client = login_client(alice)

    assert client.post("/rooms/", {"name": "ok", "topic": "a\x00b", "kind": "open"}).status_code == 400
    assert client.post("/rooms/", {"name": "ok", "topic": "t" * 201, "kind": "open"}).status_code == 400
    assert client.post("/rooms/", {"name": "ok", "kind": "direct"}).status_code == 400
    assert not Room.objects.exists()


def test_with_creation_for_staff_only_others_can_neither_create_nor_open_a_new_name(alice, settings, room):
    settings.CHAT_ROOM_CREATORS = "staff"
    client = login_client(alice)

    created = client.post("/rooms/", {"name": "Mine", "kind": "open"})
    opened_new = client.post("/rooms/", {"name": "Another"})
    opened_old = client.post("/rooms/", {"name": "general"})

    assert created.status_code == 400
    assert "Only staff can create rooms here." in created.content.decode()
    assert opened_new.status_code == 400
    assert opened_old.status_code == 302
    assert opened_old["Location"] == "/rooms/general/"
    assert "Create a room" not in client.get("/rooms/").content.decode()
    assert client.get("/rooms/nothing-here/").status_code == 404
    assert list(Room.objects.values_list("slug", flat=True)) == ["general"]


def test_with_creation_for_staff_only_staff_still_create(alice, settings):
    settings.CHAT_ROOM_CREATORS = "staff"
    alice.is_staff = True
    alice.save()

    response = login_client(alice).post("/rooms/", {"name": "Mine", "kind": "open"})

    assert response.status_code == 302
    assert Room.objects.filter(slug="mine").exists()


def test_the_creator_renames_and_sets_the_topic_and_the_address_stays(alice):
    room = actions.create_room(alice, "Plans")
    client = login_client(alice)

    response = client.post("/rooms/plans/settings/", form(room, name="Roadmap", topic="What next"))

    room.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/rooms/plans/"
    assert (room.name, room.topic, room.slug) == ("Roadmap", "What next", "plans")
    assert "What next" in client.get("/rooms/plans/").content.decode()


def test_a_member_who_is_not_an_admin_gets_403_and_nothing_changes(alice, bob):
    room = actions.create_room(alice, "Plans")
    client = login_client(bob)

    page = client.get("/rooms/plans/settings/")
    posted = client.post("/rooms/plans/settings/", form(room, name="Mine"))
    deleted = client.post("/rooms/plans/delete/", {"confirm": "on"})

    room.refresh_from_db()
    assert (page.status_code, posted.status_code, deleted.status_code) == (403, 403, 403)
    assert room.name == "Plans"
    assert 'href="/rooms/plans/settings/"' not in client.get("/rooms/plans/").content.decode()


def test_staff_are_admins_of_every_room(alice, bob):
    room = actions.create_room(alice, "Plans")
    bob.is_staff = True
    bob.save()

    response = login_client(bob).post("/rooms/plans/settings/", form(room, locked="on"))

    room.refresh_from_db()
    assert response.status_code == 302
    assert room.is_locked


def test_the_settings_of_a_private_room_are_a_404_for_non_members_like_a_missing_room(alice, bob):
    actions.create_room(alice, "Plans", kind=Room.Kind.PRIVATE)
    client = login_client(bob)

    for path in ["/rooms/plans/settings/", "/rooms/plans/members/", "/rooms/nope/settings/"]:
        assert client.get(path).status_code == 404
    assert client.post("/rooms/plans/leave/").status_code == 404


def test_an_archived_room_leaves_the_selector_and_sidebar_but_stays_readable_and_read_only(alice, bob):
    room = actions.create_room(alice, "Plans")
    Message.objects.create(room=room, author=alice, body="before archiving")
    Membership.objects.create(room=room, user=bob)

    login_client(alice).post("/rooms/plans/settings/", form(room, archived="on"))
    client = login_client(bob)

    assert "#Plans" not in client.get("/rooms/").content.decode()
    page = client.get("/rooms/plans/").content.decode()
    assert "before archiving" in page
    assert "This room is archived" in page
    assert client.post("/rooms/plans/", {"body": "after"}).status_code == 403
    assert "archived" in client.get("/rooms/plans/").content.decode()
    assert client.get("/search/", {"q": "archiving"}).content.decode().count('id="result-') == 1


def test_deleting_needs_the_confirmation_box_then_removes_room_and_messages(alice):
    room = actions.create_room(alice, "Plans")
    Message.objects.create(room=room, author=alice, body="gone")
    client = login_client(alice)

    unconfirmed = client.post("/rooms/plans/delete/", {})
    assert unconfirmed.status_code == 400
    assert Room.objects.filter(pk=room.pk).exists()

    confirmed = client.post("/rooms/plans/delete/", {"confirm": "on"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/rooms/"
    assert not Room.objects.filter(pk=room.pk).exists()
    assert not Message.objects.exists()


def test_a_get_of_settings_or_delete_writes_nothing(alice):
    room = actions.create_room(alice, "Plans")
    client = login_client(alice)

    assert client.get("/rooms/plans/delete/").status_code == 200
    assert client.get("/rooms/plans/settings/").status_code == 200
    assert Room.objects.filter(pk=room.pk, name="Plans").exists()


def test_a_deactivated_creator_is_no_admin_any_more(alice):
    room = actions.create_room(alice, "Plans")
    alice.is_active = False

    with pytest.raises(NotRoomAdmin):
        actions.change_settings(alice, room, name="x", topic="", kind="open", locked=False, archived=False)


def test_switching_to_private_keeps_the_admin_in_even_when_staff_were_not_a_member(alice, bob):
    room = actions.create_room(alice, "Plans")
    bob.is_staff = True
    bob.save()

    actions.change_settings(bob, room, name="Plans", topic="", kind="private", locked=False, archived=False)

    assert room.can_read(bob)
    carol = get_user_model().objects.create_user("carol", password="x")
    assert not room.can_read(carol)


def test_a_conversation_has_no_settings(alice, bob):
    room = actions.open_direct(alice, bob)

    with pytest.raises(RoomRefused):
        actions.change_settings(alice, room, name="x", topic="", kind="open", locked=False, archived=False)
    assert login_client(alice).get(f"/rooms/{room.slug}/settings/").status_code == 404


def test_leaving_a_private_room_closes_it_to_you(alice, bob):
    room = actions.create_room(alice, "Plans", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=room, user=bob)
    client = login_client(bob)

    response = client.post("/rooms/plans/leave/")

    assert response.status_code == 302
    assert client.get("/rooms/plans/").status_code == 404


def test_the_notification_level_is_stored_and_applied_by_the_page_rule(alice, bob):
    room = actions.create_room(alice, "Plans")
    other = actions.create_room(alice, "Other")
    Membership.objects.create(room=other, user=bob)
    client = login_client(bob)

    assert client.post("/rooms/other/notify/", {"notify": "nothing"}).status_code == 302
    assert client.post("/rooms/other/notify/", {"notify": "loud"}).status_code == 400

    assert Membership.objects.get(room=other, user=bob).notify == "nothing"
    page = client.get(f"/rooms/{room.slug}/").content.decode()
    assert f"#unread-{other.pk} {{ display: none; }}" in page
