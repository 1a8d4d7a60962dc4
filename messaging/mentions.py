"""Who a message may mention (people who can read its room) and the mentions it records.

Looked up once per batch of posts, and only for posts with an @ in them: a message without one costs
nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from messaging import formatting
from messaging.models import Mention, Message
from rooms.models import Membership, Room

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# In a room with more members than this, only its admins (its creator, staff) may notify everyone.
ROOM_MENTION_OPEN_TO_ALL_UP_TO = 50


def mentionable(texts: Sequence[tuple[Room, str]]) -> list[dict[str, int]]:
    """For each (room, text): username -> id of the people it names who may read that room."""
    wanted = set().union(*(formatting.mentioned_names(text) for _, text in texts if "@" in text))
    wanted.discard(formatting.ROOM_MENTION)
    if not wanted:
        return [{} for _ in texts]
    people = dict(
        get_user_model().objects.filter(username__in=wanted, is_active=True).values_list("username", "pk")
    )
    closed = {room.pk for room, _ in texts if room.kind != Room.Kind.OPEN}
    members = set(
        Membership.objects.filter(room_id__in=closed, user_id__in=people.values()).values_list(
            "room_id", "user_id"
        )
    )
    return [
        {name: pk for name, pk in people.items() if room.kind == Room.Kind.OPEN or (room.pk, pk) in members}
        for room, _ in texts
    ]


def may_mention_room(user: User, room: Room) -> bool:
    if user.is_staff or room.created_by_id == user.pk:
        return True
    return room.memberships.count() <= ROOM_MENTION_OPEN_TO_ALL_UP_TO


def record(message: Message, people: Iterable[int], whole_room: bool) -> set[int]:
    """Store the mentions of a message (not of its author); the ids of the people newly mentioned."""
    notified = set(people)
    if whole_room:
        notified |= set(message.room.memberships.values_list("user_id", flat=True))
    notified.discard(message.author_id)
    if not notified:
        return set()
    # People who chose to hear nothing from this room are not notified of it, even by name.
    notified -= set(
        Membership.objects.filter(
            room_id=message.room_id, user_id__in=notified, notify=Membership.Notify.NOTHING
        ).values_list("user_id", flat=True)
    )
    if not notified:
        return set()
    already = set(Mention.objects.filter(message=message).values_list("user_id", flat=True))
    fresh = notified - already
    Mention.objects.bulk_create([Mention(message=message, user_id=pk) for pk in fresh], ignore_conflicts=True)
    return fresh


def unseen_count(user_id: int) -> int:
    return (
        Mention.objects.filter(user_id=user_id, seen_at__isnull=True)
        .filter(Q(message__deleted_at__isnull=True))
        .count()
    )


def mark_seen(user: User) -> int:
    return Mention.objects.filter(user=user, seen_at__isnull=True).update(seen_at=timezone.now())
