"""Bringing a (re)connected page in line with the database: missed messages, then changes, then the cursor.

The page keeps a cursor in its sync form (`after`: its newest message id; `since`: when it last synced),
which every pushed message advances, and sends it each time its socket opens. What was missed is appended in
order; what changed (deleted, edited) replaces the copy by id; a gap too large to replay replaces the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from messaging.models import Message
from rooms.models import Room

FRAME_BATCH = 100
# Revisions committed a little before a sync's timestamp may not have been visible to it: look back a bit.
REVISION_MARGIN = timedelta(seconds=10)


class SyncForm(forms.Form):
    after = forms.IntegerField(min_value=0, max_value=2**63 - 1)
    since = forms.DateTimeField()


@dataclass
class CatchUp:
    frames: list[str]
    message_ids: list[int]
    cursor: int
    synced_at: datetime


def catch_up(
    room: Room, after: int, since: datetime, already_sent: frozenset[int] = frozenset(), floor: int = 0
) -> CatchUp:
    """`already_sent`: ids the socket got live before syncing; `floor`: the least cursor to hand back."""
    synced_at = timezone.now()
    limit = settings.CHAT_CATCHUP_LIMIT
    missed = [m for m in Message.objects.after(room, after)[: limit + 1] if m.pk not in already_sent]
    frames: list[str] = []
    if len(missed) > limit:
        latest = Message.objects.latest_in_room(room, settings.CHAT_HISTORY_LENGTH)
        frames.append(render_to_string("messaging/_log.html", {"chat_messages": latest, "oob": True}))
        sent = latest
    else:
        for start in range(0, len(missed), FRAME_BATCH):
            batch = missed[start : start + FRAME_BATCH]
            frames.append(render_to_string("messaging/_messages_appended.html", {"chat_messages": batch}))
        sent = missed
        revised = list(Message.objects.revised_since(room, after, since - REVISION_MARGIN))
        if revised:
            frames.append(render_to_string("messaging/_messages_replaced.html", {"chat_messages": revised}))
    cursor = max([after, floor, *(message.pk for message in sent)])
    context = {"after": cursor, "since": synced_at, "oob": True}
    frames.append(render_to_string("messaging/_sync_cursor.html", context))
    return CatchUp(frames, [message.pk for message in sent], cursor, synced_at)
