from __future__ import annotations

from channels.generic.websocket import AsyncWebsocketConsumer

from realtime import close_codes


class NotFoundConsumer(AsyncWebsocketConsumer):
    """A socket path that matches no route: accepted, then closed 4404, so no client retries it (and the
    router does not answer with a 500 and a traceback)."""

    async def connect(self) -> None:
        await self.accept()
        await self.close(close_codes.NO_SUCH_ROOM)
