"""Sockets opening take turns for the database, so a connection storm cannot starve live messages.

Every trip to the process's one database thread waits in one queue. A thousand pages opening within seconds
(a big room, a restart) each need a few queries to be let in; unordered, they put thousands of them in front
of every post, and messages sent meanwhile took seconds to arrive (README, "Benchmark"). Here at most
CHAT_ADMISSIONS_AT_ONCE sockets of a process do their admission work at a time; the others wait on the event
loop, where a post does not queue behind them. A socket waiting here has joined no group yet: nothing piles
up for it.
"""

from __future__ import annotations

import asyncio

from django.conf import settings

from realtime.per_loop import PerLoop


def _semaphore(loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
    return asyncio.Semaphore(max(1, settings.CHAT_ADMISSIONS_AT_ONCE))


admission = PerLoop(_semaphore)
