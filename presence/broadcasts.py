"""Presence pushes: one render per change per room, the same HTML for every viewer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from presence.models import Connection
from realtime import events, groups, transport
from rooms.models import Room


def online_list(room_id: int) -> dict[str, Any]:
    """Who is online in a room, for its page and its pushes: the first PRESENCE_LIST_LIMIT names and how many
    more. Every change goes to every socket in the room, so the list's size is paid once per viewer per
    change: a room of 1,000 would otherwise push 1,000 names to 1,000 sockets each time someone comes or
    goes."""
    usernames = Connection.objects.online_usernames(room_id)
    limit = settings.PRESENCE_LIST_LIMIT
    return {"usernames": usernames[:limit], "more": max(len(usernames) - limit, 0)}


def send_room_counts(room_ids: list[int]) -> None:
    """Online counts reach only people who may read the room: open rooms' go to every room selector,
    a private room's to its members' other pages (their room selector among them), a conversation's to
    nobody (no page shows it, and who talks to whom is nobody else's business)."""
    kinds = dict(Room.objects.filter(pk__in=room_ids).values_list("pk", "kind"))
    counts = Connection.objects.online_counts()

    def count_html(room_id: int) -> str:
        context = {"room_id": room_id, "count": counts.get(room_id, 0), "oob": True}
        return render_to_string("presence/_room_count.html", context)

    open_rooms = [room_id for room_id in room_ids if kinds.get(room_id) == Room.Kind.OPEN]
    if open_rooms:
        transport.send_html(groups.LOBBY, "".join(count_html(room_id) for room_id in open_rooms))
    for room_id in room_ids:
        if kinds.get(room_id) == Room.Kind.PRIVATE:
            transport.send_html(groups.unread(room_id), count_html(room_id))


def online_changed(room_ids: Iterable[int | None]) -> None:
    rooms = [room_id for room_id in room_ids if room_id is not None]
    if rooms:
        send_room_counts(rooms)
    for room_id in rooms:
        html = render_to_string("presence/_online_users.html", {**online_list(room_id), "oob": True})
        transport.send_html(groups.room(room_id), html)
    total = Connection.objects.online_total()
    html = render_to_string("presence/_online_total.html", {"online_total": total, "oob": True})
    transport.send_html(groups.ONLINE_TOTAL, html)


def session_ended(session_key: str) -> None:
    transport.group_send(groups.session(session_key), events.session_ended())


def user_revoked(user_id: int) -> None:
    transport.group_send(groups.user(user_id), events.user_revoked())
