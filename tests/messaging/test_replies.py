"""Replies: a message quoting another of the same room, linked to its permalink."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import actions
from messaging.errors import NotAllowed
from messaging.models import Message
from rooms import actions as room_actions
from tests.conftest import all_sent, login_client

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_reply_shows_the_quoted_author_and_first_line_linking_to_the_original(
    connect, room, alice, bob
):
    original = await database_sync_to_async(actions.post_message)(
        alice, room, "Who has the keys?\nSecond line"
    )
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await b.send(body="I do", reply_to=str(original.pk))

    frame = await a.receive_until("I do")
    assert f'<a class="message-reply" href="/rooms/general/messages/{original.pk}/" tabindex="-1">' in frame
    assert "<strong>alice</strong> Who has the keys?" in frame
    assert "Second line" not in frame
    reply = await database_sync_to_async(Message.objects.get)(body="I do")
    assert reply.reply_to_id == original.pk
    assert 'id="composer-reply"' in await b.receive_until('id="composer-reply"')  # the quote is cleared


@pytest.mark.parametrize("reply_to", ["ELSEWHERE", "GONE", "999999", "not a number", "-3"])
async def test_a_reply_to_a_message_that_is_not_here_is_refused_for_the_sender_only(
    connect, room, alice, bob, reply_to
):
    other = await database_sync_to_async(room_actions.open_room)(alice, "other")
    elsewhere = await database_sync_to_async(actions.post_message)(alice, other, "elsewhere")
    gone = await database_sync_to_async(actions.post_message)(alice, room, "gone")
    await database_sync_to_async(actions.delete_message)(gone)
    ids = {"ELSEWHERE": str(elsewhere.pk), "GONE": str(gone.pk)}
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)

    await a.send(body="a reply", reply_to=ids.get(reply_to, reply_to))

    frame = await a.receive_until('id="composer-errors"')
    assert "not here any more" in frame or "no such message" in frame
    await all_sent(f"room-{room.pk}", a, b)
    assert b.heard_about("a reply") == []
    assert not await database_sync_to_async(Message.objects.filter(body="a reply").exists)()


def test_replying_to_someone_in_another_room_through_the_action_is_refused(room, alice):
    other = room_actions.open_room(alice, "other")
    elsewhere = actions.post_message(alice, other, "elsewhere")

    with pytest.raises(NotAllowed):
        actions.post_message(alice, room, "sneaky", reply_to=elsewhere.pk)


def test_the_reply_control_fills_the_composer_quote_with_htmx_and_without(room, alice, bob):
    original = actions.post_message(alice, room, "Question")
    client = login_client(bob)
    url = f"/rooms/general/messages/{original.pk}/reply/"

    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'<input type="hidden" name="reply_to" value="{original.pk}">' in fragment
    assert "Question" in fragment
    plain = client.get(url)
    assert plain["Location"] == f"/rooms/general/?reply={original.pk}#message-{original.pk}"
    page = client.get(f"/rooms/general/?reply={original.pk}").content.decode()
    assert f'name="reply_to" value="{original.pk}"' in page

    response = client.post("/rooms/general/", {"body": "Answer", "reply_to": str(original.pk)})

    assert response.status_code == 302
    assert Message.objects.get(body="Answer").reply_to_id == original.pk


def test_a_batch_reads_only_the_messages_it_replies_to(room, alice, bob):
    quoted = actions.post_message(alice, room, "quoted")
    actions.post_message(alice, room, "not quoted")
    posts = [actions.Post(bob, room, "re", reply_to=quoted.pk), actions.Post(bob, room, "plain")]

    assert actions.replied_to(posts) == {quoted.pk: quoted}
    assert actions.replied_to([actions.Post(bob, room, "plain")]) == {}


def test_a_batch_of_replies_to_different_people_costs_the_same_queries_as_one(
    room, alice, bob, carol, make_user, django_capture_on_commit_callbacks, monkeypatch
):
    # Rendering the quotes (each names its author) must not read each author on its own.
    monkeypatch.setattr("realtime.transport.send_html", lambda *args, **kwargs: None)
    authors = [make_user(f"author{n}") for n in range(4)]
    quoted = [actions.post_message(author, room, f"said {n}") for n, author in enumerate(authors)]

    def queries_to_post(replies: list[Message]) -> int:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            actions.post_messages([actions.Post(bob, room, "re", reply_to=m.pk) for m in replies])
        return len(queries)

    queries_to_post(quoted[:1])  # the first post of a process reads what it caches
    assert queries_to_post(quoted) == queries_to_post(quoted[:1])
