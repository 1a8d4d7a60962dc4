"""Broadcasts leave a socket's worker thread without ever waiting on the socket's event loop."""

from __future__ import annotations

import asyncio
import threading

from asgiref.sync import sync_to_async

from realtime import transport as broadcasts


def test_a_broadcast_from_a_worker_thread_never_waits_for_a_loop_that_has_stopped():
    # A socket's action can finish after its event loop stopped (shutdown, or the end of a test). asgiref's
    # async_to_sync would queue onto that loop and block the thread forever, and with it every later
    # database call that shares the thread.
    loop = asyncio.new_event_loop()
    loop_stopped = threading.Event()
    returned = threading.Event()

    def action() -> None:
        broadcasts.serving_loop.set(loop)
        loop_stopped.wait(5)
        broadcasts.send_html("room-nowhere", "<p>late</p>")
        returned.set()

    async def serve() -> asyncio.Future[None]:
        pending = asyncio.ensure_future(sync_to_async(action, thread_sensitive=False)())
        await asyncio.sleep(0.05)
        return pending

    pending = loop.run_until_complete(serve())
    loop_stopped.set()
    try:
        assert returned.wait(3)
        loop.run_until_complete(pending)
    finally:
        loop.close()
