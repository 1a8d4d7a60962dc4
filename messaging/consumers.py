"""The room socket: parse and validate frames, hand them to actions, keep the page in line with the database.

Presence, notifications and forwarding come from the base class; this adds sending, deleting and catch-up.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from messaging import actions, catchup, fragments
from messaging.errors import ActionRefused
from messaging.forms import MessageForm
from messaging.writer import writer
from presence.consumers import CLOSE_FORBIDDEN, CLOSE_NO_SUCH_ROOM, PresenceConsumer
from rooms.models import Room

# A legitimate frame is the body (bounded by CHAT_MESSAGE_MAX_LENGTH) plus a few headers; anything far larger
# is refused before it is parsed.
MAX_FRAME_CHARS = 64 * 1024


@database_sync_to_async
def load_readable_room(slug: str, user: Any) -> tuple[Room | None, bool, int]:
    """The room, whether the user may read it, and its newest message id (the cursor until the page syncs)."""
    room = Room.objects.filter(slug=slug).first()
    if room is None or not room.can_read(user):
        return room, False, 0
    newest = room.messages.order_by("-id").values_list("id", flat=True).first()
    return room, True, newest or 0


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

    async def authorize(self) -> int | None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        room, readable, newest = await load_readable_room(slug, self.scope["user"])
        if room is None:
            return CLOSE_NO_SUCH_ROOM
        if not readable:
            return CLOSE_FORBIDDEN
        self.room = room
        self.cursor = newest
        self.connected_at = timezone.now()
        self.held = []
        self.sent_before_sync = set()
        asyncio.get_running_loop().call_later(settings.CHAT_SYNC_GRACE_SECONDS, self._release_soon)
        return None

    async def disconnect(self, code: int) -> None:
        await super().disconnect(code)
        if self.room is not None and self.cursor:
            await database_sync_to_async(actions.mark_read)(self.scope["user"], self.room.pk, self.cursor)

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

    async def sync(self, after: int, since: datetime) -> None:
        assert self.room is not None
        if self.held is None:
            self.held = []
        already_sent = frozenset(self.sent_before_sync)
        floor = max(already_sent, default=0)
        result = await database_sync_to_async(catchup.catch_up)(self.room, after, since, already_sent, floor)
        self.sent_before_sync.clear()
        for frame in result.frames:
            await self.send(text_data=frame)
        self.caught_up = set(result.message_ids)
        self.cursor = max(self.cursor, result.cursor)
        self.synced_at = result.synced_at
        await self.release()

    async def resync(self) -> None:
        await self.sync(self.cursor, self.synced_at or self.connected_at)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.room is None:
            return
        if text_data is None:
            await self.send(text_data=fragments.errors(["Binary frames are not accepted."]))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send(text_data=fragments.errors(["That message is far too long."]))
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            await self.send(text_data=fragments.errors(["Malformed frame: expected a JSON object."]))
            return
        if "sync" in frame:
            form = catchup.SyncForm(data=frame)
            if form.is_valid():
                await self.sync(form.cleaned_data["after"], form.cleaned_data["since"])
            else:
                await self.send(text_data=fragments.errors(["Malformed sync request."]))
            return
        if "delete" in frame:
            await self.send(text_data=await self.delete(frame["delete"]))
            return
        await self.send(text_data=await self.post(frame))

    async def post(self, frame: dict[str, Any]) -> str:
        assert self.room is not None
        body = frame.get("body")
        form = MessageForm(data={"body": body if isinstance(body, str) else ""})
        if not form.is_valid():
            return fragments.errors(str(error) for error in form.errors["body"])
        result = await writer().post(actions.Post(self.scope["user"], self.room, form.cleaned_data["body"]))
        if isinstance(result, ActionRefused):
            return fragments.errors([result.message])
        # The room as stored with the message: the composer shows its current name and lock.
        return fragments.composer_reset(result.room)

    @database_sync_to_async
    def delete(self, message_id: Any) -> str:
        assert self.room is not None
        try:
            actions.delete_own_message(self.scope["user"], self.room, int(message_id))
        except (TypeError, ValueError):
            return fragments.errors(["Malformed delete request."])
        except ActionRefused as refusal:
            return fragments.errors([refusal.message])
        return fragments.errors([])
