"""Named broadcasts of room changes, called by rooms.actions after commit: render once, send to the group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string

from people import names
from realtime import events, groups, transport

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
    """The other person's open pages list the new conversation and start counting its unread messages."""
    context = {
        "partner_name": starter.get_username(),
        "partner_label": names.chosen_name(starter),
        "room_id": room.pk,
        "unread": 0,
    }
    html = render_to_string("messaging/_direct_added.html", context)
    transport.group_send(groups.user(other.pk), events.membership_added(room.pk, html))


def membership_removed(room_id: int, user_id: int) -> None:
    transport.group_send(groups.user(user_id), events.membership_removed(room_id))


def room_joined(room: Room, user: User) -> None:
    """Added to a room or joined by invitation: the room appears in the person's sidebar, counting unread."""
    html = render_to_string("rooms/_room_added.html", {"room": room})
    transport.group_send(groups.user(user.pk), events.membership_added(room.pk, html))
