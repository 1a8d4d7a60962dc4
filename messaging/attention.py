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

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.functions import Coalesce

from messaging.models import Mention, Message
from presence.models import Connection
from rooms.models import Membership, Room, count_of


def counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Each person's count (0 included): one query however many people, each part off an index per person."""
    ids = set(user_ids)
    if not ids:
        return {}
    unread = Message.objects.filter(
        room=models.OuterRef("room"), id__gt=models.OuterRef("last_read_id"), deleted_at__isnull=True
    ).exclude(author=models.OuterRef("user"))
    open_here = Connection.objects.live().filter(room=models.OuterRef("room"), user=models.OuterRef("user"))
    conversations = (
        Membership.objects.filter(user=models.OuterRef("pk"), room__kind=Room.Kind.DIRECT)
        .annotate(unread=count_of(unread), open_here=models.Exists(open_here))
        .filter(open_here=False)
        .values("user")
        .annotate(total=models.Sum("unread"))
        .values("total")
    )
    mentions = Mention.objects.filter(
        user=models.OuterRef("pk"), seen_at__isnull=True, message__deleted_at__isnull=True
    ).exclude(message__room__kind=Room.Kind.DIRECT)
    people = get_user_model().objects.filter(pk__in=ids)
    rows = people.annotate(
        unread=Coalesce(models.Subquery(conversations), 0), mentioned=count_of(mentions)
    ).values_list("pk", "unread", "mentioned")
    # int(): PostgreSQL's SUM is a numeric, which Django hands back as a Decimal.
    found = {pk: int(unread + mentioned) for pk, unread, mentioned in rows}
    return {user_id: found.get(user_id, 0) for user_id in ids}


def count_for(user_id: int) -> int:
    return counts([user_id])[user_id]
