"""How much a socket has not yet written to its client, and a cap on what the kernel buffers for it.

ASGI gives an application no back-pressure: `send` returns at once and the server buffers whatever the
client does not read. A reader that stopped would make the process buffer every frame of its rooms forever
(300 such sockets took ~740 MB of kernel TCP memory). The servers we run expose their transport through the
`send` callable they hand the application; from it we cap the kernel's send buffer (no autotuning up to
tcp_wmem's 4 MB) and read the bytes still queued in the server, so a socket can be dropped once it is
hopelessly behind. Under a server we do not know (the test communicator) there is no bound to read.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from functools import partial
from typing import Any


class Stream:
    """The byte stream under one socket: its queued bytes, its kernel buffer, and a way to close it with a
    code the ASGI server would refuse to send."""

    def __init__(
        self,
        handle: Any,
        queued: Callable[[], int],
        close: Callable[[int], None] | None = None,
        pause_limits: Callable[[int], None] | None = None,
    ) -> None:
        self.handle = handle
        self.queued = queued
        self.close = close
        self.pause_limits = pause_limits

    def hold_writes_past(self, size: int) -> None:
        """An asyncio transport pauses its protocol at 64 KiB queued, and uvicorn's `send` then waits until
        the client reads: the hub, which writes to a room's sockets one after another, would wait with it,
        and one reader that stopped would stall the room for everyone. Pausing only past the backlog bound
        lets `send` return at once until the socket is dropped for being too far behind."""
        if size > 0 and self.pause_limits is not None:
            self.pause_limits(size * 2)

    def cap_kernel_buffer(self, size: int) -> None:
        # daphne hands a socket.socket, uvicorn an asyncio TransportSocket: both take setsockopt.
        if size > 0 and hasattr(self.handle, "setsockopt"):
            with contextlib.suppress(OSError):
                self.handle.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)


def _autobahn_close(protocol: Any, code: int) -> None:
    # daphne passes close codes through autobahn's sendClose, which only allows 1000 and 3000-4999; 1013 ("try
    # again later") is the one htmx should retry here. The frame queues behind the backlog, and autobahn drops
    # the connection (and its buffers) if the client does not answer it within its close handshake timeout.
    protocol.sendCloseFrame(code=code, isReply=False)


def _twisted_queued(transport: Any) -> int:
    # twisted.internet.abstract.FileDescriptor: written-but-unsent bytes are dataBuffer[offset:] plus the
    # chunks gathered since the last doWrite.
    queued: int = len(transport.dataBuffer) - transport.offset + transport._tempDataLen
    return queued


def of(send: Any) -> Stream | None:
    """The transport behind an ASGI `send` of daphne or uvicorn, else None."""
    # Channels' session middleware hands the application its own `send`, which forwards to `real_send`.
    for _ in range(5):
        inner = getattr(getattr(send, "__self__", None), "real_send", None)
        if inner is None:
            break
        send = inner
    # daphne: partial(server.handle_reply, protocol), protocol.transport is Twisted's TCP transport.
    if isinstance(send, partial) and send.args:
        transport = getattr(send.args[0], "transport", None)
        if transport is not None and hasattr(transport, "_tempDataLen"):
            handle = transport.getHandle() if hasattr(transport, "getHandle") else None
            close = (
                partial(_autobahn_close, send.args[0]) if hasattr(send.args[0], "sendCloseFrame") else None
            )
            return Stream(handle, partial(_twisted_queued, transport), close)
    # uvicorn: a bound method of its protocol, whose transport is an asyncio transport.
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "get_write_buffer_size"):
        return Stream(
            transport.get_extra_info("socket"),
            transport.get_write_buffer_size,
            pause_limits=lambda high: transport.set_write_buffer_limits(high=high),
        )
    return None
