"""Every page's socket: accept, authorize, hear its groups through the process's hub, end cleanly.

Subclasses say what the page shows (`authorize`), which groups it hears (`groups`), and what joining and
leaving mean for them (`admit`, `release`). However a socket ends (closed by either side, refused, or its
handler raising), `cleanup` runs exactly once: its groups are left and `release` is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.template.loader import render_to_string

from realtime import close_codes, events, groups, losses, stream
from realtime.admission import admission
from realtime.hub import hub
from realtime.transport import serving_loop

logger = logging.getLogger(__name__)

# How long a catch-up waits for its client to read what it was sent before giving the socket up.
DRAIN_SECONDS = 15

Handler = Callable[[events.Event], Awaitable[None]]


def ended_html(code: int) -> str:
    """What the page says when the server ends its socket for good; empty for codes htmx retries."""
    reason = close_codes.EXPLANATIONS.get(code, "")
    return render_to_string("realtime/_connection_ended.html", {"reason": reason}) if reason else ""


class PageSocket(AsyncWebsocketConsumer):
    # Pushes arrive through the process's hub (realtime/hub.py), never through a channel of the socket's own.
    channel_layer_alias = None
    joined: tuple[str, ...] = ()
    stream: stream.Stream | None = None
    closing = False
    cleaned_up = False
    backlog_limit = 0
    dropping: asyncio.Task[None] | None = None
    # Only pages that show the site's online total hear it (one less push per presence change elsewhere).
    shows_online_total = False

    def early_refusal(self) -> int | None:
        """A close code to refuse with before any database work, from what this process knows."""
        return None

    async def authorize(self) -> int | None:
        """Load what the page shows; return a close code to refuse."""
        return None

    def page_groups(self) -> list[str]:
        """The groups this page hears besides the user's own, their session's and the site total."""
        return []

    async def admit(self) -> int | None:
        """Called once authorized, before joining groups; return a close code to refuse."""
        return None

    async def greeting(self) -> str:
        """More HTML for the first frame (the page may be older than what it shows)."""
        return ""

    async def release(self) -> None:
        """Undo `admit`, however the socket ended."""

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
        refusal = self.early_refusal()
        if refusal is None:
            async with admission():
                refusal = await self.authorize() or await self.admit()
        if refusal is not None:
            await self.end(refusal)
            return
        joining = [*self.page_groups(), groups.user(user.pk)]
        if self.shows_online_total:
            joining.append(groups.ONLINE_TOTAL)
        if self.scope["session"].session_key:
            joining.append(groups.session(self.scope["session"].session_key))
        for group in joining:
            await hub().join(group, self)
        self.joined = (*self.joined, *joining)
        self.stream = stream.of(self.base_send)
        if self.stream is not None:
            self.stream.cap_kernel_buffer(settings.CHAT_SOCKET_KERNEL_BUFFER_BYTES)
            self.backlog_limit = settings.CHAT_SOCKET_BACKLOG_BYTES
            self.stream.hold_writes_past(self.backlog_limit)
        status = render_to_string("realtime/_connection_status.html", {"connected": True})
        await self.send(text_data=status + await self.greeting())

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
        """Leave every group and undo `admit`; safe to call more than once, from any path."""
        if self.cleaned_up:
            return
        self.cleaned_up = True
        joined, self.joined = self.joined, ()
        for group in joined:
            await hub().leave(group, self)
        await self.release()

    async def join_group(self, group: str) -> None:
        await hub().join(group, self)
        self.joined = (*self.joined, group)

    async def leave_group(self, group: str) -> None:
        if group in self.joined:
            await hub().leave(group, self)
            self.joined = tuple(g for g in self.joined if g != group)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        try:
            await super().websocket_receive(message)
        except OSError:
            # The client went away before its answer was written (uvicorn raises ClientDisconnected, an
            # OSError; daphne drops the write): nothing to tell anyone.
            logger.debug("client gone before its answer was sent", exc_info=True)
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
        if self.stream is not None and self.stream.queued() > self.backlog_limit > 0:
            await self.drop_behind()
            return
        await self.base_send({"type": "websocket.send", "text": html})

    async def drop_behind(self) -> None:
        losses.losses.slow_socket_closes += 1
        logger.warning(
            "socket of user %s fell too far behind (%d bytes waiting for it, bound %d): closed 1013; %d slow "
            "socket(s) closed since start",
            self.scope["user"].pk,
            self.stream.queued() if self.stream is not None else -1,
            self.backlog_limit,
            losses.losses.slow_socket_closes,
        )
        self.closing = True
        closed_here = self.stream is not None and self.stream.close is not None
        if self.stream is not None and self.stream.close is not None:
            self.stream.close(close_codes.TOO_FAR_BEHIND)
        # Not awaited: the hub is writing to the room's sockets one after another, and uvicorn's close waits
        # for the client's answer, which a client that stopped reading never sends.
        self.dropping = asyncio.get_running_loop().create_task(self.leave_behind(closed_here))

    async def leave_behind(self, closed: bool) -> None:
        await self.cleanup()
        if not closed:
            with contextlib.suppress(Exception):
                await self.close(close_codes.TOO_FAR_BEHIND)

    async def drained(self) -> bool:
        """Wait until the client has read most of what was sent (a catch-up sends frame after frame: a big
        one must not trip the backlog bound of a client that reads fine). False if it does not read on."""
        limit = settings.CHAT_SOCKET_BACKLOG_BYTES
        if self.stream is None or limit <= 0:
            return True
        deadline = asyncio.get_running_loop().time() + DRAIN_SECONDS
        while self.stream.queued() > limit // 2:
            if self.closing or asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def deliver(self, frames: list[dict[str, Any]], html: str) -> None:
        """Called by the hub with the frames of a group this socket is in: forwarded as they are."""
        await self.send_frame(html)

    async def resync(self) -> None:
        """The channel layer was down for a while: bring this page back in line (rooms override this)."""

    async def control(self, event: events.Event) -> None:
        handler = self.control_handlers().get(event["type"])
        if handler is not None:
            await handler(event)

    def control_handlers(self) -> dict[str, Handler]:
        return {events.SESSION_ENDED: self.signed_out, events.USER_REVOKED: self.signed_out}

    async def signed_out(self, event: events.Event) -> None:
        await self.end(close_codes.NOT_SIGNED_IN)
