"""A lean WebSocket client for many sockets in one process, speaking to the server the way htmx does.

Frames are parsed in `data_received` with no coroutine per message, so one core can follow tens of thousands
of deliveries a second; the same client measures our server and the bare baseline.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

# Senders embed "bench <sender> <seq> <sent at, ns>" in the text; receivers time what they find.
MARKER = re.compile(rb"bench (\d+) (\d+) (\d+)")


@dataclass
class Stats:
    latencies_ns: list[int] = field(default_factory=list)
    deliveries: int = 0
    last_receipt_ns: int = 0

    def record(self, latency_ns: int, now_ns: int) -> None:
        self.latencies_ns.append(latency_ns)
        self.deliveries += 1
        self.last_receipt_ns = now_ns


class Socket(asyncio.Protocol):
    def __init__(self, stats: Stats, on_text: Callable[[bytes], None] | None = None) -> None:
        self.stats = stats
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.handshaken = asyncio.get_running_loop().create_future()
        self.first_frame = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.upgraded = False
        self.count = False
        # Messages sent before this (time.time_ns()) are not counted: the socket was not there yet.
        self.counts_from_ns = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            if b" 101 " not in head.split(b"\r\n", 1)[0]:
                self.handshaken.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode()))
                return
            self.upgraded = True
            self.handshaken.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode = buffer[0] & 0x0F
            length = buffer[1] & 0x7F
            offset = 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length = struct.unpack_from("!H", buffer, 2)[0]
                offset = 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length = struct.unpack_from("!Q", buffer, 2)[0]
                offset = 10
            if len(buffer) < offset + length:
                return
            payload = bytes(buffer[offset : offset + length])
            del buffer[: offset + length]
            if opcode == 1:
                self._text(payload)
            elif opcode == 8:
                if not self.closed.done():
                    self.closed.set_result(payload[:2])
            elif opcode == 9:
                self._write(0xA, payload)

    def _text(self, payload: bytes) -> None:
        if not self.first_frame.done():
            self.first_frame.set_result(None)
        if self.on_text is not None:
            self.on_text(payload)
        if not self.count:
            return
        now = time.time_ns()
        # A message's text shows twice in its frame (the log, and the line screen readers announce): each
        # message counts once.
        for match in {match.group(0): match for match in MARKER.finditer(payload)}.values():
            sent_ns = int(match.group(3))
            if sent_ns < self.counts_from_ns:
                continue
            self.stats.record(now - sent_ns, now)

    def _write(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        elif length < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
        key = int.from_bytes((mask * (length // 4 + 1))[:length], "big")
        masked = (int.from_bytes(payload, "big") ^ key).to_bytes(length, "big") if length else b""
        self.transport.write(header + mask + masked)

    def send_values(self, **values: object) -> None:
        """A frame as htmx 4's hx-ws sends a form: its fields at the top level plus a `headers` object."""
        self._write(0x1, json.dumps({**values, "headers": {"HX-Request": "true"}}).encode())

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._write(0x8, struct.pack("!H", 1000))
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if not self.handshaken.done():
            self.handshaken.set_exception(exc or ConnectionError("closed during handshake"))


async def open_socket(url: str, cookie: str, stats: Stats, wait_first_frame: bool = True) -> Socket:
    """Connects like a browser page: session cookie, Origin header; waits for the server's first frame."""
    parsed = urlparse(url)
    loop = asyncio.get_running_loop()
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    _, socket = await loop.create_connection(lambda: Socket(stats), host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    origin = f"http://{parsed.hostname}:{parsed.port}"
    request = (
        f"GET {parsed.path} HTTP/1.1\r\nHost: {parsed.hostname}:{parsed.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\nCookie: {cookie}\r\n\r\n"
    )
    assert socket.transport is not None
    socket.transport.write(request.encode())
    await socket.handshaken
    if wait_first_frame:
        await socket.first_frame
    return socket
