"""The room socket: parse and validate frames, hand them to actions, keep the page in line with the database.

Presence, notifications and forwarding come from the base class; this adds sending, deleting and catch-up.
Every malformed frame gets an error fragment and the socket stays open: a client's mistake never closes it
and never costs anyone else anything.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from messaging import actions, catchup, fragments
from messaging.catchup_gate import gate
from messaging.errors import ActionRefused, SignedOut
from messaging.forms import MessageForm
from messaging.writer import writer
from presence.consumers import PresenceConsumer
from realtime import close_codes
from rooms.models import Membership, Room

# A legitimate frame is the body (bounded by CHAT_MESSAGE_MAX_LENGTH) plus a few headers; anything far larger
# is refused before it is parsed.
MAX_FRAME_CHARS = 64 * 1024
DIRECT_SLUG = re.compile(r"dm-(\d{1,19})-(\d{1,19})")


def parse_id(value: Any) -> int | None:
    """A database id from a frame: a positive integer, given as digits or a JSON integer; else None."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def parse_frame(text_data: str) -> dict[str, Any] | None:
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested brackets
        return None
    return frame if isinstance(frame, dict) else None


def open_missing_direct(slug: str, user: Any) -> Room | None:
    """A conversation is stored when its first socket opens (a GET of its page writes nothing)."""
    match = DIRECT_SLUG.fullmatch(slug)
    if match is None:
        return None
    low, high = (int(part) for part in match.groups())
    if low >= high or user.pk not in (low, high):
        return None
    other = get_user_model().objects.filter(pk=high if user.pk == low else low, is_active=True).first()
    return actions.open_direct(user, other) if other is not None else None


@database_sync_to_async
def load_readable_room(slug: str, user: Any) -> tuple[Room | None, int]:
    """The room if the user may read it (else None: missing and forbidden look the same), and its newest
    message id (the cursor until the page syncs)."""
    room = Room.objects.filter(slug=slug).first() or open_missing_direct(slug, user)
    if room is None or not room.can_read(user):
        return None, 0
    if room.kind == Room.Kind.OPEN:
        Membership.objects.get_or_create(room=room, user=user)  # the room joins the visitor's sidebar
    newest = room.messages.order_by("-id").values_list("id", flat=True).first()
    return room, newest or 0


@database_sync_to_async
def plan_catch_up(
    room: Room, user: Any, after: int, since: datetime, already_sent: frozenset[int], floor: int
) -> catchup.Plan | int:
    """The catch-up, or the close code if the user may no longer read the room (checked on every sync)."""
    if not get_user_model().objects.filter(pk=user.pk, is_active=True).exists():
        return close_codes.NOT_SIGNED_IN
    current = Room.objects.filter(pk=room.pk).first()
    if current is None:
        return close_codes.NO_SUCH_ROOM
    if not current.can_read(user):
        return close_codes.FORBIDDEN
    return catchup.plan(current, after, since, already_sent, floor)


class RoomConsumer(PresenceConsumer):
    # Message frames are held back from connect until the page's cursor has been caught up, so that what it
    # missed and what arrives live land in order and once; a page that never syncs is released after a grace.
    held: list[dict[str, Any]] | None = None
    cursor = 0
    # Ids the last catch-up sent: their live frames, arriving late, are dropped instead of doubled.
    caught_up: frozenset[int] | set[int] = frozenset()
    # Ids forwarded live before the first sync (a slow sync after the grace): the catch-up leaves them out.
    sent_before_sync: set[int]
    connected_at: datetime
    synced_at: datetime | None = None
    # Syncs the page may still ask for: the one sent when the socket opens, then CHAT_SYNCS_PER_MINUTE.
    sync_allowance = 1.0
    sync_checked_at = 0.0

    async def authorize(self) -> int | None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        room, newest = await load_readable_room(slug, self.scope["user"])
        if room is None:
            return close_codes.NO_SUCH_ROOM
        self.room = room
        self.cursor = newest
        self.connected_at = timezone.now()
        self.held = []
        self.sent_before_sync = set()
        self.sync_checked_at = time.monotonic()
        asyncio.get_running_loop().call_later(settings.CHAT_SYNC_GRACE_SECONDS, self._release_soon)
        return None

    async def cleanup(self) -> None:
        cursor_to_mark = self.cursor if self.room is not None and not self.cleaned_up else 0
        await super().cleanup()
        if cursor_to_mark and self.room is not None:
            await database_sync_to_async(actions.mark_read)(self.scope["user"], self.room.pk, cursor_to_mark)

    def page_groups(self) -> list[str]:
        assert self.room is not None
        return [self.room.group_name]

    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        if self.held is not None:
            self.held.extend(frames)
            return
        if self.caught_up and any(frame.get("message_id") in self.caught_up for frame in frames):
            frames = [frame for frame in frames if frame.get("message_id") not in self.caught_up]
            if not frames:
                return
            html = "".join(frame["html"] for frame in frames)
        await super().deliver(frames, html)
        self._advance(frames)

    def _advance(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            message_id = frame.get("message_id")
            if not message_id:
                continue
            self.cursor = max(self.cursor, message_id)
            if self.synced_at is None and len(self.sent_before_sync) < settings.CHAT_CATCHUP_LIMIT:
                self.sent_before_sync.add(message_id)

    def _release_soon(self) -> None:
        if self.held is not None and self.synced_at is None:
            asyncio.get_running_loop().create_task(self.release())

    async def release(self) -> None:
        """Forward held frames, less what a catch-up sent; frames arriving meanwhile queue behind them."""
        while self.held:
            batch, self.held = self.held, []
            batch = [frame for frame in batch if frame.get("message_id") not in self.caught_up]
            if batch:
                await super().deliver(batch, "".join(frame["html"] for frame in batch))
                self._advance(batch)
        self.held = None

    def may_sync(self) -> bool:
        """One sync when the socket opens, then CHAT_SYNCS_PER_MINUTE: a page has no reason to ask more
        often, and each catch-up costs the process's database thread."""
        now = time.monotonic()
        rate = settings.CHAT_SYNCS_PER_MINUTE / 60
        ceiling = max(1.0, float(settings.CHAT_SYNCS_PER_MINUTE))
        self.sync_allowance = min(ceiling, self.sync_allowance + (now - self.sync_checked_at) * rate)
        self.sync_checked_at = now
        if self.sync_allowance < 1:
            return False
        self.sync_allowance -= 1
        return True

    async def sync(self, after: int, since: datetime) -> None:
        assert self.room is not None
        if self.held is None:
            self.held = []
        user = self.scope["user"]
        async with gate().turn_of(user.pk):
            already_sent = frozenset(self.sent_before_sync)
            floor = max(already_sent, default=0)
            async with gate().batch:
                plan = await plan_catch_up(self.room, user, after, since, already_sent, floor)
            if isinstance(plan, int):
                await self.end(plan)
                return
            self.sent_before_sync.clear()
            for template, ids in catchup.steps(plan):
                # One batch per trip to the database thread, one catch-up's batch in its queue at a time:
                # posts go in between.
                async with gate().batch:
                    html = await database_sync_to_async(catchup.render_step)(plan.room, template, ids)
                if not await self.drained():
                    await self.drop_behind()
                    return
                await self.send_frame(html)
            await self.send_frame(catchup.cursor_frame(plan))
        self.caught_up = set(plan.sent)
        self.cursor = max(self.cursor, plan.cursor)
        self.synced_at = plan.synced_at
        await self.release()

    async def resync(self) -> None:
        await self.sync(self.cursor, self.synced_at or self.connected_at)

    def failure_html(self) -> str:
        return fragments.errors(["Something went wrong on our side: please try again."])

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None or self.closing:
            return
        if text_data is None:
            await self.send(text_data=fragments.errors(["Binary frames are not accepted."]))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send(text_data=fragments.errors(["That message is far too long."]))
            return
        frame = parse_frame(text_data)
        if frame is None:
            await self.send(text_data=fragments.errors(["Malformed frame: expected a JSON object."]))
            return
        if "sync" in frame:
            await self.sync_on_request(frame)
            return
        if "delete" in frame:
            await self.send(text_data=await self.delete(frame["delete"]))
            return
        await self.post(frame)

    async def sync_on_request(self, frame: dict[str, Any]) -> None:
        # Only text fields, as a form sends them: a number or an object for a date is simply invalid.
        form = catchup.SyncForm(data={key: value for key, value in frame.items() if isinstance(value, str)})
        if not form.is_valid():
            await self.send(text_data=fragments.errors(["Malformed sync request."]))
        elif not self.may_sync():
            await self.send(text_data=fragments.errors(["Too many sync requests: this page is up to date."]))
        else:
            await self.sync(form.cleaned_data["after"], form.cleaned_data["since"])

    async def post(self, frame: dict[str, Any]) -> None:
        assert self.room is not None
        body = frame.get("body")
        form = MessageForm(data={"body": body if isinstance(body, str) else ""})
        if not form.is_valid():
            await self.send(text_data=fragments.errors(str(error) for error in form.errors["body"]))
            return
        result = await writer().post(actions.Post(self.scope["user"], self.room, form.cleaned_data["body"]))
        if isinstance(result, SignedOut):
            await self.end(close_codes.NOT_SIGNED_IN)
        elif isinstance(result, ActionRefused):
            await self.send(text_data=fragments.errors([result.message]))
        else:
            # The room as stored with the message: the composer shows its current name and lock.
            await self.send(text_data=fragments.composer_reset(result.room))

    async def delete(self, raw_id: Any) -> str:
        message_id = parse_id(raw_id)
        if message_id is None:
            return fragments.errors(["Malformed delete request."])
        return await self._delete(message_id)

    @database_sync_to_async
    def _delete(self, message_id: int) -> str:
        assert self.room is not None
        try:
            actions.delete_own_message(self.scope["user"], self.room, message_id)
        except ActionRefused as refusal:
            return fragments.errors([refusal.message])
        return fragments.errors([])
