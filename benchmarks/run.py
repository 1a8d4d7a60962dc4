"""A benchmark scenario: connect N sockets, measure memory, fan out at rising rates, ingest, render pages."""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.client import Socket, Stats, open_socket
from benchmarks.servers import Server


@dataclass
class Plan:
    clients: int
    senders: int
    rates: list[int]
    seconds: float
    ingest_senders: int
    ingest_seconds: float
    # None: each scenario's own process count, one client process (this one). A number: the N-process run
    # (benchmarks/spread.py) with that many server processes and `client_processes` (None: by the cores).
    processes: int | None = None
    client_processes: int | None = None


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def connect_all(
    servers: list[Server], path: str, cookies: list[str], stats: Stats, sync: bool
) -> tuple[list[Socket], list[float]]:
    """Opens every socket (at most 50 handshakes in flight), spread round-robin over the servers."""
    gate = asyncio.Semaphore(50)
    durations: list[float] = []

    async def one(index: int, cookie: str) -> Socket:
        server = servers[index % len(servers)]
        async with gate:
            for attempt in range(5):
                started = time.perf_counter()
                try:
                    socket = await open_socket(f"{server.url.replace('http', 'ws', 1)}{path}", cookie, stats)
                    break
                except ConnectionError:
                    # As htmx would: try again a little later (the server was too busy to answer in time).
                    await asyncio.sleep(0.5 * 2**attempt)
            else:
                raise ConnectionError("could not connect after 5 attempts")
            durations.append(time.perf_counter() - started)
        if sync:
            # What htmx sends when the socket opens (the page's cursor); the server then releases live frames.
            socket.send_values(sync="1", after="0", since="2000-01-01T00:00:00+00:00")
        return socket

    sockets = await asyncio.gather(*(one(i, cookie) for i, cookie in enumerate(cookies)))
    return list(sockets), durations


MESSAGE_ID = re.compile(rb'<article id="message-(\d+)"')
REACTION_EVERY = 10


def newest_message_id(sockets: list[Socket]) -> Callable[[], int]:
    """Follows the ids of the messages the first socket sees (what a person would react to)."""
    newest = 0

    def on_text(payload: bytes) -> None:
        nonlocal newest
        for match in MESSAGE_ID.finditer(payload):
            newest = max(newest, int(match.group(1)))

    sockets[0].on_text = on_text
    return lambda: newest


async def fan_out(
    sockets: list[Socket], stats: Stats, senders: int, rate: int, seconds: float, features: bool = False
) -> dict[str, Any]:
    """`rate` messages a second from `senders` sockets; every socket in the room should receive each one.
    With `features`, each message is preceded by its sender's typing frame (the page's throttled trigger),
    and after every tenth a sender reacts to the newest message."""
    newest = newest_message_id(sockets) if features else None
    reactions = 0
    stats.latencies_ns.clear()
    stats.deliveries = 0
    for socket in sockets:
        socket.count = True
    total = int(rate * seconds)
    interval = 1 / rate
    started = time.perf_counter()
    for n in range(total):
        target = started + n * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = n % senders
        if newest is not None:
            sockets[sender].send_values(typing="1")
        sockets[sender].send_values(body=f"bench {sender} {n} {time.time_ns()}")
        if newest is not None and n % REACTION_EVERY == REACTION_EVERY - 1 and newest():
            sockets[(sender + 1) % senders].send_values(react=str(newest()), reaction="👍")
            reactions += 1
    sent_done = time.perf_counter()
    expected = total * len(sockets)
    deadline = time.perf_counter() + 10
    while stats.deliveries < expected and time.perf_counter() < deadline:  # polls a counter
        await asyncio.sleep(0.05)
    for socket in sockets:
        socket.count = False
    latencies = [ns / 1e6 for ns in stats.latencies_ns]
    elapsed = max(sent_done - started, 1e-9)
    return {
        "rate": rate,
        "messages": total,
        "expected": expected,
        "delivered": stats.deliveries,
        "delivery_ratio": stats.deliveries / expected if expected else 1.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "deliveries_per_s": stats.deliveries / elapsed,
        "offered_per_s": expected / elapsed,
        "reactions": reactions,
    }


async def ingest(servers: list[Server], path: str, cookies: list[str], seconds: float) -> dict[str, Any]:
    """Every socket sends as fast as its messages are acknowledged (stored); all are in the same room."""
    stats = Stats()
    acked = 0
    sockets, _ = await connect_all(servers, path, cookies, stats, sync=True)
    await asyncio.sleep(0.5)
    stop = time.perf_counter() + seconds
    done = asyncio.get_running_loop().create_future()
    running = len(sockets)

    def sender(socket: Socket, index: int) -> None:
        counter = 0

        def on_text(payload: bytes) -> None:
            nonlocal acked, counter, running
            if b'id="composer-reply"' not in payload:
                return
            acked += 1
            counter += 1
            if time.perf_counter() < stop:
                socket.send_values(body=f"bench {index} {counter} {time.time_ns()}")
            else:
                running -= 1
                if running == 0 and not done.done():
                    done.set_result(None)

        socket.on_text = on_text
        socket.send_values(body=f"bench {index} 0 {time.time_ns()}")

    for socket in sockets:
        socket.count = True
    started = time.perf_counter()
    for index, socket in enumerate(sockets):
        sender(socket, index)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done, seconds + 15)
    elapsed = time.perf_counter() - started
    # A sender's acknowledgement can overtake the same message's fan-out to the other sockets: let it land.
    for _ in range(40):  # at most 2 s
        if stats.deliveries >= acked * len(sockets):
            break
        await asyncio.sleep(0.05)
    for socket in sockets:
        socket.close()
    return {
        "senders": len(sockets),
        "stored_per_s": acked / elapsed,
        "stored": acked,
        "fanned_out": stats.deliveries,
        "fan_out_ratio": stats.deliveries / (acked * len(sockets)) if acked else 0.0,
    }


def page_render_ms(server: Server, path: str, cookie: str, times: int = 30) -> float:
    request = urllib.request.Request(server.url + path, headers={"Cookie": cookie})  # noqa: S310 - loopback
    durations = []
    for _ in range(times):
        started = time.perf_counter()
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback
            response.read()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)
