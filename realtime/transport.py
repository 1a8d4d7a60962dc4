"""Where every broadcast leaves for the channel layer; each process's hub receives it once."""

from __future__ import annotations

import asyncio
import logging
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from redis.exceptions import ConnectionError as RedisConnectionError

from realtime.hub import hub
from realtime.sequence import thread_stream

logger = logging.getLogger(__name__)

# The event loop of the socket whose worker thread runs this action, if any (asgiref copies context into its
# threads). Its hub sends the frame without the thread waiting for the loop, which is busy fanning out.
serving_loop: ContextVar[asyncio.AbstractEventLoop | None] = ContextVar("serving_loop", default=None)


def group_send(group: str, event: dict[str, Any]) -> None:
    loop = serving_loop.get()
    if loop is not None:
        # Never async_to_sync here: if the loop stopped meanwhile (shutdown), asgiref would queue onto it and
        # block this thread, which every later database call of the process shares, forever.
        try:
            hub(loop).publish_threadsafe(group, {**event, "group": group})
        except RuntimeError:  # closed: its sockets are gone, and other processes' pages catch up by cursor
            logger.warning("event loop closed: broadcast to %s dropped", group)
        return
    # No loop of ours (an HTTP view's thread): this thread's own numbered stream, sent before returning.
    layer = get_channel_layer()
    assert layer is not None
    stream = thread_stream()
    stamped = stream.stamp(group, {**event, "group": group})
    try:
        async_to_sync(layer.group_send)(group, stamped)
    except (ConnectionError, RedisConnectionError):
        # A pooled connection that died with a Redis restart fails once, then is replaced: try again once.
        # If it fails again the caller (a robust on_commit) logs it, and pages catch up when they can.
        async_to_sync(layer.group_send)(group, stamped)
    finally:
        stream.sent(group, stamped)
        _watermark_soon()


def _watermark_soon() -> None:
    """A thread cannot wait to send its watermark: a running loop's publisher sends it with its own (a
    process without sockets has no hub, and nobody of its own to tell)."""
    for loop, process_hub in list(hub.instances.items()):
        if loop.is_running():
            try:
                process_hub.publisher.arm_threadsafe()
            except RuntimeError:  # closed meanwhile
                continue
            return


def send_html(group: str, html: str, message_id: int | None = None, lazy: bool = False) -> None:
    """Every socket in `group` forwards `html` unchanged. `lazy`: it may wait (HUB_LAZY_MS at most) to go out
    with the group's next frame (realtime/hub.py)."""
    event = {"type": "hub.frame", "html": html, "message_id": message_id}
    if lazy:
        event["lazy"] = True
    group_send(group, event)
