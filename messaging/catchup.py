"""Bringing a (re)connected page in line with the database: missed messages, then changes, then the cursor.

The page keeps a cursor in its sync form (`after`: its newest message id; `since`: when it last synced),
which every pushed message advances, and sends it each time its socket opens. What was missed is appended in
order; what changed (deleted, edited) replaces the copy by id; a gap too large to replay replaces the log.

A catch-up runs in the process's one database thread, which every post of the process also needs: it is
planned in one short query (ids only) and then rendered FRAME_BATCH messages per trip to that thread, so a
post waits for at most one batch, however large the catch-up.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from messaging import history, log, sync_queries
from messaging.models import Message
from rooms.models import Room

FRAME_BATCH = 25
# Revisions committed a little before a sync's timestamp may not have been visible to it: look back a bit.
REVISION_MARGIN = timedelta(seconds=10)
# Anything older means "everything": bounded so date arithmetic cannot overflow.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
LOG = "messaging/chat.html#log"


class SyncForm(forms.Form):
    after = forms.IntegerField(min_value=0, max_value=2**63 - 1)
    since = forms.DateTimeField()

    def clean_since(self) -> datetime:
        since: datetime = self.cleaned_data["since"]
        return max(since, EPOCH)


@dataclass
class Plan:
    """What a page is missing, as ids: cheap to find, rendered in batches afterwards."""

    room: Room
    replace_log: bool
    missed: list[int]
    revised: list[int]
    cursor: int
    synced_at: datetime = field(default_factory=timezone.now)

    @property
    def sent(self) -> list[int]:
        return self.missed


def plan(
    room: Room, after: int, since: datetime, already_sent: frozenset[int] = frozenset(), floor: int = 0
) -> Plan:
    """`already_sent`: ids the socket got live before syncing; `floor`: the least cursor to hand back."""
    synced_at = timezone.now()
    limit = settings.CHAT_CATCHUP_LIMIT
    since = max(since, EPOCH) - REVISION_MARGIN
    after_ids, revised = sync_queries.missing(room.pk, after, since, limit)
    missed = [pk for pk in after_ids if pk not in already_sent]
    if len(missed) > limit:
        newest = Message.objects.filter(room=room).order_by("-id").values_list("id", flat=True)
        latest = sorted(newest[: settings.CHAT_HISTORY_LENGTH])
        return Plan(room, True, latest, [], max([after, floor, *latest]), synced_at)
    return Plan(room, False, missed, revised, max([after, floor, *missed]), synced_at)


def steps(plan: Plan) -> Iterator[tuple[str, list[int]]]:
    """(template, ids) per frame, each at most FRAME_BATCH messages."""
    if plan.replace_log:
        yield LOG, plan.missed
        return
    for start in range(0, len(plan.missed), FRAME_BATCH):
        yield "messaging/_messages_appended.html", plan.missed[start : start + FRAME_BATCH]
    for start in range(0, len(plan.revised), FRAME_BATCH):
        yield "messaging/_messages_replaced.html", plan.revised[start : start + FRAME_BATCH]


def render_step(room: Room, template: str, ids: list[int]) -> str:
    messages = log.prepare(Message.objects.in_room(room).with_previous().filter(id__in=ids).order_by("id"))
    # Only the whole log is swapped out of band as such; the other templates say how they are swapped.
    context = {"chat_messages": messages, "oob": template == LOG, "room": room}
    if template == LOG:
        context["older_before"] = history.older_before(room, messages)
    return render_to_string(template, context)


def cursor_frame(plan: Plan) -> str:
    context = {"after": plan.cursor, "since": plan.synced_at, "oob": True}
    return render_to_string("messaging/chat.html#sync-cursor", context)


Frame = dict[str, Any]


@dataclass
class PageCursor:
    """Where one socket's page stands. Live frames are held from connect until the page's first sync, so
    what it missed and what arrives live land in order and once; a page that never syncs is released after
    CHAT_SYNC_GRACE_SECONDS. A page syncs when its socket opens, then CHAT_SYNCS_PER_MINUTE times at most."""

    cursor: int
    connected_at: datetime = field(default_factory=timezone.now)
    held: list[Frame] | None = field(default_factory=list)
    # Ids the last catch-up sent: their live frames, arriving late, are dropped instead of doubled.
    caught_up: frozenset[int] | set[int] = frozenset()
    # Ids forwarded live before the first sync (a slow sync after the grace): the catch-up leaves them out.
    sent_before_sync: set[int] = field(default_factory=set)
    synced_at: datetime | None = None
    sync_allowance: float = 1.0
    sync_checked_at: float = field(default_factory=time.monotonic)

    def incoming(self, frames: list[Frame]) -> list[Frame]:
        """Of frames arriving live, those to forward now (the others are held, or were caught up)."""
        if self.held is not None:
            self.held.extend(frames)
            return []
        if self.caught_up and any(frame.get("message_id") in self.caught_up for frame in frames):
            return [frame for frame in frames if frame.get("message_id") not in self.caught_up]
        return frames

    def forwarded(self, frames: list[Frame]) -> None:
        for frame in frames:
            message_id = frame.get("message_id")
            if not message_id:
                continue
            self.cursor = max(self.cursor, message_id)
            if self.synced_at is None and len(self.sent_before_sync) < settings.CHAT_CATCHUP_LIMIT:
                self.sent_before_sync.add(message_id)

    def take_held(self) -> list[Frame]:
        """Held frames to forward, less what a catch-up sent; empty when none are left (and then live frames
        flow again)."""
        batch, self.held = self.held or [], [] if self.held else None
        return [frame for frame in batch if frame.get("message_id") not in self.caught_up]

    def may_sync(self) -> bool:
        now = time.monotonic()
        rate = settings.CHAT_SYNCS_PER_MINUTE / 60
        ceiling = max(1.0, float(settings.CHAT_SYNCS_PER_MINUTE))
        self.sync_allowance = min(ceiling, self.sync_allowance + (now - self.sync_checked_at) * rate)
        self.sync_checked_at = now
        if self.sync_allowance < 1:
            return False
        self.sync_allowance -= 1
        return True

    def syncing(self) -> tuple[frozenset[int], int]:
        """A sync starts: live frames wait; what was sent live before it, and the least cursor to return."""
        if self.held is None:
            self.held = []
        already_sent = frozenset(self.sent_before_sync)
        return already_sent, max(already_sent, default=0)

    def synced(self, plan: Plan) -> None:
        self.sent_before_sync.clear()
        self.caught_up = set(plan.sent)
        self.cursor = max(self.cursor, plan.cursor)
        self.synced_at = plan.synced_at

    def since(self) -> datetime:
        return self.synced_at or self.connected_at
