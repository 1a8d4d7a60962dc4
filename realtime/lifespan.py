"""The ASGI lifespan protocol, which uvicorn speaks and daphne does not: the process's loss counts are written
as it shuts down (realtime/losses.py)."""

from __future__ import annotations

from typing import Any

from realtime import losses


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            losses.write()
            await send({"type": "lifespan.shutdown.complete"})
            return
