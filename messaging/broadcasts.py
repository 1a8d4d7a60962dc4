"""Named broadcasts, called by actions after commit: render once, send the same HTML to every socket."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError

from messaging.fragments import composer_context
from messaging.hub import hub
from rooms.models import Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from messaging.models import Message

logger = logging.getLogger(__name__)


def user_group(user_id: int) -> str:
    """Every socket of one person, whatever page it is on."""
    return f"user-{user_id}"


def session_group(session_key: str) -> str:
    """Every socket opened with one login session (hashed: group names are visible in Redis)."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


# The event loop of the socket whose worker thread runs this action, if any (asgiref copies context into its
# threads). Its hub sends the frame without the thread waiting for the loop, which is busy fanning out.
serving_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("serving_loop", default=None)


def group_send(group: str, event: dict[str, Any]) -> None:
    """Where every broadcast leaves for the channel layer; each process's hub receives it."""
    loop = serving_loop.get()
    if loop is not None:
        # Never async_to_sync here: if the loop stopped meanwhile (shutdown), asgiref would queue onto it and
        # block this thread, which every later database call of the process shares, forever.
        try:
            hub(loop).publish_threadsafe(group, {**event, "group": group})
        except RuntimeError:  # closed: its sockets are gone, and other processes' pages catch up by cursor
            logger.warning("event loop closed: broadcast to %s dropped", group)
        return
    layer = get_channel_layer()
    assert layer is not None
    try:
        async_to_sync(layer.group_send)(group, {**event, "group": group})
    except (ConnectionError, RedisConnectionError):
        # A pooled connection that died with a Redis restart fails once, then is replaced: try again once.
        # If it fails again the caller (a robust on_commit) logs it, and pages catch up when they can.
        async_to_sync(layer.group_send)(group, {**event, "group": group})


def send_html(group: str, html: str, message_id: int | None = None) -> None:
    """Every socket in `group` forwards `html` unchanged."""
    group_send(group, {"type": "hub.frame", "html": html, "message_id": message_id})


def messages_created(messages: Iterable[Message]) -> None:
    for message in messages:
        html = render_to_string("messaging/_message_appended.html", {"message": message})
        send_html(message.room.group_name, html, message_id=message.pk)
        # Members on other pages: the same mark for all of them; each page's CSS ignores its viewer's own.
        bump = render_to_string("messaging/_unread_bump.html", {"message": message})
        send_html(Room.unread_group_for(message.room_id), bump)


def message_changed(message: Message) -> None:
    html = render_to_string("messaging/_messages_replaced.html", {"chat_messages": [message]})
    send_html(message.room.group_name, html)


def room_changed(room: Room) -> None:
    composer_fields = render_to_string("messaging/_composer_fields.html", composer_context(room, oob=True))
    html = render_to_string("rooms/_room_changed.html", {"room": room, "composer_fields": composer_fields})
    send_html(room.group_name, html)


def room_deleted(group: str) -> None:
    """Sockets close with 4404, as they would connecting to a room that does not exist."""
    group_send(group, {"type": "room.gone"})


def direct_opened(room: Room, starter: User, other: User) -> None:
    """The other person's open pages list the new conversation and start counting its unread messages."""
    context = {"partner_name": starter.get_username(), "room_id": room.pk, "unread": 0}
    html = render_to_string("messaging/_direct_added.html", context)
    group_send(user_group(other.pk), {"type": "membership.added", "room_id": room.pk, "html": html})


def membership_removed(room_id: int, user_id: int) -> None:
    """The user's sockets in that room close with 4403 and stop counting its unread messages."""
    group_send(user_group(user_id), {"type": "membership.removed", "room_id": room_id})


def session_ended(session_key: str) -> None:
    """Logged out: sockets opened with that session close with 4401."""
    group_send(session_group(session_key), {"type": "session.ended"})


def user_revoked(user_id: int) -> None:
    """Deactivated, deleted or given a new password: every socket of theirs closes with 4401."""
    group_send(user_group(user_id), {"type": "user.revoked"})
