"""The two statements a page's sync costs: may its reader still read the room, and which messages it misses.

Every socket syncs as it opens, so a reconnect storm runs these once per socket in the process's one database
thread. Written with the ORM they were five queries and most of a socket's opening in that thread, nearly all
of it building and compiling the queries in Python (3.1 ms against 0.4: docs/measurements.md, "the three
figures that were worse, again"); these are built once from the models' names, like messaging.sent_counts.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, models

from messaging.models import Message
from messaging.sent_counts import column
from rooms.models import Membership, Room


def table(model: type[models.Model]) -> str:
    return model._meta.db_table


class Access(NamedTuple):
    active: bool  # the user still exists and may sign in
    kind: str | None  # the room's kind; None: the room is gone
    member: bool

    @property
    def readable(self) -> bool:
        """As Room.can_read, for a signed-in user."""
        return self.kind == Room.Kind.OPEN or self.member


@functools.cache
def access_sql() -> str:
    user = get_user_model()
    return (
        f"SELECT (SELECT {column(user, 'is_active')} FROM {table(user)} WHERE {column(user, 'id')} = %s), "  # noqa: S608 - names from the models
        f"(SELECT {column(Room, 'kind')} FROM {table(Room)} WHERE {column(Room, 'id')} = %s), "
        f"EXISTS (SELECT 1 FROM {table(Membership)} "
        f"WHERE {column(Membership, 'room')} = %s AND {column(Membership, 'user')} = %s)"
    )


def access(user_id: int, room_id: int) -> Access:
    with connection.cursor() as cursor:
        cursor.execute(access_sql(), [user_id, room_id, room_id, user_id])
        active, kind, member = cursor.fetchone()
    return Access(bool(active), kind, bool(member))


@functools.cache
def missing_sql() -> str:
    """Ids after the page's cursor (at most a limit), then ids up to it revised since its last sync."""
    message, room, pk, revised = (
        table(Message),
        column(Message, "room"),
        column(Message, "id"),
        column(Message, "revised_at"),
    )
    after = f"SELECT {pk} FROM {message} WHERE {room} = %s AND {pk} > %s ORDER BY {pk} LIMIT %s"  # noqa: S608
    changed = (
        f"SELECT {pk} FROM {message} "  # noqa: S608 - names from the models
        f"WHERE {room} = %s AND {pk} <= %s AND {revised} >= %s ORDER BY {pk} LIMIT %s"
    )
    return f"SELECT 1, * FROM ({after}) AS a UNION ALL SELECT 0, * FROM ({changed}) AS c"  # noqa: S608


def missing(room_id: int, after: int, since: datetime, limit: int) -> tuple[list[int], list[int]]:
    """(up to `limit` + 1 ids after `after`, up to `limit` ids up to it revised since `since`), in order."""
    moment = connection.ops.adapt_datetimefield_value(since)
    with connection.cursor() as cursor:
        cursor.execute(missing_sql(), [room_id, after, limit + 1, room_id, after, moment, limit])
        rows = cursor.fetchall()
    return sorted(pk for new, pk in rows if new), sorted(pk for new, pk in rows if not new)
