"""What is addressed to a person and not looked at yet, as one number for their tab title: the unread messages
of their conversations plus their unseen mentions elsewhere.

Messages, not conversations: "(3)" after three direct messages, as the sidebar's badges count them.
- A conversation message counts like the sidebar counts it (someone else's, not deleted, after the member's
  last read one), except in a conversation the person has open right now (a live socket of theirs in it):
  what a page shows as it arrives never raises its own title, nor their other tabs'. Its read mark catches
  up when that page closes (RoomConsumer.release), and it never counted meanwhile.
- A mention counts until the mentions page marks it seen, unless its message was deleted, or it is in a
  conversation: the message already counts there, and "@bob" in a direct message is not twice as urgent.
A conversation the person left (no membership) counts nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from messaging.models import Mention, Message
from presence.models import Connection
from rooms.models import Membership, Room


def counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Each person's count (0 included): one statement however many people, each part off an index per
    person. Every page load and every socket opening asks for it: built with the ORM (a subquery summing
    correlated counts, an EXISTS and a COUNT, annotated on the users) it took 1.7 ms, nearly all of it
    building and compiling the query, a quarter of the database thread's time while 1,000 sockets connected;
    this statement, made from the models' own names, is compiled once (docs/measurements.md, "Connects")."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    cutoff = timezone.now() - timedelta(seconds=settings.PRESENCE_TTL_SECONDS)
    marks = ", ".join(["%s"] * len(ids))
    params = [Room.Kind.DIRECT, connection.ops.adapt_datetimefield_value(cutoff), Room.Kind.DIRECT, *ids]
    with connection.cursor() as cursor:
        cursor.execute(counts_sql().format(ids=marks), params)
        found = {pk: int(unread + mentioned) for pk, unread, mentioned in cursor.fetchall()}
    return {user_id: found.get(user_id, 0) for user_id in ids}


@cache
def counts_sql() -> str:
    message, membership, room = Message._meta.db_table, Membership._meta.db_table, Room._meta.db_table
    connection_table, mention = Connection._meta.db_table, Mention._meta.db_table
    users = get_user_model()._meta.db_table
    # Unread: someone else's live messages after the member's last read one (a deleted author's count), in
    # the person's conversations that they do not have open right now; mentions outside conversations.
    return f"""
        SELECT u.id,
          COALESCE((
            SELECT SUM((
              SELECT COUNT(*) FROM {message} m
              WHERE m.room_id = ms.room_id AND m.id > ms.last_read_id AND m.deleted_at IS NULL
                AND (m.author_id IS NULL OR m.author_id <> ms.user_id)
            ))
            FROM {membership} ms JOIN {room} r ON r.id = ms.room_id
            WHERE ms.user_id = u.id AND r.kind = %s
              AND NOT EXISTS (
                SELECT 1 FROM {connection_table} c
                WHERE c.room_id = ms.room_id AND c.user_id = ms.user_id AND c.last_seen >= %s
              )
          ), 0),
          (
            SELECT COUNT(*) FROM {mention} x
            JOIN {message} xm ON xm.id = x.message_id JOIN {room} xr ON xr.id = xm.room_id
            WHERE x.user_id = u.id AND x.seen_at IS NULL AND xm.deleted_at IS NULL AND xr.kind <> %s
          )
        FROM {users} u WHERE u.id IN ({{ids}})
    """  # noqa: S608 - table names from the models


def count_for(user_id: int) -> int:
    return counts([user_id])[user_id]
