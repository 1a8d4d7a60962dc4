"""Every channel-layer group name, in one place (names are visible in Redis: no secrets in them)."""

from __future__ import annotations

import hashlib

# Every room selector page: online counts of open rooms.
LOBBY = "lobby"
# Every page: the number of people online on the site.
ONLINE_TOTAL = "online-total"


def room(room_id: int) -> str:
    """Every socket showing this room."""
    return f"room-{room_id}"


def unread(room_id: int) -> str:
    """Sockets of this room's members on other pages: they count its unread messages."""
    return f"unread-{room_id}"


def user(user_id: int) -> str:
    """Every socket of one person, whatever page it is on."""
    return f"user-{user_id}"


def session(session_key: str) -> str:
    """Every socket opened with one login session (hashed)."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def room_of(group: str) -> int | None:
    """The room of a `room(...)` group name, else None."""
    return _id_after("room-", group)


def unread_room_of(group: str) -> int | None:
    """The room of an `unread(...)` group name, else None."""
    return _id_after("unread-", group)


def _id_after(prefix: str, group: str) -> int | None:
    rest = group.removeprefix(prefix)
    return int(rest) if rest != group and rest.isascii() and rest.isdigit() else None
