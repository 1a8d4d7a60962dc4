"""The sidebar every chat page shows: the user's rooms and conversations with unread counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from messaging.models import Message
from rooms.models import Membership, Room, count_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def memberships(user: User) -> list[Membership]:
    """The user's rooms and conversations with unread counts, DM partners and last messages: one query."""
    # Counted per membership from its last read id on: a range of the (room, id) index, not the history.
    unread = Message.objects.filter(
        room=models.OuterRef("room"), id__gt=models.OuterRef("last_read_id"), deleted_at__isnull=True
    ).exclude(author=models.OuterRef("user"))
    last_message = Message.objects.filter(room=models.OuterRef("room"), deleted_at__isnull=True)
    partner = Membership.objects.filter(room=models.OuterRef("room")).exclude(user=models.OuterRef("user"))
    return list(
        Membership.objects.filter(user=user)
        .select_related("room")
        .annotate(
            unread=count_of(unread),
            partner_name=models.Subquery(partner.values("user__username")[:1]),
            partner_label=models.Subquery(partner.values("user__profile__display_name")[:1]),
            last_body=models.Subquery(last_message.order_by("-id").values("body")[:1]),
        )
        .order_by("room__name")
    )


def of(user: User) -> dict[str, list[Membership]]:
    rows = memberships(user)
    return {
        "rooms": [m for m in rows if m.room.kind != Room.Kind.DIRECT and not m.room.is_archived],
        "directs": [m for m in rows if m.room.kind == Room.Kind.DIRECT],
    }
