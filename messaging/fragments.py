"""Fragments for one socket's own user (errors, the cleared composer), shared by pages and pushes."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from rooms.models import Room


def composer_context(
    room: Room, *, value: str = "", autofocus: bool = False, oob: bool = False
) -> dict[str, Any]:
    return {
        "room": room,
        "value": value,
        "autofocus": autofocus,
        "oob": oob,
        "max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
    }


def composer_reset(room: Room) -> str:
    """Sent to the sender once their message is stored: an empty, focused input and no error."""
    return _composer_reset(room.pk, room.name, room.is_locked, settings.CHAT_MESSAGE_MAX_LENGTH)


@functools.lru_cache(maxsize=1024)
def _composer_reset(room_id: int, name: str, is_locked: bool, max_length: int) -> str:
    # The same for every message sent in a room (until it is renamed or locked): render it once.
    from rooms.models import Room

    room = Room(pk=room_id, name=name, is_locked=is_locked)
    context = composer_context(room, autofocus=True, oob=True)
    return render_to_string("messaging/chat.html#composer-fields", context) + errors([])


def errors(messages: Iterable[str]) -> str:
    return render_to_string("messaging/chat.html#composer-errors", {"errors": list(messages), "oob": True})
