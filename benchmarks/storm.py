"""A connection storm: sockets keep connecting (and syncing) while people talk in the room.

`rate` messages a second go out from the first sockets for as long as the others connect; each message
should reach every socket connected before it was sent. Also counted: the bytes of presence fragments (the
online list, its count, the site total) each socket receives meanwhile.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

from benchmarks.client import Socket, Stats, open_socket
from benchmarks.run import percentile
from benchmarks.servers import Server

# Every presence fragment the server pushes (templates/presence/): a whole list, an arrival's list items, a
# leaver's delete, the "and N more" line, the totals and the room selector's counts.
PRESENCE = re.compile(
    rb'<ul id="online-users".*?</ul>|<li id="online-u\d+".*?</li>|<p id="online-more".*?</p>'
    rb'|<span id="online-total".*?</span>|<span id="room-count-.*?</span>',
    re.S,
)
SENDERS = 5


def count_presence(socket: Socket, tally: list[int]) -> None:
    def on_text(payload: bytes) -> None:
        tally[0] += sum(len(match) for match in PRESENCE.findall(payload))

    socket.on_text = on_text


async def storm(
    servers: list[Server], path: str, cookies: list[str], seconds: float, rate: int
) -> dict[str, Any]:
    stats = Stats()
    sockets: list[Socket] = []
    tallies: list[list[int]] = []
    connected_ns: list[int] = []
    url = servers[0].url.replace("http", "ws", 1)
    senders = min(SENDERS, len(cookies))
    # Senders first, as people already in the room.
    for cookie in cookies[:senders]:
        socket = await open_socket(url + path, cookie, stats)
        socket.send_values(sync="1", after="0", since="2000-01-01T00:00:00+00:00")
        sockets.append(socket)
    await asyncio.sleep(1)
    for socket in sockets:
        socket.count = True
    rest = cookies[senders:]
    interval = seconds / max(len(rest), 1)
    gate = asyncio.Semaphore(200)
    started = time.perf_counter()
    failures = 0

    async def join(index: int, cookie: str) -> None:
        nonlocal failures
        await asyncio.sleep(max(0.0, started + index * interval - time.perf_counter()))
        async with gate:
            try:
                server = servers[index % len(servers)]
                socket = await open_socket(server.url.replace("http", "ws", 1) + path, cookie, stats)
            except (ConnectionError, OSError):
                failures += 1
                return
        tally = [0]
        count_presence(socket, tally)
        tallies.append(tally)
        # Nothing to catch up (a page that was already current): only live frames are counted.
        socket.send_values(sync="1", after=str(2**62), since="2100-01-01T00:00:00+00:00")
        socket.counts_from_ns = time.time_ns()
        socket.count = True
        sockets.append(socket)
        connected_ns.append(socket.counts_from_ns)

    joining = asyncio.gather(*(join(index, cookie) for index, cookie in enumerate(rest)))
    sent_ns: list[int] = []
    n = 0
    while time.perf_counter() - started < seconds:
        target = started + n / rate
        await asyncio.sleep(max(0.0, target - time.perf_counter()))
        sender = n % senders
        sent_ns.append(time.time_ns())
        sockets[sender].send_values(body=f"bench {sender} {n} {sent_ns[-1]}")
        n += 1
    await joining
    # Each message should reach the senders and every socket connected before it was sent.
    expected = sum(senders + sum(1 for at in connected_ns if at <= sent) for sent in sent_ns)
    connect_done = time.perf_counter() - started
    deadline = time.perf_counter() + 10
    while stats.deliveries < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # late presence renders of the storm
    latencies = [ns / 1e6 for ns in stats.latencies_ns]
    presence = sorted(tally[0] for tally in tallies)
    for socket in sockets:
        socket.close()
    return {
        "sockets": len(sockets),
        "connect_failures": failures,
        "connect_seconds": connect_done,
        "messages": n,
        "expected": expected,
        "delivered": stats.deliveries,
        "delivery_ratio": stats.deliveries / expected if expected else 1.0,
        "p50_ms": percentile(latencies, 0.5),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies) if latencies else float("nan"),
        "presence_kb_per_socket_median": presence[len(presence) // 2] / 1024 if presence else 0.0,
        "presence_kb_per_socket_max": presence[-1] / 1024 if presence else 0.0,
    }
