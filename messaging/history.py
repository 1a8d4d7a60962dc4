"""Older messages: a page of history before a message, for scrolling back and for `?before=` pages.

A room page shows its latest messages with, above them, either the start of the room or a link to the page
before (htmx loads it when the link scrolls into view; without JavaScript it is a plain link to a history
page, which holds no live socket).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User

from messaging import log
from messaging.models import Message
from rooms.models import Membership, Room


def parse_before(raw: str | None) -> int | None:
    """A `before` query parameter: a positive message id, else None (the live page)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= 18 and int(raw) > 0:
        return int(raw)
    return None


@dataclass
class Page:
    messages: list[Message]
    older_before: int | None  # the `before` of the page above this one; None: this is the room's start
    newer_before: int | None  # the `before` of the page below; None: the page below is the live room


def older_before(room: Room, messages: list[Message]) -> int | None:
    if messages and Message.objects.filter(room=room, id__lt=messages[0].pk).exists():
        return messages[0].pk
    return None


def newer_before(room: Room, after: int) -> int | None:
    """The `before` of the page that follows a page ending at message `after`: None when what follows fits
    on the live room's page."""
    size = settings.CHAT_HISTORY_LENGTH
    below = list(
        Message.objects.filter(room=room, id__gt=after)
        .order_by("id")
        .values_list("id", flat=True)[: size + 1]
    )
    return below[size] if len(below) > size else None


def page_before(room: Room, before: int) -> Page:
    """Keyset paging on the (room, id) index: the same few queries at any depth, never an OFFSET."""
    size = settings.CHAT_HISTORY_LENGTH
    messages = log.prepare(Message.objects.in_room(room).filter(id__lt=before).newest(size))
    after = messages[-1].pk if messages else before - 1
    return Page(messages, older_before(room, messages), newer_before(room, after))


def page_around(room: Room, pk: int) -> Page:
    """A permalink's page: the message with the history just before and after it."""
    size = settings.CHAT_HISTORY_LENGTH
    in_room = Message.objects.in_room(room).with_previous()
    older = list(in_room.filter(id__lte=pk).order_by("-id")[: size // 2 + 1])
    older.reverse()
    newer = list(in_room.filter(id__gt=pk).order_by("id")[: size - len(older)])
    messages = log.prepare(older + newer)
    return Page(
        messages, older_before(room, messages), newer_before(room, messages[-1].pk) if messages else None
    )


def first_unread(user: User, room: Room, messages: list[Message]) -> int | None:
    """The first message shown that this member had not read, written by someone else: the page puts a "New"
    divider above it (where they left off)."""
    last_read = Membership.objects.filter(room=room, user=user).values_list("last_read_id", flat=True).first()
    if not last_read:
        return None  # never read here: everything is new, no divider needed
    return next((m.pk for m in messages if m.pk > last_read and m.author_id != user.pk), None)
