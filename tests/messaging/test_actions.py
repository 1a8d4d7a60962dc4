from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from messaging import actions
from messaging.errors import NotAllowed, RateLimited, RoomLocked
from messaging.forms import MessageForm
from messaging.models import Message
from rooms import actions as room_actions
from rooms.models import Membership, Room

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, dict]]:
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr("realtime.transport.group_send", lambda group, event: calls.append((group, event)))
    return calls


def test_posting_stores_then_broadcasts_one_rendered_frame_after_commit(
    room, alice, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        message = actions.post_message(alice, room, "hello")
        assert sent == []

    assert len(callbacks) == 1
    callbacks[0]()
    groups = [group for group, _ in sent]
    assert groups == [f"room-{room.pk}", f"unread-{room.pk}"]
    assert f'id="message-{message.pk}"' in sent[0][1]["html"]
    assert sent[0][1]["type"] == "hub.frame"
    assert sent[0][1]["message_id"] == message.pk


def test_a_batch_sends_each_message_to_its_room_and_one_mark_per_message_to_other_pages_in_one_send(
    room, alice, bob, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        stored = actions.post_messages(
            [
                actions.Post(alice, room, "one"),
                actions.Post(bob, room, "two"),
                actions.Post(alice, room, "three"),
            ]
        )

    assert [group for group, _ in sent] == [f"room-{room.pk}"] * 3 + [f"unread-{room.pk}"]
    assert all(isinstance(message, Message) for message in stored)
    assert [event["message_id"] for _, event in sent[:3]] == [message.pk for message in stored]  # type: ignore[union-attr]
    marks = sent[3][1]["html"]
    assert marks.count("<i data-author=") == 3
    assert marks.count(f'data-author="{bob.pk}"') == 1


def test_posts_stored_together_keep_their_order_and_each_refusal_stays_with_its_post(
    room, alice, bob, settings, sent, django_capture_on_commit_callbacks
):
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    locked = Room.objects.create(name="locked", slug="locked", is_locked=True)
    posts = [
        actions.Post(alice, room, "a1"),
        actions.Post(bob, room, "b1"),
        actions.Post(bob, room, "b2: over the limit"),
        actions.Post(alice, locked, "into a locked room"),
    ]
    gone = Room.objects.create(name="gone", slug="gone")
    posts.append(actions.Post(alice, gone, "into a deleted room"))
    gone.delete()

    with django_capture_on_commit_callbacks(execute=True):
        results = actions.post_messages(posts)

    assert [type(result).__name__ for result in results] == [
        "Message",
        "Message",
        "RateLimited",
        "RoomLocked",
        "NotAllowed",
    ]
    assert list(Message.objects.order_by("pk").values_list("body", flat=True)) == ["a1", "b1"]
    first, second = results[0], results[1]
    assert isinstance(first, Message)
    assert isinstance(second, Message)
    assert first.pk < second.pk
    # Broadcast after commit, in order, each rendered once.
    frames = [event["message_id"] for group, event in sent if group == f"room-{room.pk}"]
    assert frames == [first.pk, second.pk]


def test_marking_read_only_ever_moves_forward(room, alice):
    Membership.objects.create(room=room, user=alice, last_read_id=10)

    actions.mark_read(alice, room.pk, 5)
    assert Membership.objects.get(room=room, user=alice).last_read_id == 10
    actions.mark_read(alice, room.pk, 12)
    assert Membership.objects.get(room=room, user=alice).last_read_id == 12


def test_posting_to_a_locked_room_is_refused(room, alice):
    room_actions.set_room_locked(room, True)

    with pytest.raises(RoomLocked):
        actions.post_message(alice, room, "hello")
    assert not Message.objects.exists()


def test_a_room_locked_after_it_was_loaded_still_refuses(room, alice):
    Room.objects.filter(pk=room.pk).update(is_locked=True)

    with pytest.raises(RoomLocked):
        actions.post_message(alice, room, "stale object")


def test_a_non_member_cannot_post_to_a_private_room(alice, bob):
    private = Room.objects.create(name="p", slug="p", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=private, user=alice)

    with pytest.raises(NotAllowed):
        actions.post_message(bob, private, "let me in")


def test_the_rate_limit_counts_messages_across_rooms(room, alice, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 2
    other = Room.objects.create(name="other", slug="other")
    actions.post_message(alice, room, "one")
    actions.post_message(alice, other, "two")

    with pytest.raises(RateLimited):
        actions.post_message(alice, room, "three")
    assert Message.objects.count() == 2


def test_the_rate_limit_is_per_user(room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 1
    actions.post_message(alice, room, "one")

    actions.post_message(bob, room, "mine")

    assert Message.objects.count() == 2


def test_opening_a_direct_conversation_twice_gives_the_same_room_with_two_members(alice, bob):
    first = room_actions.open_direct(alice, bob)
    second = room_actions.open_direct(bob, alice)

    assert first == second
    assert first.kind == Room.Kind.DIRECT
    assert set(first.memberships.values_list("user__username", flat=True)) == {"alice", "bob"}


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ("hi", True),
        ("", False),
        ("   ", False),
        ("\x00\x01\x02", False),
        ("a" * 4000, True),
        ("a" * 4001, False),
    ],
)
def test_the_message_form_accepts_and_refuses(body, valid):
    assert MessageForm(data={"body": body}).is_valid() is valid


def test_the_message_form_drops_control_characters_but_keeps_newlines_and_emoji():
    form = MessageForm(data={"body": "hi\x07 there\nnext 👩‍💻"})

    assert form.is_valid()
    assert form.cleaned_data["body"] == "hi there\nnext 👩‍💻"


def test_a_rate_limit_of_zero_messages_turns_it_off(room, alice, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0

    for n in range(12):
        actions.post_message(alice, room, f"message {n}")

    assert Message.objects.filter(author=alice).count() == 12


def test_messages_older_than_the_window_do_not_count(room, alice, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 2
    old = actions.post_message(alice, room, "yesterday")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1))
    actions.post_message(alice, room, "today")

    actions.post_message(alice, room, "still allowed")

    with pytest.raises(RateLimited):
        actions.post_message(alice, room, "one too many")


def test_a_batch_from_many_authors_costs_the_same_queries_as_one_from_one(
    room, make_user, django_capture_on_commit_callbacks, monkeypatch
):
    # Each message shows its author's name (from their profile): no author may be read on their own.
    monkeypatch.setattr("realtime.transport.send_html", lambda *args, **kwargs: None)
    authors = [make_user(f"author{n}") for n in range(4)]
    actions.post_message(authors[0], room, "warm up")  # the first post of a process reads what it caches

    def queries_to_post(who: list) -> int:
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            actions.post_messages([actions.Post(author, room, "hello") for author in who])
        return len(queries)

    assert queries_to_post(authors) == queries_to_post(authors[:1])
