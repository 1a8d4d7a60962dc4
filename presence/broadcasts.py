"""Presence pushes: one render per change per room, the same HTML for every viewer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from presence.models import Connection
from realtime import events, groups, transport
from rooms import conversations
from rooms.models import Membership, Room

# How long a process remembers which names a room's pages show (a full list is sent again after that), and
# how often a room's whole list is sent anyway.
SHOWN_MEMORY_SECONDS = 3600
FULL_LIST_EVERY_SECONDS = 60


def online_list(room_id: int, viewer: tuple[int, str, str] | None = None) -> dict[str, Any]:
    """Who is online in a room, for its page and its pushes: the first PRESENCE_LIST_LIMIT people to arrive
    and how many more. `viewer`: (id, username, name shown) of the person whose page this is, counted already
    (their socket is about to open)."""
    people = Connection.objects.online_people(room_id)
    if viewer is not None and viewer not in people:
        people.append(viewer)
    limit = settings.PRESENCE_LIST_LIMIT
    return {"people": people[:limit], "more": max(len(people) - limit, 0)}


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


def claim(key: str, window_seconds: float) -> bool:
    """One render per room per window across processes: the first process to claim it renders, the others
    come back after the window (their change is then included). The cache is Redis with REDIS_URL (shared by
    every process), else this process's memory (one process: nothing to share)."""
    return bool(cache.add(f"presence:claim:{key}", 1, timeout=max(window_seconds, 0.001)))


def room_changed(room_id: int) -> str:
    """The push for a room whose presence changed: the names that left the list and those that joined it,
    and "and N more" if that changed. A join in a room of 1,000 costs each viewer a few bytes, not a hundred
    names; the whole list goes only when this process does not know what pages show (after a restart)."""
    online = online_list(room_id)
    shown_key = f"presence:shown:{room_id}"
    now = (tuple(online["people"]), online["more"])
    before = cache.get(shown_key)
    cache.set(shown_key, now, timeout=SHOWN_MEMORY_SECONDS)
    # Now and then the whole list, whatever changed: a page painted between two renders may show someone
    # who came and went in between (no change tells it), or the list may have been pushed out of order.
    full_due = cache.add(f"presence:full:{room_id}", 1, timeout=FULL_LIST_EVERY_SECONDS)
    if before is None or full_due:
        return render_to_string("presence/_online_users.html", {**online, "oob": True})
    shown_before = set(before[0])
    context = {
        "left": [person for person in before[0] if person not in set(now[0])],
        "arrived": [person for person in now[0] if person not in shown_before],
        "more": online["more"],
        "more_changed": before[1] != now[1],
    }
    if not (context["left"] or context["arrived"] or context["more_changed"]):
        return ""
    return render_to_string("presence/_online_changes.html", context)


def online_changed(rooms: Iterable[int | None] | Mapping[int | None, float]) -> set[int | None]:
    """Pushes what changed in these rooms (None: the site's total alone). Given each room's window (a
    mapping), a room another process has rendered within it is left out and returned, to try again."""
    windows = rooms if isinstance(rooms, Mapping) else dict.fromkeys(rooms, 0.0)
    wanted = set(windows)
    claimed = {room_id for room_id in wanted if not windows[room_id] or claim(str(room_id), windows[room_id])}
    rendering = [room_id for room_id in claimed if room_id is not None]
    if rendering:
        send_room_counts(rendering)
    for room_id in rendering:
        html = room_changed(room_id)
        if html:
            transport.send_html(groups.room(room_id), html)
    if claimed:
        total = Connection.objects.online_total()
        html = render_to_string("presence/_online_total.html", {"online_total": total, "oob": True})
        transport.send_html(groups.ONLINE_TOTAL, html)
    return wanted - claimed


def repair_html(group: str) -> str:
    """What this process's sockets of `group` are shown again after the group lost events (realtime/hub.py):
    a room's whole online list, the room selector's counts, the site's total. Absolute, so a lost change is
    corrected whatever it was."""
    room_id = groups.room_of(group)
    if room_id is not None:
        return render_to_string("presence/_online_users.html", {**online_list(room_id), "oob": True})
    counts = Connection.objects.online_counts()

    def count_html(room_id: int) -> str:
        context = {"room_id": room_id, "count": counts.get(room_id, 0), "oob": True}
        return render_to_string("presence/_room_count.html", context)

    if group == groups.LOBBY:
        open_rooms = Room.objects.in_selector().filter(kind=Room.Kind.OPEN).values_list("pk", flat=True)
        return "".join(count_html(room_id) for room_id in open_rooms)
    room_id = groups.unread_room_of(group)
    if room_id is not None:
        private = Room.objects.filter(pk=room_id, kind=Room.Kind.PRIVATE).exists()
        return count_html(room_id) if private else ""
    if group == groups.ONLINE_TOTAL:
        total = Connection.objects.online_total()
        return render_to_string("presence/_online_total.html", {"online_total": total, "oob": True})
    return ""


def session_ended(session_key: str) -> None:
    transport.group_send(groups.session(session_key), events.session_ended())


def user_revoked(user_id: int) -> None:
    transport.group_send(groups.user(user_id), events.user_revoked())


def person_presence(user_id: int, online: bool) -> None:
    """Someone came online (their first socket anywhere) or went offline (their last closed): the dot beside
    their name in the sidebars of the people they have a one-to-one conversation with. One render, sent to
    those people only (a group conversation's entry has no dot)."""
    partners = set(
        Membership.objects.filter(room__kind=Room.Kind.DIRECT, room__memberships__user_id=user_id)
        .exclude(user_id=user_id)
        .exclude(room__slug__startswith=conversations.GROUP_SLUG_PREFIX)
        .values_list("user_id", flat=True)
    )
    if not partners:
        return
    html = render_to_string(
        "presence/_presence_dot.html", {"person_id": user_id, "online": online, "oob": True}
    )
    for partner in partners:
        transport.send_html(groups.user(partner), html)
