"""Every page's socket: who is connected where, the user's own notifications, forwarding pushes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from messaging.broadcasts import serving_loop, session_group, user_group
from messaging.hub import hub
from presence import broadcasts, tracker
from presence.notifier import notifier
from rooms.models import Membership, Room

# Application close codes (4000-4999): htmx reconnects only on the codes it is configured for.
CLOSE_NOT_SIGNED_IN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NO_SUCH_ROOM = 4404


@database_sync_to_async
def unread_groups(user: Any, except_room: int | None) -> list[str]:
    room_ids = (
        Membership.objects.filter(user=user).exclude(room=except_room).values_list("room_id", flat=True)
    )
    return [Room.unread_group_for(room_id) for room_id in room_ids]


@database_sync_to_async
def online_users_html(room_id: int) -> str:
    return render_to_string("presence/_online_users.html", {**broadcasts.online_list(room_id), "oob": True})


class PresenceConsumer(AsyncWebsocketConsumer):
    """Subclasses say which room the socket shows (`authorize`) and which groups it hears besides these."""

    # Pushes arrive through the process's hub (messaging/hub.py), never through a channel of the socket's own.
    channel_layer_alias = None
    room: Room | None = None
    joined: tuple[str, ...] = ()
    connection_id = ""

    async def authorize(self) -> int | None:
        """Set `self.room` if the socket shows one; return a close code to refuse."""
        return None

    def page_groups(self) -> list[str]:
        return []

    async def connect(self) -> None:
        # Accept first, then close with an application code: refusing the handshake makes browsers see 1006,
        # which htmx retries forever.
        await self.accept()
        serving_loop.set(asyncio.get_running_loop())
        user = self.scope["user"]
        if not user.is_authenticated:
            await self.close(CLOSE_NOT_SIGNED_IN)
            return
        refusal = await self.authorize()
        if refusal is not None:
            await self.close(refusal)
            return
        room_id = self.room.pk if self.room else None
        groups = [*self.page_groups(), user_group(user.pk), broadcasts.TOTAL_GROUP]
        if self.scope["session"].session_key:
            groups.append(session_group(self.scope["session"].session_key))
        groups += await unread_groups(user, room_id)
        for group in groups:
            await hub().join(group, self)
        self.joined = tuple(groups)
        self.connection_id = uuid.uuid4().hex
        notifier().socket_opened()
        newly_present = await database_sync_to_async(tracker.join)(user, room_id, self.connection_id)
        greeting = render_to_string("messaging/_connection_status.html", {"connected": True})
        if newly_present:
            notifier().changed(room_id)
        elif room_id is not None:
            # Nobody else's list changes, but this page may predate the join of the user's other tab.
            greeting += await online_users_html(room_id)
        await self.send(text_data=greeting)

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await hub().leave(group, self)
        self.joined = ()
        if self.connection_id:
            notifier().socket_closed()
            if await database_sync_to_async(tracker.leave)(self.connection_id):
                notifier().changed(self.room.pk if self.room else None)
            self.connection_id = ""

    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        """Called by the hub with the frames of a group this socket is in: forwarded as they are."""
        await self.base_send({"type": "websocket.send", "text": html})

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
            await self.close(CLOSE_FORBIDDEN)
            return
        group = Room.unread_group_for(event["room_id"])
        if group in self.joined:
            await hub().leave(group, self)
            self.joined = tuple(g for g in self.joined if g != group)

    async def on_room_gone(self, event: dict[str, Any]) -> None:
        await self.close(CLOSE_NO_SUCH_ROOM)

    async def on_session_ended(self, event: dict[str, Any]) -> None:
        await self.close(CLOSE_NOT_SIGNED_IN)


class LobbyConsumer(PresenceConsumer):
    """The room selector's socket: live online counts."""

    def page_groups(self) -> list[str]:
        return [broadcasts.LOBBY_GROUP]
