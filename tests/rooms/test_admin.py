from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from messaging.models import Message
from rooms.models import Membership, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-pass-123")
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    """Records what the actions hand to the channel layer."""
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr("realtime.transport.group_send", lambda group, event: calls.append((group, event)))
    return calls


def test_the_room_list_shows_message_and_member_counts(admin_client, room, alice, bob):
    Message.objects.create(room=room, author=alice, body="one")
    Message.objects.create(room=room, author=bob, body="two")
    Membership.objects.create(room=room, user=alice)

    page = admin_client.get("/admin/rooms/room/").content.decode()

    assert '<td class="field-message_count">2</td>' in page
    assert '<td class="field-member_count">1</td>' in page


def test_rooms_can_be_searched_and_filtered_by_kind(admin_client, room):
    Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)

    assert "secret" in admin_client.get("/admin/rooms/room/?q=secr").content.decode()
    filtered = admin_client.get("/admin/rooms/room/?kind__exact=private").content.decode()
    assert "secret" in filtered
    assert f"/admin/rooms/room/{room.pk}/change/" not in filtered


def test_locking_a_room_in_the_admin_broadcasts_to_its_sockets(
    admin_client, room, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/rooms/room/",
            {"action": "lock_rooms", "_selected_action": [room.pk]},
        )

    room.refresh_from_db()
    assert room.is_locked
    assert [group for group, _ in sent] == [f"room-{room.pk}"]
    assert "locked" in sent[0][1]["html"]


def test_renaming_a_room_in_the_admin_updates_open_pages(
    admin_client, room, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/rooms/room/{room.pk}/change/",
            {
                "name": "Town Square",
                "slug": "general",
                "kind": "open",
                "memberships-TOTAL_FORMS": "0",
                "memberships-INITIAL_FORMS": "0",
            },
        )

    assert response.status_code == 302
    assert 'id="room-title" hx-swap-oob="true">Town Square<' in sent[0][1]["html"]


def test_deleting_a_room_in_the_admin_closes_its_sockets(
    admin_client, room, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/admin/rooms/room/{room.pk}/delete/", {"post": "yes"})

    assert not Room.objects.exists()
    assert sent == [(f"room-{room.pk}", {"type": "room.gone"})]


def test_messages_can_be_searched_by_text_and_author_and_filtered_by_room(admin_client, room, alice, bob):
    Message.objects.create(room=room, author=alice, body="apples")
    Message.objects.create(room=room, author=bob, body="pears")

    by_text = admin_client.get("/admin/messaging/message/?q=apple").content.decode()
    by_author = admin_client.get("/admin/messaging/message/?q=bob").content.decode()
    by_room = admin_client.get(f"/admin/messaging/message/?room__id__exact={room.pk}").content.decode()

    assert "apples" in by_text
    assert "pears" not in by_text
    assert "pears" in by_author
    assert "apples" not in by_author
    assert "apples" in by_room
    assert "pears" in by_room


def test_deleting_a_message_in_the_admin_leaves_a_tombstone_and_broadcasts_it(
    admin_client, room, alice, sent, django_capture_on_commit_callbacks
):
    message = Message.objects.create(room=room, author=alice, body="regrettable")

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/messaging/message/",
            {"action": "delete_selected", "_selected_action": [message.pk], "post": "yes"},
        )

    message.refresh_from_db()
    assert message.is_deleted
    assert message.body == ""
    assert sent[0][0] == f"room-{room.pk}"
    assert f'id="message-{message.pk}"' in sent[0][1]["html"]
    assert "This message was deleted" in sent[0][1]["html"]
