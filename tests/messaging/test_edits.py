"""Editing a message: in place over the socket, without JavaScript by its own page; revisions kept."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from messaging import actions
from messaging.errors import NotAllowed, RateLimited, RoomLocked
from messaging.models import Message, Revision
from rooms import actions as room_actions
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_edit_replaces_the_text_and_its_html_and_keeps_the_old_text(room, alice):
    message = actions.post_message(alice, room, "helo **world**")

    actions.edit_message(alice, room, message.pk, "hello **world**")

    message.refresh_from_db()
    assert message.body == "hello **world**"
    assert message.body_html == "<p>hello <strong>world</strong></p>"
    assert message.edited_at is not None
    assert message.revised_at == message.edited_at
    assert list(Revision.objects.values_list("body", "editor")) == [("helo **world**", alice.pk)]


def test_only_the_author_or_staff_may_edit(room, alice, bob):
    message = actions.post_message(alice, room, "mine")

    with pytest.raises(NotAllowed):
        actions.edit_message(bob, room, message.pk, "hijacked")
    bob.is_staff = True
    bob.save()
    actions.edit_message(bob, room, message.pk, "moderated")

    message.refresh_from_db()
    assert message.body == "moderated"


def test_deleted_messages_and_messages_of_other_rooms_cannot_be_edited(room, alice):
    other_room = room_actions.open_room(alice, "elsewhere")
    elsewhere = actions.post_message(alice, other_room, "over there")
    gone = actions.post_message(alice, room, "gone")
    actions.delete_message(gone)

    for message_id in (elsewhere.pk, gone.pk, 10**12):
        with pytest.raises(NotAllowed):
            actions.edit_message(alice, room, message_id, "changed")
    assert not Revision.objects.exists()


def test_a_locked_room_refuses_edits(room, alice):
    message = actions.post_message(alice, room, "before the lock")
    room_actions.set_room_locked(room, True)

    with pytest.raises(RoomLocked):
        actions.edit_message(alice, room, message.pk, "after the lock")


def test_edits_count_against_the_rate_limit(room, alice, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 2
    message = actions.post_message(alice, room, "v1")
    actions.edit_message(alice, room, message.pk, "v2")

    with pytest.raises(RateLimited):
        actions.edit_message(alice, room, message.pk, "v3")


async def test_an_edit_reaches_everyone_in_place_with_an_edited_mark(connect, room, alice, bob):
    message = await database_sync_to_async(actions.post_message)(alice, room, "first draft")
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(edit=str(message.pk), body="final *text*")

    frame = await b.receive_until("final")
    assert f'<article id="message-{message.pk}"' in frame
    assert 'hx-swap-oob="true"' in frame
    assert "<em>text</em>" in frame
    assert 'class="message-edited"' in frame
    assert "first draft" not in frame
    assert "final" in await a.receive_until('id="composer-errors"')


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ({"edit": "12abc", "body": "x"}, "Malformed edit request."),
        ({"edit": ["1"], "body": "x"}, "Malformed edit request."),
        ({"edit": "-1", "body": "x"}, "Malformed edit request."),
        ({"edit": "OWN", "body": "   "}, "Type a message first."),
        ({"edit": "OWN", "body": "\ud800"}, "cannot be stored"),
        ({"edit": "OWN", "body": {"nested": 1}}, "Type a message first."),
        ({"edit": "OWN", "body": "x" * 5000}, "limited to 4,000"),
        ({"edit": "BOBS", "body": "hijack"}, "You can only edit your own messages."),
        ({"edit": "GONE", "body": "revive"}, "That message is not here any more."),
        ({"edit": "999999999", "body": "nothing"}, "That message is not here any more."),
    ],
)
async def test_bad_edits_get_an_error_for_the_sender_only_and_change_nothing(
    connect, room, alice, bob, frame, error
):
    own = await database_sync_to_async(actions.post_message)(alice, room, "own")
    bobs = await database_sync_to_async(actions.post_message)(bob, room, "bob's")
    gone = await database_sync_to_async(actions.post_message)(alice, room, "gone")
    await database_sync_to_async(actions.delete_message)(gone)
    ids = {"OWN": own.pk, "BOBS": bobs.pk, "GONE": gone.pk}
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    target = frame["edit"]
    await a.send(**{**frame, "edit": ids.get(target, target) if isinstance(target, str) else target})

    assert error in await a.receive_until('id="composer-errors"')
    await all_sent(f"room-{room.pk}", a, b)
    assert b.heard_about("message-") == []
    assert not await database_sync_to_async(Revision.objects.exists)()
    await a.send(body="still open")
    await a.receive_until("still open")


def test_without_javascript_the_edit_page_shows_the_text_and_saves_it(room, alice):
    message = actions.post_message(alice, room, "typo here")
    client = login_client(alice)
    url = f"/rooms/general/messages/{message.pk}/edit/"

    page = client.get(url)
    assert page.status_code == 200
    assert "typo here" in page.content.decode()
    response = client.post(url, {"body": "no typo here"})

    assert response.status_code == 302
    assert response["Location"] == f"/rooms/general/#message-{message.pk}"
    message.refresh_from_db()
    assert message.body == "no typo here"


def test_the_edit_page_of_someone_elses_message_refuses_and_of_an_unreadable_room_is_404(room, alice, bob):
    message = actions.post_message(alice, room, "alice's")
    secret = room_actions.open_direct(alice, bob)
    private = actions.post_message(alice, secret, "between us")
    carol = login_client(type(alice).objects.create_user("carol", password="x"))

    assert (
        login_client(bob).post(f"/rooms/general/messages/{message.pk}/edit/", {"body": "x"}).status_code
        == 403
    )
    assert carol.get(f"/rooms/{secret.slug}/messages/{private.pk}/edit/").status_code == 404
    assert carol.get(f"/rooms/{secret.slug}/messages/{private.pk}/").status_code == 404
    assert Message.objects.get(pk=message.pk).body == "alice's"


def test_the_edit_form_fragment_for_htmx_holds_the_source_text(room, alice):
    message = actions.post_message(alice, room, "**source** text")

    fragment = login_client(alice).get(f"/rooms/general/messages/{message.pk}/edit/", HTTP_HX_REQUEST="true")

    html = fragment.content.decode()
    assert "<html" not in html
    assert "**source** text" in html
    assert f'name="edit" value="{message.pk}"' in html
    assert "hx-ws:send" in html


def test_the_admin_shows_a_messages_earlier_texts(room, alice):
    admin = type(alice).objects.create_superuser("admin", "admin@example.com", "admin-pass-123")
    message = actions.post_message(alice, room, "first version")
    actions.edit_message(alice, room, message.pk, "second version")

    page = login_client(admin).get(f"/admin/messaging/message/{message.pk}/change/").content.decode()

    assert "first version" in page
    assert "second version" in page
