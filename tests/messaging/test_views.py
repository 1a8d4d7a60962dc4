from __future__ import annotations

import pytest

from messaging.models import Message
from rooms.models import Membership, Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def test_the_room_page_shows_the_last_50_messages_oldest_first_and_escaped(room, alice):
    for n in range(60):
        Message.objects.create(room=room, author=alice, body=f"<i>number {n}</i>")

    page = login_client(alice).get("/rooms/general/").content.decode()

    assert "number 9<" not in page.replace("&lt;/i&gt;", "<")
    assert page.index("number 10&lt;") < page.index("number 59&lt;")
    assert page.count('<article id="message-') == 50
    assert "<i>number" not in page


def test_the_room_page_carries_the_socket_contract(room, alice):
    page = login_client(alice).get("/rooms/general/").content.decode()

    assert 'hx-ws:connect="/ws/rooms/general/"' in page
    assert 'id="messages"' in page
    assert 'role="log"' in page
    assert "hx-ws:send" in page
    assert 'name="body"' in page
    assert 'id="online-users"' in page
    assert f'.message[data-author="{alice.pk}"]' in page


def test_posting_without_javascript_stores_the_message_and_shows_the_page_again(room, alice):
    client = login_client(alice)

    response = client.post("/rooms/general/", {"body": "no script needed"})

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/rooms/general/#message-{message.pk}"
    assert "no script needed" in client.get("/rooms/general/").content.decode()


def test_an_empty_post_without_javascript_shows_the_error_and_stores_nothing(room, alice):
    response = login_client(alice).post("/rooms/general/", {"body": "  "})

    assert response.status_code == 400
    assert "Type a message first" in response.content.decode()
    assert not Message.objects.exists()


def test_an_oversize_post_keeps_what_was_typed(room, alice):
    response = login_client(alice).post("/rooms/general/", {"body": "w" * 4001})

    assert response.status_code == 400
    assert "limited to 4,000" in response.content.decode()
    assert not Message.objects.exists()


def test_posting_to_a_locked_room_without_javascript_is_refused(room, alice):
    room.is_locked = True
    room.save()

    response = login_client(alice).post("/rooms/general/", {"body": "hello"})

    assert response.status_code == 403
    assert "locked" in response.content.decode()
    assert not Message.objects.exists()


def test_chat_pages_send_anonymous_visitors_to_the_login_page(room):
    from django.test import Client

    for path in ("/rooms/", "/rooms/general/", "/dm/", "/dm/alice/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_room_page_renders_in_a_constant_number_of_queries(room, alice, bob, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login_client(alice)
    client.get("/rooms/general/")
    Message.objects.create(room=room, author=bob, body="one")
    with CaptureQueriesContext(connection) as few:
        client.get("/rooms/general/")
    for n in range(60):
        Message.objects.create(room=room, author=alice if n % 2 else bob, body=f"m{n}")

    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/rooms/general/")


def test_viewing_a_room_does_not_make_the_viewer_a_member(room, alice, bob):
    Message.objects.create(room=room, author=bob, body="hi")

    assert login_client(alice).get("/rooms/general/").status_code == 200

    assert not Membership.objects.exists()


def test_posting_without_javascript_makes_the_poster_a_member(room, alice):
    login_client(alice).post("/rooms/general/", {"body": "hello"})

    assert Membership.objects.filter(room=room, user=alice).exists()


def test_a_member_viewing_the_room_has_read_it(room, alice, bob):
    Membership.objects.create(room=room, user=alice)
    message = Message.objects.create(room=room, author=bob, body="hi")

    login_client(alice).get("/rooms/general/")

    assert Membership.objects.get(room=room, user=alice).last_read_id == message.pk


def test_a_private_room_is_not_found_for_a_non_member(alice, bob):
    Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)

    assert login_client(bob).get("/rooms/secret/").status_code == 404
    assert login_client(bob).post("/rooms/secret/", {"body": "let me in"}).status_code == 404
    assert not Message.objects.exists()
