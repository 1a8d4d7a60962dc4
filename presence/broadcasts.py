"""Presence pushes: one render per change per room, the same HTML for every viewer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from messaging.broadcasts import send_html
from presence.models import Connection
from rooms.models import Room

LOBBY_GROUP = "lobby"
TOTAL_GROUP = "online-total"


def online_list(room_id: int) -> dict[str, Any]:
    """Who is online in a room, for its page and its pushes: the first PRESENCE_LIST_LIMIT names and how many
    more. Every change goes to every socket in the room, so the list's size is paid once per viewer per
    change: a room of 1,000 would otherwise push 1,000 names to 1,000 sockets each time someone comes or
    goes."""
    usernames = Connection.objects.online_usernames(room_id)
    limit = settings.PRESENCE_LIST_LIMIT
    return {"usernames": usernames[:limit], "more": max(len(usernames) - limit, 0)}


def online_changed(room_ids: Iterable[int | None]) -> None:
    rooms = [room_id for room_id in room_ids if room_id is not None]
    if rooms:
        counts = Connection.objects.online_counts()
        lobby_html = "".join(
            render_to_string(
                "presence/_room_count.html",
                {"room_id": room_id, "count": counts.get(room_id, 0), "oob": True},
            )
            for room_id in rooms
        )
        send_html(LOBBY_GROUP, lobby_html)
    for room_id in rooms:
        html = render_to_string("presence/_online_users.html", {**online_list(room_id), "oob": True})
        send_html(Room.group_for(room_id), html)
    total = Connection.objects.online_total()
    send_html(
        TOTAL_GROUP, render_to_string("presence/_online_total.html", {"online_total": total, "oob": True})
    )
