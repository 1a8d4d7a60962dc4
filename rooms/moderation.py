"""Staff moderation inside rooms: muting someone for a while. Each action is written to the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
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
    rows = Mute.objects.filter(
        room_id__in={room for room, _ in wanted},
        user_id__in={user for _, user in wanted},
        until__gt=timezone.now(),
    ).values_list("room_id", "user_id", "until")
    return {(room, user): until for room, user, until in rows if (room, user) in wanted}
