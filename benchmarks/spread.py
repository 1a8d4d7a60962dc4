"""The N-process run (`--processes N`): the room's sockets are opened by K client processes
(`benchmarks/worker.py`), round-robin over N server processes, while the sender (this process) posts at rising
rates; the client processes' latency histograms are merged into one p50 / p99 / delivered per step.

One Python process cannot follow 16,000 sockets (hundreds of thousands of deliveries a second): each client
process owns an even share. Event-loop CPU is reported per server process, and each client process's CPU too,
so that a saturated client is not mistaken for a slow server.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.client import Socket, Stats, open_socket
from benchmarks.placement import Placement
from benchmarks.run import Plan, ingest, page_render_ms
from benchmarks.worker import BUCKET_NS, BucketStats, connect, count_step

# Handshakes in flight per client process (the servers admit two openings at a time each anyway).
CONCURRENCY = 100
START_DELAY_NS = 300_000_000  # the client processes are told about a step before its first message


def histogram_percentile(histogram: dict[int, int], fraction: float) -> float:
    """The `fraction` quantile in ms of latencies counted per 0.1 ms bucket (the bucket's middle)."""
    total = sum(histogram.values())
    if not total:
        return float("nan")
    rank = min(total - 1, int(fraction * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen > rank:
            return (bucket + 0.5) * BUCKET_NS / 1e6
    return float("nan")


def merge(histograms: list[dict[Any, int]]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for bucket, count in histogram.items():
            merged[int(bucket)] = merged.get(int(bucket), 0) + count
    return merged


class Worker:
    """One client process and its JSON-lines pipe."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, cpus: set[int] | None) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.worker", cwd=servers.ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**28,
        )  # fmt: skip
        if cpus:
            os.sched_setaffinity(process.pid, cpus)
        return cls(process)

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")

    async def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.process.pid} exited ({await self.process.wait()})")
        return dict(json.loads(line))

    def cpu_seconds(self) -> float:
        return servers.cpu_seconds(Path(f"/proc/{self.process.pid}/stat"))  # all its threads

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.send({"close": True})
            try:
                await asyncio.wait_for(self.receive(), 30)
                await asyncio.wait_for(self.process.wait(), 10)
            except (TimeoutError, RuntimeError, BrokenPipeError, ConnectionResetError):
                self.process.kill()
                await self.process.wait()


async def measure(
    started: list[servers.Server],
    placement: Placement,
    plan: Plan,
    cookies: list[str],
    ingest_cookies: list[str],
    kind: str,
    stop_at: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """`stop_at(step)`: True when a step is past the knee (higher rates only queue up)."""
    path = "/" if kind == "baseline" else "/ws/rooms/bench/"
    sync = kind != "baseline"
    urls = [server.url.replace("http", "ws", 1) for server in started]
    for url in urls:  # warm up (imports, first queries) before the idle memory reading
        warm = await open_socket(url + path, cookies[0], Stats())
        warm.close()
    await asyncio.sleep(1)
    rss_before = sum(server.rss_kb() for server in started)
    loop = asyncio.get_running_loop()
    workers = [await Worker.start(cpus) for cpus in placement.client_cpus]
    try:
        connect_started = loop.time()
        for worker, (start, end) in zip(workers, placement.slices(), strict=True):
            share = cookies[start:end]
            worker.send(
                {"urls": urls, "path": path, "cookies": share, "first_index": start, "sync": sync,
                 "concurrency": CONCURRENCY}
            )  # fmt: skip
        stats = BucketStats()
        senders, durations, failures = await connect(
            urls, path, cookies[: placement.sender_sockets], 0, stats, sync, CONCURRENCY
        )
        replies = await asyncio.gather(*(worker.receive() for worker in workers))
        connect_seconds = loop.time() - connect_started
        for reply in replies:
            durations += reply["durations"]
            failures += reply["failures"]
        sockets = len(senders) + sum(reply["connected"] for reply in replies)
        await asyncio.sleep(3)
        settle_seconds = await settle(started)
        rss_idle = sum(server.rss_kb() for server in started)
        steps = []
        for rate in plan.rates:
            step = await _step(started, workers, senders, stats, sockets, rate, plan.seconds)
            steps.append(step)
            if stop_at(step):
                break
        for socket in senders:
            socket.close()
    finally:
        await asyncio.gather(*(worker.stop() for worker in workers))
    result: dict[str, Any] = {
        "clients": sockets,
        "connect_failures": failures,
        "processes": len(started),
        "client_processes": len(workers),
        "placement": placement.describe(),
        "connect_p50_ms": statistics.median(durations) * 1000,
        "connect_p99_ms": sorted(durations)[int(0.99 * len(durations))] * 1000,
        "connect_all_s": connect_seconds,
        "settle_s": settle_seconds,
        "rss_idle_kb_per_socket": (rss_idle - rss_before) / max(sockets, 1),
        "steps": steps,
    }
    if kind != "baseline" and plan.ingest_senders:
        await asyncio.sleep(5)  # let the servers finish the disconnects
        result["ingest"] = await ingest(started, "/ws/rooms/ingest/", ingest_cookies, plan.ingest_seconds)
        result["page_render_ms"] = await asyncio.to_thread(
            page_render_ms, started[0], "/rooms/ingest/", ingest_cookies[0]
        )
    return result


async def settle(started: list[servers.Server], quiet: float = 0.1, timeout: float = 30) -> float:
    """Waits until every server's event loop is quiet (under `quiet` of a core for a second): thousands of
    sockets that just opened still have presence to send, which would land in the first step. Returns the
    seconds waited."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        before = [server.loop_cpu_seconds() for server in started]
        await asyncio.sleep(1)
        if all(server.loop_cpu_seconds() - b < quiet for server, b in zip(started, before, strict=True)):
            break
    return time.perf_counter() - began


async def _step(
    started: list[servers.Server],
    workers: list[Worker],
    senders: list[Socket],
    stats: BucketStats,
    sockets: int,
    rate: int,
    seconds: float,
) -> dict[str, Any]:
    total = int(rate * seconds)
    start_ns = time.time_ns() + START_DELAY_NS
    end_ns = start_ns + int(seconds * 1e9)
    command = {"step": {"start_ns": start_ns, "end_ns": end_ns, "messages": total}}
    for worker in workers:
        worker.send(command)
    loop_before = [server.loop_cpu_seconds() for server in started]
    client_before = [worker.cpu_seconds() for worker in workers]
    own = asyncio.ensure_future(count_step(senders, stats, command["step"]))
    wall_started = time.perf_counter()
    await asyncio.sleep(max(0.0, (start_ns - time.time_ns()) / 1e9))
    started_at = time.perf_counter()
    for n in range(total):
        delay = started_at + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = n % len(senders)
        senders[sender].send_values(body=f"bench {sender} {n} {time.time_ns()}")
    sent_done = time.perf_counter()
    replies = [await own, *await asyncio.gather(*(worker.receive() for worker in workers))]
    elapsed = time.perf_counter() - wall_started
    histogram = merge([reply["histogram"] for reply in replies])
    delivered = sum(reply["delivered"] for reply in replies)
    expected = total * sockets
    # The share of one core each server's event loop (and each client process) used during the step.
    loop_cpus = [
        (server.loop_cpu_seconds() - before) / elapsed
        for server, before in zip(started, loop_before, strict=True)
    ]
    client_cpus = [
        (worker.cpu_seconds() - before) / elapsed
        for worker, before in zip(workers, client_before, strict=True)
    ]
    return {
        "rate": rate,
        "messages": total,
        "expected": expected,
        "delivered": delivered,
        "delivery_ratio": delivered / expected if expected else 1.0,
        "p50_ms": histogram_percentile(histogram, 0.50),
        "p99_ms": histogram_percentile(histogram, 0.99),
        "max_ms": max(reply["max_ms"] for reply in replies),
        "deliveries_per_s": delivered / max(sent_done - started_at, 1e-9),
        "offered_per_s": expected / max(sent_done - started_at, 1e-9),
        "loop_cpu": max(loop_cpus),
        "loop_cpus": loop_cpus,
        "client_cpus": client_cpus,
    }
