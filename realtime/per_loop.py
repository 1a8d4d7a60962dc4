"""One instance of a process-wide helper (hub, notifier, writer) per event loop.

A server runs one loop, but tests run each on its own, and a helper's tasks and futures belong to the loop
that made them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerLoop(Generic[T]):
    def __init__(self, factory: Callable[[asyncio.AbstractEventLoop], T]) -> None:
        self.factory = factory
        # A plain dict: each helper holds its loop, so weak keys would never be released anyway.
        self.instances: dict[asyncio.AbstractEventLoop, T] = {}

    def __call__(self, loop: asyncio.AbstractEventLoop | None = None) -> T:
        loop = loop or asyncio.get_running_loop()
        instance = self.instances.get(loop)
        if instance is None:
            for closed in [known for known in self.instances if known.is_closed()]:
                del self.instances[closed]
            instance = self.instances[loop] = self.factory(loop)
        return instance
