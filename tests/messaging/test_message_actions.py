"""A message's controls load for their reader when they first point at or focus the message: the message
pushed to a whole room carries none of them, and Edit and Delete are offered only to those who may use
them."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from messaging import actions, log
from messaging.models import Message
from rooms.models import Room
from tests.conftest import login_client

pytestmark = pytest.mark.django_db


def controls(client, message: Message, **params: str) -> str:
    url = f"/rooms/{message.room.slug}/messages/{message.pk}/actions/"
    response = client.get(url, params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_the_pushed_message_carries_a_placeholder_not_the_controls(room, alice, bob):
    earlier = actions.post_message(bob, room, "hi")
    message = actions.post_message(alice, room, "hello")

    # What messaging.broadcasts.messages_created sends to the room (no day divider: its length varies).
    pushed = render_to_string(
        "messaging/_message_appended.html", {"message": log.prepare_new([message], earlier)[0]}
    )

    assert "Reply</a>" not in pushed
    assert "message-delete" not in pushed
    assert f'hx-get="/rooms/general/messages/{message.pk}/actions/"' in pushed
    # Written to every socket of the room: 1.3 KB when it carried the controls, 1.05 KB now (ids vary).
    assert len(pushed.encode()) < 1100


def test_the_author_gets_every_control_and_others_reply_and_react_only(room, alice, bob):
    message = actions.post_message(alice, room, "hello")

    own = controls(login_client(alice), message)
    theirs = controls(login_client(bob), message)

    for html in (own, theirs):
        assert f'hx-get="/rooms/general/messages/{message.pk}/reply/"' in html
        assert f'hx-get="/rooms/general/messages/{message.pk}/react/"' in html
        assert "hx-trigger" not in html  # replaces the placeholder and its triggers: loaded once
    assert 'class="message-edit"' in own
    assert f'form="delete-form" name="delete" value="{message.pk}"' in own
    assert "message-edit" not in theirs
    assert "message-delete" not in theirs


def test_staff_get_edit_and_delete_on_anyone_s_message(room, alice, bob):
    bob.is_staff = True
    bob.save()
    message = actions.post_message(alice, room, "hello")

    assert "message-delete" in controls(login_client(bob), message)


def test_on_a_history_page_the_controls_are_plain_links_and_a_form(room, alice):
    message = actions.post_message(alice, room, "hello")

    html = controls(login_client(alice), message, standalone="1")

    assert "hx-get" not in html
    assert f'<a href="/rooms/general/messages/{message.pk}/reply/">Reply</a>' in html
    assert '<form method="post" action="/rooms/general/" class="message-delete-form">' in html


def test_a_deleted_message_has_no_controls(room, alice):
    message = actions.post_message(alice, room, "hello")
    actions.delete_own_message(alice, room, message.pk)

    assert controls(login_client(alice), message) == ""


def test_without_htmx_the_address_is_the_message_s_page(room, alice):
    message = actions.post_message(alice, room, "hello")

    page = login_client(alice).get(f"/rooms/general/messages/{message.pk}/actions/").content.decode()

    assert "message-highlight" in page
    assert '<form method="post" action="/rooms/general/" class="message-delete-form">' in page


def test_a_message_the_reader_may_not_read_has_no_controls_for_them(alice, carol):
    private = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    message = Message.objects.create(room=private, author=alice, body="hidden")

    response = login_client(carol).get(
        f"/rooms/secret/messages/{message.pk}/actions/", HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 404


def test_the_announcement_names_the_author_and_shortens_only_a_long_first_line(room, alice):
    short = actions.post_message(alice, room, "hello")
    long = actions.post_message(alice, room, "x" * 300 + "\nsecond line")

    def announced(message):
        html = render_to_string(
            "messaging/_message_appended.html", {"message": log.prepare_new([message], None)[0]}
        )
        return html.split('id="announce" hx-swap-oob="innerHTML">', 1)[1].split("</p>", 1)[0]

    assert announced(short) == "alice: hello"
    assert announced(long) == "alice: " + "x" * 199 + "…"
