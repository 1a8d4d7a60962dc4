"""The sidebar every chat page shows: the user's rooms and conversations with unread counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models.functions import Lower

from messaging.models import Message
from presence.models import Connection
from rooms import conversations
from rooms.models import Membership, Room, count_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def memberships(user: User) -> list[Membership]:
    """The user's rooms and conversations with unread counts and last messages (one query), each
    conversation with its other members as this user sees it (`.conversation`: one more query)."""
    # Counted per membership from its last read id on: a range of the (room, id) index, not the history.
    unread = Message.objects.filter(
        room=models.OuterRef("room"), id__gt=models.OuterRef("last_read_id"), deleted_at__isnull=True
    ).exclude(author=models.OuterRef("user"))
    last_message = Message.objects.filter(room=models.OuterRef("room"), deleted_at__isnull=True)
    rows: list[Membership] = list(
        Membership.objects.filter(user=user)
        .select_related("room")
        .annotate(
            unread=count_of(unread),
            last_body=models.Subquery(last_message.order_by("-id").values("body")[:1]),
        )
        .order_by(Lower("room__name"), "room_id")
    )
    seen_as = conversations.of_rooms([row.room for row in rows], user.pk)
    partners = {seen.partner_id for seen in seen_as.values() if seen.partner_id is not None}
    online = Connection.objects.online_among(partners)
    for row in rows:
        row.conversation = seen_as.get(row.room_id)  # type: ignore[attr-defined]
        row.partner_online = row.conversation is not None and row.conversation.partner_id in online  # type: ignore[attr-defined]
    return rows


def of(user: User) -> dict[str, list[Membership]]:
    rows = memberships(user)
    return {
        "rooms": [m for m in rows if m.room.kind != Room.Kind.DIRECT and not m.room.is_archived],
        # A conversation whose other member deleted their account stays: "Deleted user", at its room address.
        "directs": [m for m in rows if m.room.kind == Room.Kind.DIRECT],
    }
