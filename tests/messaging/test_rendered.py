"""A message's kept HTML is never stale: after any change, what the log shows equals a fresh render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from messaging import actions, log, rendered
from messaging.models import Message
from people.models import Profile
from rooms.models import Room


def shown(room: Room) -> list[Message]:
    return log.prepare(Message.objects.in_room(room).newest(10))


def fresh(message: Message, oob: bool = False, history_page: bool = False) -> str:
    context = {"message": message, "oob": oob, "history_page": history_page}
    return render_to_string("messaging/_message.html", context)


def rename(user, name: str) -> None:
    Profile.objects.update_or_create(user=user, defaults={"display_name": name})


# (room, first, reply): the messages as posted, their authors loaded.
CHANGES: dict[str, Callable[[Room, Any, Any], object]] = {
    "edited": lambda room, first, reply: actions.edit_message(first.author, room, first.pk, "changed words"),
    "deleted": lambda room, first, reply: actions.delete_own_message(reply.author, room, reply.pk),
    "reacted": lambda room, first, reply: actions.toggle_reaction(reply.author, room, first.pk, "🎉"),
    "author renamed": lambda room, first, reply: rename(first.author, "Alice Liddell"),
    "author's picture changed": lambda room, first, reply: Profile.objects.update_or_create(
        user=first.author, defaults={"avatar_changed_at": timezone.now()}
    ),
    "replied-to message deleted": lambda room, first, reply: actions.delete_own_message(
        first.author, room, first.pk
    ),
    "replied-to author renamed": lambda room, first, reply: rename(first.author, "Someone Else"),
    "author deleted their account": lambda room, first, reply: first.author.delete(),
    "no longer grouped": lambda room, first, reply: Message.objects.filter(pk=reply.pk).update(
        created_at=first.created_at + timedelta(hours=1)
    ),
    "next day": lambda room, first, reply: Message.objects.filter(pk=reply.pk).update(
        created_at=first.created_at + timedelta(days=1)
    ),
    "author's username changed": lambda room, first, reply: (
        type(first.author).objects.filter(pk=first.author.pk).update(username="alice2")
    ),
    "stored HTML rendered again": lambda room, first, reply: Message.objects.filter(pk=first.pk).update(
        body_html="<p>hello <em>there</em></p>"
    ),
    "marked edited": lambda room, first, reply: Message.objects.filter(pk=first.pk).update(
        edited_at=timezone.now()
    ),
    "replied-to message edited": lambda room, first, reply: actions.edit_message(
        first.author, room, first.pk, "other words"
    ),
    "room renamed (its address)": lambda room, first, reply: Room.objects.filter(pk=room.pk).update(
        slug="renamed"
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_after_a_change_every_message_renders_as_fresh(change, room, alice, bob):
    rename(alice, "Alice")  # her address then shows only in her profile link
    first = actions.post_message(alice, room, "hello **there**")
    reply = actions.post_message(bob, room, "hi", reply_to=first.pk)
    before = [rendered.message_html(message) for message in shown(room)]  # kept

    CHANGES[change](room, first, reply)
    room.refresh_from_db()
    after = shown(room)

    assert [rendered.message_html(message) for message in after] == [fresh(message) for message in after]
    assert [rendered.message_html(message) for message in after] != before


@pytest.mark.parametrize(
    ("earlier", "same_author"),
    [(timedelta(hours=1), True), (timedelta(days=1), True), (timedelta(days=1), False)],
)
def test_a_message_placed_again_renders_as_fresh(earlier, same_author, room, alice, bob):
    """Only the message before it changes: the run it belongs to, or the day it starts."""
    first = actions.post_message(alice if same_author else bob, room, "hello")
    second = actions.post_message(alice, room, "again")
    [_, kept] = [rendered.message_html(message) for message in shown(room)]

    Message.objects.filter(pk=first.pk).update(created_at=second.created_at - earlier)
    [_, placed] = shown(room)

    assert rendered.message_html(placed) == fresh(placed) != kept


def test_the_page_flags_and_the_time_zone_make_their_own_copies(room, alice):
    actions.post_message(alice, room, "hello")
    [message] = shown(room)
    for oob in (False, True):
        for history_page in (False, True):
            kept = rendered.message_html(message, oob=oob, history_page=history_page)
            assert kept == fresh(message, oob=oob, history_page=history_page)
    with timezone.override("Asia/Kolkata"):
        [there] = shown(room)
        assert rendered.message_html(there) == fresh(there)
        assert "IST" in rendered.message_html(there)


def test_a_permalink_page_shows_its_own_message_with_the_readers_controls(client, room, alice):
    message = actions.post_message(alice, room, "hello")
    client.force_login(alice)

    page = client.get(f"/rooms/general/messages/{message.pk}/").content.decode()
    room_page = client.get("/rooms/general/").content.decode()

    assert "message-highlight" in page
    assert "message-highlight" not in room_page


def test_only_the_newest_copies_are_kept(room, alice, monkeypatch):
    monkeypatch.setattr(rendered, "KEPT", 2)
    rendered.forget()
    for n in range(3):
        actions.post_message(alice, room, f"message {n}")
    for message in shown(room):
        rendered.message_html(message)

    assert len(rendered._kept) == 2
