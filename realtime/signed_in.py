"""Each socket's session and user, with one login session's sockets capped before any database work.

A user opening thousands of sockets at once would make each one load its session and user in the process's
one database thread before the per-user cap (counted in the database, across processes) could refuse it,
and other people's connects would queue behind them. This counts the open sockets of each session cookie in
the process and refuses the one over CHAT_MAX_SOCKETS_PER_USER straight away (accept, say why, close 4429).

It then does what Channels' AuthMiddlewareStack (three middlewares) does for a socket, in one: the scope gets
the session and its user, resolved before the consumer runs. A socket holds its middlewares' frames for as
long as it is open, and sockets never write the session, so Channels' per-socket session wrapper is not
needed: about 3 KB less per idle socket (docs/measurements.md).
"""

from __future__ import annotations

from collections import Counter
from http.cookies import SimpleCookie
from importlib import import_module
from typing import Any

from channels.auth import get_user
from django.conf import settings

from realtime import close_codes
from realtime.socket import ended_html


def session_key(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            cookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: no session, the auth layer will say so
                return ""
            morsel = cookie.get(settings.SESSION_COOKIE_NAME)
            return morsel.value if morsel else ""
    return ""


class SignedInSockets:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.open: Counter[str] = Counter()
        self.sessions = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        cap = settings.CHAT_MAX_SOCKETS_PER_USER
        key = session_key(scope)
        if not key or cap <= 0:
            await self.signed_in(scope, key, receive, send)
            return
        if self.open[key] >= cap:
            await refuse(receive, send)
            return
        self.open[key] += 1
        try:
            await self.signed_in(scope, key, receive, send)
        finally:
            self.open[key] -= 1
            if self.open[key] <= 0:
                del self.open[key]

    async def signed_in(self, scope: dict[str, Any], key: str, receive: Any, send: Any) -> None:
        scope = {**scope, "session": self.sessions(key or None)}
        scope["user"] = await get_user(scope)
        await self.app(scope, receive, send)


async def refuse(receive: Any, send: Any) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": ended_html(close_codes.TOO_MANY_SOCKETS)})
    await send({"type": "websocket.close", "code": close_codes.TOO_MANY_SOCKETS})
