"""A chat user outside the browser: signs up over HTTP, then talks to sockets the way htmx does."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import re
import urllib.parse
import urllib.request
from typing import Any

import websockets

PASSWORD = "a-long-passphrase-42"


class ChatUser:
    def __init__(self, base_url: str, username: str) -> None:
        self.base_url = base_url
        self.username = username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _post_form(self, path: str, fields: dict[str, str], form_page: str | None = None) -> str:
        """Posts `fields` to `path` with the CSRF token of the page that shows the form (`path` itself, or
        `form_page` for an address that only takes POSTs); the address it landed on."""
        page = self.opener.open(self.base_url + (form_page or path)).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)}).encode()
        headers = {"Referer": self.base_url + path}
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers)  # noqa: S310
        with self.opener.open(request) as response:
            return str(response.geturl())

    def sign_up(self) -> ChatUser:
        fields = {"username": self.username, "password1": PASSWORD, "password2": PASSWORD}
        landed = self._post_form("/accounts/signup/", fields)
        assert landed.endswith("/rooms/general/"), landed
        return self

    def open_room(self, name: str) -> str:
        """The room selector's form: opens the room, creating it if nobody has (GETs never create)."""
        return self._post_form("/rooms/", {"name": name})

    def get(self, path: str) -> str:
        return str(self.opener.open(self.base_url + path).read().decode())

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)

    async def socket(
        self, path: str, base_url: str | None = None, cursor: dict[str, str] | None = None
    ) -> Socket:
        """Opens a page's socket as htmx does; for a room, sends its page's sync form first (or `cursor`: the
        page as it was when its socket dropped; a socket syncs once when it opens)."""
        base = base_url or self.base_url
        if cursor is None and path.startswith("/ws/rooms/"):
            page = await asyncio.to_thread(self.get, path.removeprefix("/ws"))
            cursor = dict(re.findall(r'id="sync-(after|since)" name="\w+" value="([^"]*)"', page))
        connection = await websockets.connect(
            base.replace("http", "ws", 1) + path,
            additional_headers={"Cookie": self.cookie_header, "Origin": base},
            max_size=None,
        )
        socket = Socket(connection)
        await socket.receive_until('id="connection-status"')
        if cursor:
            await socket.send(sync="1", **cursor)
            await socket.receive_until('id="sync-since"')
        return socket


class Socket:
    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.seen: list[str] = []

    async def send(self, **values: Any) -> None:
        await self.connection.send(json.dumps({**values, "headers": {"HX-Request": "true"}}))

    async def receive_until(self, needle: str, timeout: float = 10) -> str:
        async with asyncio.timeout(timeout):
            while True:
                frame = str(await self.connection.recv())
                self.seen.append(frame)
                if needle in frame:
                    return frame

    async def has_seen(self, needle: str, timeout: float = 10) -> str:
        """Like receive_until, but a frame that already arrived counts too."""
        for frame in self.seen:
            if needle in frame:
                return frame
        return await self.receive_until(needle, timeout)

    async def close(self) -> None:
        await self.connection.close()

    async def close_code(self, timeout: float = 5) -> int:
        """The code the server closed this socket with (frames before it are kept in `seen`)."""
        async with asyncio.timeout(timeout):
            try:
                while True:
                    self.seen.append(str(await self.connection.recv()))
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd is not None else 1006
