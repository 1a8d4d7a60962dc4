"""Every page's socket: who is connected where, the user's own notifications, forwarding pushes.

However a socket ends (closed by either side, refused, or its handler raising), `cleanup` runs exactly once:
its hub groups are left and its presence row is deleted, so a socket that died is never listed online.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.template.loader import render_to_string

from messaging.broadcasts import serving_loop, session_group, user_group
from messaging.hub import hub
from presence import broadcasts, tracker
from presence.notifier import notifier
from realtime import close_codes, transport
from rooms.models import Membership, Room

logger = logging.getLogger(__name__)

# How long a catch-up waits for its client to read what it was sent before giving the socket up.
DRAIN_SECONDS = 15

# Kept for the modules and tests that name them here.
CLOSE_NOT_SIGNED_IN = close_codes.NOT_SIGNED_IN
CLOSE_FORBIDDEN = close_codes.FORBIDDEN
CLOSE_NO_SUCH_ROOM = close_codes.NO_SUCH_ROOM


@database_sync_to_async
def unread_groups(user: Any, except_room: int | None) -> list[str]:
    room_ids = (
        Membership.objects.filter(user=user).exclude(room=except_room).values_list("room_id", flat=True)
    )
    return [Room.unread_group_for(room_id) for room_id in room_ids]


@database_sync_to_async
def online_users_html(room_id: int) -> str:
    return render_to_string("presence/_online_users.html", {**broadcasts.online_list(room_id), "oob": True})


def ended_html(code: int) -> str:
    reason = close_codes.EXPLANATIONS.get(code, "")
    return render_to_string("messaging/_connection_ended.html", {"reason": reason}) if reason else ""


class PresenceConsumer(AsyncWebsocketConsumer):
    """Subclasses say which room the socket shows (`authorize`) and which groups it hears besides these."""

    # Pushes arrive through the process's hub (messaging/hub.py), never through a channel of the socket's own.
    channel_layer_alias = None
    room: Room | None = None
    joined: tuple[str, ...] = ()
    connection_id = ""
    transport: transport.Transport | None = None
    closing = False
    cleaned_up = False

    async def authorize(self) -> int | None:
        """Set `self.room` if the socket shows one; return a close code to refuse."""
        return None

    def page_groups(self) -> list[str]:
        return []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            # Channels skips disconnect() when a handler raises or the task is cancelled: clean up anyway.
            with contextlib.suppress(Exception):
                await asyncio.shield(self.cleanup())

    async def connect(self) -> None:
        # Accept first, then close with an application code: refusing the handshake makes browsers see 1006,
        # which htmx retries forever.
        await self.accept()
        serving_loop.set(asyncio.get_running_loop())
        user = self.scope["user"]
        if not user.is_authenticated or not user.is_active:
            await self.end(close_codes.NOT_SIGNED_IN)
            return
        if notifier().sockets_of(user.pk) >= settings.CHAT_MAX_SOCKETS_PER_USER > 0:
            await self.end(close_codes.TOO_MANY_SOCKETS)  # refused without a trip to the database
            return
        refusal = await self.authorize()
        if refusal is not None:
            await self.end(refusal)
            return
        room_id = self.room.pk if self.room else None
        # Counted live before its row exists: a heartbeat running meanwhile never takes the row for an orphan.
        self.connection_id = uuid.uuid4().hex
        notifier().socket_opened(self.connection_id, user.pk)
        joined = await database_sync_to_async(tracker.join)(user, room_id, self.connection_id)
        if joined is None:
            notifier().socket_closed(self.connection_id, user.pk)
            self.connection_id = ""
            await self.end(close_codes.TOO_MANY_SOCKETS)
            return
        groups = [*self.page_groups(), user_group(user.pk), broadcasts.TOTAL_GROUP]
        if self.scope["session"].session_key:
            groups.append(session_group(self.scope["session"].session_key))
        groups += await unread_groups(user, room_id)
        for group in groups:
            await hub().join(group, self)
        self.joined = tuple(groups)
        self.transport = transport.of(self.base_send)
        if self.transport is not None:
            self.transport.cap_kernel_buffer(settings.CHAT_SOCKET_KERNEL_BUFFER_BYTES)
        greeting = render_to_string("messaging/_connection_status.html", {"connected": True})
        if joined:
            notifier().changed(room_id)
        elif room_id is not None:
            # Nobody else's list changes, but this page may predate the join of the user's other tab.
            greeting += await online_users_html(room_id)
        await self.send(text_data=greeting)

    async def end(self, code: int) -> None:
        """Close for a reason the page should show (4xxx codes end the socket for good)."""
        if self.closing:
            return
        self.closing = True
        explanation = ended_html(code)
        with contextlib.suppress(Exception):
            if explanation:
                await self.send(text_data=explanation)
            await self.close(code)
        await self.cleanup()

    async def disconnect(self, code: int) -> None:
        await self.cleanup()

    async def cleanup(self) -> None:
        """Leave every group and forget the connection; safe to call more than once, from any path."""
        if self.cleaned_up:
            return
        self.cleaned_up = True
        joined, self.joined = self.joined, ()
        for group in joined:
            await hub().leave(group, self)
        if self.connection_id:
            connection_id, self.connection_id = self.connection_id, ""
            notifier().socket_closed(connection_id, self.scope["user"].pk)
            if await database_sync_to_async(tracker.leave)(connection_id):
                notifier().changed(self.room.pk if self.room else None)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        try:
            await super().websocket_receive(message)
        except Exception:
            # Our bug, not the client's: keep the socket (and everyone else's) and say so to this page.
            logger.exception("socket frame handling failed")
            with contextlib.suppress(Exception):
                await self.send(text_data=self.failure_html())

    def failure_html(self) -> str:
        return ""

    async def send_frame(self, html: str) -> None:
        """Writes a pushed frame, or drops a socket whose client stopped reading (htmx reconnects it, and
        the page catches up) instead of buffering for it without end."""
        if self.closing:
            return
        limit = settings.CHAT_SOCKET_BACKLOG_BYTES
        if self.transport is not None and limit > 0 and self.transport.queued() > limit:
            await self.drop_behind()
            return
        await self.base_send({"type": "websocket.send", "text": html})

    async def drop_behind(self) -> None:
        logger.warning("socket of user %s fell too far behind: closed 1013", self.scope["user"].pk)
        self.closing = True
        if self.transport is not None and self.transport.close is not None:
            self.transport.close(close_codes.TOO_FAR_BEHIND)
        else:
            await self.close(close_codes.TOO_FAR_BEHIND)
        asyncio.get_running_loop().create_task(self.cleanup())

    async def drained(self) -> bool:
        """Wait until the client has read most of what was sent (a catch-up sends frame after frame: a big
        one must not trip the backlog bound of a client that reads fine). False if it does not read on."""
        limit = settings.CHAT_SOCKET_BACKLOG_BYTES
        if self.transport is None or limit <= 0:
            return True
        deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
        while self.transport.queued() > limit // 2:
            if self.closing or asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        """Called by the hub with the frames of a group this socket is in: forwarded as they are."""
        await self.send_frame(html)

    async def resync(self) -> None:
        """The channel layer was down for a while: bring this page back in line (rooms override this)."""

    async def on_membership_added(self, event: dict[str, Any]) -> None:
        """A conversation was opened with this user: count its unread messages from now on."""
        group = Room.unread_group_for(event["room_id"])
        await hub().join(group, self)
        self.joined = (*self.joined, group)
        await self.send(text_data=event["html"])

    async def on_membership_removed(self, event: dict[str, Any]) -> None:
        if self.room is not None and self.room.pk == event["room_id"]:
            await self.end(close_codes.FORBIDDEN)
            return
        group = Room.unread_group_for(event["room_id"])
        if group in self.joined:
            await hub().leave(group, self)
            self.joined = tuple(g for g in self.joined if g != group)

    async def on_room_gone(self, event: dict[str, Any]) -> None:
        await self.end(close_codes.NO_SUCH_ROOM)

    async def on_session_ended(self, event: dict[str, Any]) -> None:
        await self.end(close_codes.NOT_SIGNED_IN)

    async def on_user_revoked(self, event: dict[str, Any]) -> None:
        """Deactivated, deleted, or their password changed: every socket of theirs ends, on every process."""
        await self.end(close_codes.NOT_SIGNED_IN)


class LobbyConsumer(PresenceConsumer):
    """The room selector's socket: live online counts."""

    def page_groups(self) -> list[str]:
        return [broadcasts.LOBBY_GROUP]

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The lobby expects nothing from the page."""
