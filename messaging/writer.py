"""Posts from this process's sockets, stored a batch at a time.

A trip to the database thread, a transaction and a fan-out write to every socket in the room, per post, cap
a process at a few hundred messages a second (README, "Benchmark"). Posts that arrive while a batch is being
stored wait for the next one and go in together: one thread hop and one transaction per batch, and their
broadcasts leave in one burst, which the hub joins into one write per socket. With nothing in flight a post
goes at once. If the database refuses a batch, each of its posts is tried alone, so one bad post fails
only its own sender.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async
from django.conf import settings

from messaging import actions
from messaging.errors import ActionRefused
from messaging.models import Message
from realtime.per_loop import PerLoop

logger = logging.getLogger(__name__)


Pending = tuple[actions.Post, "asyncio.Future[Message | ActionRefused]"]


class Writer:
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: list[Pending] = []
        self.task: asyncio.Task[None] | None = None

    async def post(self, post: actions.Post) -> Message | ActionRefused:
        future: asyncio.Future[Message | ActionRefused] = self.loop.create_future()
        self.queue.append((post, future))
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._store())
        return await future

    async def _store(self) -> None:
        while self.queue:
            size = max(1, settings.CHAT_POST_BATCH_SIZE)
            batch, self.queue = self.queue[:size], self.queue[size:]
            try:
                await self._store_batch(batch)
            except Exception as error:
                if len(batch) == 1:
                    logger.exception("a post could not be stored")
                    self._fail(batch, error)
                    continue
                logger.exception("a batch of %d posts failed: storing each alone", len(batch))
                for pending in batch:
                    try:
                        await self._store_batch([pending])
                    except Exception as alone_error:
                        logger.exception("a post could not be stored")
                        self._fail([pending], alone_error)

    async def _store_batch(self, batch: list[Pending]) -> None:
        results = await database_sync_to_async(actions.post_messages)([post for post, _ in batch])
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():  # its socket may have gone meanwhile
                future.set_result(result)

    @staticmethod
    def _fail(batch: list[Pending], error: Exception) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(error)


writer = PerLoop(Writer)
