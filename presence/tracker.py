"""Who is connected where, in the database: shared by every server process, so counts hold across them."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Collection
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from presence.models import Connection

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# One id per server process: its heartbeat refreshes all of its connections at once, and when the process dies
# its rows stop being refreshed and expire.
SERVER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

# Keys per statement: well under SQLite's bound on query parameters.
CHUNK = 500


class Joined(NamedTuple):
    in_room: bool  # the user is newly present in the room
    anywhere: bool  # the user had no other live socket: they just came online


class Left(NamedTuple):
    in_room: bool  # the user has no other live connection to that room
    anywhere: bool  # nor to any page: they just went offline


def join(user: User, room_id: int | None, key: str) -> Joined | None:
    """Record a socket; None when the user already has CHAT_MAX_SOCKETS_PER_USER live sockets (on all
    processes together) and this one is refused."""
    cap = settings.CHAT_MAX_SOCKETS_PER_USER
    with transaction.atomic():
        live = Connection.objects.live().filter(user=user)
        rooms = list(live.values_list("room_id", flat=True)[: max(cap, 0) or None])
        if cap > 0 and len(rooms) >= cap:
            return None
        Connection.objects.create(
            key=key, user=user, room_id=room_id, server=SERVER_ID, last_seen=timezone.now()
        )
    return Joined(in_room=room_id not in rooms, anywhere=not rooms)


def leave(key: str) -> Left:
    """Forget a socket."""
    with transaction.atomic():
        connection = Connection.objects.filter(key=key).first()
        if connection is None:
            return Left(in_room=False, anywhere=False)
        connection.delete()
        rooms = set(
            Connection.objects.live().filter(user=connection.user_id).values_list("room_id", flat=True)
        )
        return Left(in_room=connection.room_id not in rooms, anywhere=not rooms)


def heartbeat(live_keys: Collection[str]) -> set[int | None]:
    """Refresh the connections of this process's open sockets, and only those: a row this process holds
    for a socket that is gone (whatever skipped its cleanup) is deleted. Returns the rooms that lost one."""
    keys = list(live_keys)
    now = timezone.now()
    for start in range(0, len(keys), CHUNK):
        Connection.objects.filter(key__in=keys[start : start + CHUNK]).update(last_seen=now)
    known = set(keys)
    orphans = [
        (key, room_id)
        for key, room_id in Connection.objects.filter(server=SERVER_ID).values_list("key", "room_id")
        if key not in known
    ]
    for start in range(0, len(orphans), CHUNK):
        Connection.objects.filter(key__in=[key for key, _ in orphans[start : start + CHUNK]]).delete()
    return {room_id for _, room_id in orphans}


def sweep() -> set[int | None]:
    """Delete connections nobody refreshed (their process died); returns the rooms whose lists changed."""
    with transaction.atomic():
        stale = Connection.objects.stale()
        rooms: set[int | None] = set(stale.values_list("room_id", flat=True).distinct())
        stale.delete()
    return rooms
