"""Presence pushes: one render per change per room, the same HTML for every viewer."""

from __future__ import annotations

from collections.abc import Iterable

from django.template.loader import render_to_string

from messaging.broadcasts import send_html
from presence.models import Connection
from rooms.models import Room

LOBBY_GROUP = "lobby"
TOTAL_GROUP = "online-total"


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
        html = render_to_string(
            "presence/_online_users.html",
            {"usernames": Connection.objects.online_usernames(room_id), "oob": True},
        )
        send_html(Room.group_for(room_id), html)
    total = Connection.objects.online_total()
    send_html(
        TOTAL_GROUP, render_to_string("presence/_online_total.html", {"online_total": total, "oob": True})
    )
