"""Named broadcasts of room changes, called by rooms.actions after commit: render once, send to the group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string

from realtime import events, groups, transport
from rooms.conversations import Conversation

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from rooms.models import Room


def room_changed(room: Room) -> None:
    """Renamed, locked or unlocked: the room's title, notice and composer change on every page showing it."""
    composer = {"room": room, "value": "", "oob": True, "max_length": settings.CHAT_MESSAGE_MAX_LENGTH}
    composer_fields = render_to_string("messaging/chat.html#composer-fields", composer)
    html = render_to_string("rooms/_room_changed.html", {"room": room, "composer_fields": composer_fields})
    transport.send_html(groups.room(room.pk), html)


def room_deleted(room_id: int) -> None:
    transport.group_send(groups.room(room_id), events.room_gone())


def direct_opened(room: Room, starter: User, other: User) -> None:
    """Both people's open pages list the new conversation (the starter's other tabs too) and start counting
    its unread messages."""
    # The starter is online (they are writing); whether the other is, their next page says.
    transport.group_send(
        groups.user(other.pk), conversation_added(room, Conversation.one_to_one(starter), online=True)
    )
    transport.group_send(groups.user(starter.pk), conversation_added(room, Conversation.one_to_one(other)))


def group_opened(room: Room, starter: User, members: list[User]) -> None:
    """Each member's open pages (the starter's other tabs too) list the new group and count its unread
    messages. Each is named by the people other than its reader, so the entry is rendered per member: at most
    8, once per group."""
    for member in members:
        conversation = Conversation.group(other for other in members if other.pk != member.pk)
        transport.group_send(groups.user(member.pk), conversation_added(room, conversation))


def conversation_added(room: Room, conversation: Conversation, online: bool = False) -> events.Event:
    context = {
        "address": conversation.address,
        "label": conversation.label,
        "room_id": room.pk,
        "unread": 0,
        "partner_id": conversation.partner_id,
        "partner_online": online,
    }
    return events.membership_added(room.pk, render_to_string("messaging/_direct_added.html", context))


def membership_removed(room_id: int, user_id: int) -> None:
    transport.group_send(groups.user(user_id), events.membership_removed(room_id))


def room_joined(room: Room, user: User) -> None:
    """Added to a room or joined by invitation: the room appears in the person's sidebar, counting unread."""
    html = render_to_string("rooms/_room_added.html", {"room": room})
    transport.group_send(groups.user(user.pk), events.membership_added(room.pk, html))
