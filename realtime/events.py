"""Control events: what the server tells sockets to do rather than show. Each has a name here and a builder;
a socket maps the names it handles to methods (`PageSocket.control_handlers`), so nothing is dispatched by
building method names from strings that came over the channel layer."""

from __future__ import annotations

from typing import Any

Event = dict[str, Any]

SESSION_ENDED = "session.ended"
USER_REVOKED = "user.revoked"
ROOM_GONE = "room.gone"
MEMBERSHIP_ADDED = "membership.added"
MEMBERSHIP_REMOVED = "membership.removed"


def session_ended() -> Event:
    """Logged out: sockets opened with that session close with 4401."""
    return {"type": SESSION_ENDED}


def user_revoked() -> Event:
    """Deactivated, deleted or given a new password: every socket of theirs closes with 4401."""
    return {"type": USER_REVOKED}


def room_gone() -> Event:
    """Sockets close with 4404, as they would connecting to a room that does not exist."""
    return {"type": ROOM_GONE}


def membership_added(room_id: int, html: str) -> Event:
    """The user's pages start counting a conversation's unread messages (`html`: its sidebar entry)."""
    return {"type": MEMBERSHIP_ADDED, "room_id": room_id, "html": html}


def membership_removed(room_id: int) -> Event:
    """The user's sockets in that room close with 4403 and stop counting its unread messages."""
    return {"type": MEMBERSHIP_REMOVED, "room_id": room_id}


TYPING = "typing"


def typing(room_id: int, user_id: int, name: str, active: bool) -> Event:
    """Someone is typing in a room (or stopped: their message was stored). Each process keeps the room's
    typists for all its sockets (messaging/typing.py); no socket handles it itself."""
    return {"type": TYPING, "room_id": room_id, "user_id": user_id, "name": name, "active": active}


ATTENTION = "attention"


def attention(count: int) -> Event:
    """What is addressed to the user and unread changed: each of their pages shows `count` in its title."""
    return {"type": ATTENTION, "count": count}
