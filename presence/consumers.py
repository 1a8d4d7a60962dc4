"""The page socket that counts as being online: a connection row per socket, the room's online list."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.template.loader import render_to_string

from presence import broadcasts, tracker
from presence.notifier import notifier
from realtime import close_codes
from realtime.socket import PageSocket

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@database_sync_to_async
def online_users_html(room_id: int) -> str:
    return render_to_string("presence/_online_users.html", {**broadcasts.online_list(room_id), "oob": True})


class PresenceSocket(PageSocket):
    """Subclasses set `room_id` in `authorize` when the page shows a room (None: a page of the site)."""

    room_id: int | None = None
    connection_id = ""
    newly_present = False

    def early_refusal(self) -> int | None:
        if notifier().sockets_of(self.scope["user"].pk) >= settings.CHAT_MAX_SOCKETS_PER_USER > 0:
            return close_codes.TOO_MANY_SOCKETS
        return None

    async def admit(self) -> int | None:
        user = self.scope["user"]
        # Counted live before its row exists: a heartbeat running meanwhile never takes the row for an orphan.
        self.connection_id = uuid.uuid4().hex
        notifier().socket_opened(self.connection_id, user.pk)
        # One trip to the database thread for all of the opening's work there: each trip waits its turn behind
        # every other socket's, so in a reconnect storm each extra one adds a queue's wait to every connect.
        joined = await database_sync_to_async(self.arrive)(user)
        if joined is None:  # over the cap, counted on every process
            notifier().socket_closed(self.connection_id, user.pk)
            self.connection_id = ""
            return close_codes.TOO_MANY_SOCKETS
        self.newly_present = joined.in_room
        return None

    def arrive(self, user: User) -> tracker.Joined | None:
        """In the database thread: the socket's connection row and, for someone who just came online, their
        dot in their partners' sidebars. Subclasses read there what else their page needs."""
        joined = tracker.join(user, self.room_id, self.connection_id)
        if joined is not None and joined.anywhere:
            broadcasts.person_presence(user.pk, online=True)
        return joined

    async def greeting(self) -> str:
        if self.newly_present:
            notifier().changed(self.room_id)
            return ""
        if self.room_id is None:
            return ""
        # Nobody else's list changes, but this page may predate the join of the user's other tab.
        html: str = await online_users_html(self.room_id)
        return html

    async def release(self) -> None:
        if not self.connection_id:
            return
        connection_id, self.connection_id = self.connection_id, ""
        notifier().socket_closed(connection_id, self.scope["user"].pk)
        left = await database_sync_to_async(tracker.leave)(connection_id)
        if left.in_room:
            notifier().changed(self.room_id)
        if left.anywhere:
            await database_sync_to_async(broadcasts.person_presence)(self.scope["user"].pk, online=False)
