"""Who is connected where, in the database: shared by every server process, so counts hold across them."""

from __future__ import annotations

import os
import socket
import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from presence.models import Connection

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# One id per server process: its heartbeat refreshes all of its connections at once, and when the process dies
# its rows stop being refreshed and expire.
SERVER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def join(user: User, room_id: int | None, key: str) -> bool:
    """Record a socket; True when this makes the user newly present in the room."""
    with transaction.atomic():
        already = Connection.objects.live().filter(user=user, room=room_id).exists()
        Connection.objects.create(
            key=key, user=user, room_id=room_id, server=SERVER_ID, last_seen=timezone.now()
        )
    return not already


def leave(key: str) -> bool:
    """Forget a socket; True when its user has no other live connection to that room."""
    with transaction.atomic():
        connection = Connection.objects.filter(key=key).first()
        if connection is None:
            return False
        connection.delete()
        return not Connection.objects.live().filter(user=connection.user_id, room=connection.room_id).exists()


def heartbeat() -> int:
    return Connection.objects.filter(server=SERVER_ID).update(last_seen=timezone.now())


def sweep() -> set[int | None]:
    """Delete connections nobody refreshed (their process died); returns the rooms whose lists changed."""
    with transaction.atomic():
        stale = Connection.objects.stale()
        rooms: set[int | None] = set(stale.values_list("room_id", flat=True).distinct())
        stale.delete()
    return rooms
