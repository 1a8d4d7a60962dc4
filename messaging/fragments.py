"""Fragments for one socket's own user (errors, the cleared composer), shared by pages and pushes."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

from messaging import log
from messaging.models import Message

if TYPE_CHECKING:
    from rooms.models import Room

SURROGATES = re.compile("[\ud800-\udfff]")


def composer_context(
    room: Room, *, value: str = "", autofocus: bool = False, oob: bool = False, to: str = ""
) -> dict[str, Any]:
    """`to`: a conversation's name for the socket's own user (its members each see the others' names)."""
    return {
        "room": room,
        "composer_to": to,
        "value": value,
        "autofocus": autofocus,
        "oob": oob,
        "max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
    }


def composer_sent(room: Room) -> str:
    """To the sender once their message is stored. The page cleared its input when it sent (so nothing typed
    since is lost): only the error line and the reply quote are cleared, the same for every message."""
    return _composer_sent()


@functools.lru_cache(maxsize=1)
def _composer_sent() -> str:
    reply = render_to_string("messaging/chat.html#composer-reply", {"reply": None, "oob": True})
    return reply + errors([])


def composer_refused(room: Room, value: str, messages: Iterable[str], to: str = "") -> str:
    """The refused text back in the composer, with why. A lone surrogate (the reason for some refusals) shows
    as U+FFFD: a frame holding one cannot be written as UTF-8, and the sender would get no answer at all."""
    context = composer_context(room, value=SURROGATES.sub("\ufffd", value), autofocus=True, oob=True, to=to)
    return render_to_string("messaging/chat.html#composer-fields", context) + errors(messages)


def errors(messages: Iterable[str]) -> str:
    return render_to_string("messaging/chat.html#composer-errors", {"errors": list(messages), "oob": True})


def message(room: Room, message_id: int) -> str:
    found = log.prepare(Message.objects.in_room(room).with_previous().filter(pk=message_id))
    return render_to_string("messaging/_messages_replaced.html", {"chat_messages": found})


def page_title(title: str, attention: int) -> str:
    """A page's title with its reader's count, for that reader's own sockets. A lone surrogate (which no
    database stores, so no name holds one today) would fail the frame's UTF-8: it shows as U+FFFD."""
    shown = SURROGATES.sub("\ufffd", title)
    return render_to_string("messaging/_page_title.html", {"page_title": shown, "attention": attention})
