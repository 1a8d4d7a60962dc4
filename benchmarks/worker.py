"""A client process of an N-process run (`benchmarks/spread.py` starts K of them): it owns a share of the
room's sockets and counts what they receive.

It speaks JSON lines: on stdin the parent's commands, on stdout one reply to each (nothing else may print).

- first line `{"urls": [...], "path", "cookies": [...], "first_index", "sync", "concurrency"}`: open one
  socket per cookie, socket `first_index + i` on server `(first_index + i) % len(urls)` (round-robin over
  the whole room), at most `concurrency` handshakes in flight; reply `{"connected", "failures", "durations"}`.
- `{"step": {"start_ns", "end_ns", "messages"}}`: count the messages sent from `start_ns` on until every
  socket has all `messages` or 10 s after `end_ns`; reply `{"delivered", "histogram", "max_ms"}`, latencies
  in buckets of 0.1 ms (`{bucket: count}`), so that a step of millions of deliveries stays small.
- `{"close": true}`: close the sockets and exit.

The send time is in the message text (`client.MARKER`); every process on the machine shares the clock.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from benchmarks.client import Socket, Stats, open_socket

BUCKET_NS = 100_000  # 0.1 ms
OPEN_TIMEOUT = 60  # a handshake or first frame that never comes is retried, then counted as a failure
SYNC = {"sync": "1", "after": "0", "since": "2000-01-01T00:00:00+00:00"}


class BucketStats(Stats):
    """Latencies counted per 0.1 ms instead of kept one by one."""

    def __init__(self) -> None:
        super().__init__()
        self.histogram: dict[int, int] = {}
        self.max_ns = 0

    def record(self, latency_ns: int, now_ns: int) -> None:
        bucket = latency_ns // BUCKET_NS
        self.histogram[bucket] = self.histogram.get(bucket, 0) + 1
        self.max_ns = max(self.max_ns, latency_ns)
        self.deliveries += 1
        self.last_receipt_ns = now_ns

    def reset(self) -> None:
        self.histogram = {}
        self.max_ns = 0
        self.deliveries = 0


async def connect(
    urls: list[str],
    path: str,
    cookies: list[str],
    first_index: int,
    stats: Stats,
    sync: bool,
    concurrency: int,
) -> tuple[list[Socket], list[float], int]:
    gate = asyncio.Semaphore(concurrency)
    durations: list[float] = []
    failures = 0

    async def one(index: int, cookie: str) -> Socket | None:
        nonlocal failures
        url = urls[index % len(urls)] + path
        async with gate:
            for attempt in range(5):
                started = time.perf_counter()
                try:
                    socket = await asyncio.wait_for(open_socket(url, cookie, stats), OPEN_TIMEOUT)
                    break
                except (ConnectionError, OSError):  # TimeoutError is an OSError
                    # As htmx would: try again a little later (the server was too busy to answer in time).
                    await asyncio.sleep(0.5 * 2**attempt)
            else:
                failures += 1
                return None
            durations.append(time.perf_counter() - started)
        if sync:
            socket.send_values(**SYNC)
        return socket

    opened = await asyncio.gather(*(one(first_index + i, cookie) for i, cookie in enumerate(cookies)))
    return [socket for socket in opened if socket is not None], durations, failures


async def count_step(sockets: list[Socket], stats: BucketStats, step: dict[str, int]) -> dict[str, Any]:
    stats.reset()
    for socket in sockets:
        socket.counts_from_ns = step["start_ns"]
        socket.count = True
    expected = step["messages"] * len(sockets)
    deadline_ns = step["end_ns"] + 10_000_000_000
    while stats.deliveries < expected and time.time_ns() < deadline_ns:
        await asyncio.sleep(0.05)
    for socket in sockets:
        socket.count = False
    return {"delivered": stats.deliveries, "histogram": stats.histogram, "max_ms": stats.max_ns / 1e6}


def reply(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**28)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    setup = json.loads(await reader.readline())
    stats = BucketStats()
    sockets, durations, failures = await connect(
        setup["urls"], setup["path"], setup["cookies"], setup["first_index"], stats, setup["sync"],
        setup["concurrency"],
    )  # fmt: skip
    del setup
    reply({"connected": len(sockets), "failures": failures, "durations": durations})
    while line := await reader.readline():
        command = json.loads(line)
        if "step" in command:
            reply(await count_step(sockets, stats, command["step"]))
        elif command.get("close"):
            break
    for socket in sockets:
        socket.close()
    await asyncio.sleep(0.2)
    reply({"closed": len(sockets)})


if __name__ == "__main__":
    asyncio.run(main())
