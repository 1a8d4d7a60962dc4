"""The fan-out benchmark's scenarios (which server, which channel layer, how many processes) and one run of
each."""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import servers
from benchmarks.client import Stats, open_socket
from benchmarks.run import Plan, connect_all, fan_out, ingest, page_render_ms
from benchmarks.storm import storm

SCENARIOS = {
    # name: (server, channel layer, processes)
    "baseline": ("baseline", None, 1),
    "daphne-memory": ("daphne", "memory", 1),
    # As daphne-memory, but each message is preceded by a typing frame and every tenth gets a reaction.
    "daphne-memory-features": ("daphne", "memory", 1),
    # Sockets keep connecting for STORM_SECONDS while 10 messages a second go to the room.
    "daphne-memory-storm": ("daphne", "memory", 1),
    "uvicorn-memory-storm": ("uvicorn", "memory", 1),
    "uvicorn-memory-features": ("uvicorn", "memory", 1),
    "daphne-redis": ("daphne", "redis", 1),
    "daphne-redis-2proc": ("daphne", "redis", 2),
    "daphne-redis-pubsub": ("daphne", "redis-pubsub", 1),
    "uvicorn-memory": ("uvicorn", "memory", 1),
}
P99_TARGET_MS = 250
WITH_FEATURES = {"daphne-memory-features", "uvicorn-memory-features"}
STORMS = {"daphne-memory-storm", "uvicorn-memory-storm"}
STORM_SECONDS = 10
STORM_RATE = 10


def signed_in(env: dict[str, str], room: str, count: int, prefix: str) -> list[str]:
    """Session cookies of `count` members of `room`, made in the scenario's own database."""
    cookies = servers.prepare(env, room, count, prefix)["cookies"]
    assert isinstance(cookies, list)
    return [str(cookie) for cookie in cookies]


def run_scenario(name: str, plan: Plan, redis_url: str) -> dict[str, Any]:
    kind, layer, processes = SCENARIOS[name]
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        workdir = Path(tmp)
        on_redis = layer in ("redis", "redis-pubsub")
        if on_redis:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        # The benchmark measures fan-out, not the flood limit: raised, not off, so its check still runs.
        extra = {"CHAT_RATE_LIMIT_MESSAGES": "1000000000"}
        if on_redis:
            extra["REDIS_URL"] = redis_url
            extra["REDIS_LAYER"] = "pubsub" if layer == "redis-pubsub" else "core"
        env = servers.production_env(f"sqlite:///{workdir / 'bench.sqlite3'}", **extra)
        cookies: list[str] = [""] * plan.clients
        ingest_cookies: list[str] = []
        if kind != "baseline":
            servers.manage(env, "migrate", "--noinput", "-v0")
            cookies = signed_in(env, "bench", plan.clients, "fan")
            ingest_cookies = signed_in(env, "ingest", plan.ingest_senders, "ingest")
        available = servers.cpus()
        pin = processes == 1 and len(available) >= 2
        cpu = available[0] if pin else None
        started: list[servers.Server] = []
        own_affinity = os.sched_getaffinity(0)
        try:
            for n in range(processes):
                started.append(servers.start(kind, env, workdir / f"{kind}-{n}.log", cpu=cpu))
            if pin:
                os.sched_setaffinity(0, {available[1]})
            return asyncio.run(
                measure(started, plan, cookies, ingest_cookies, kind, name in WITH_FEATURES, name in STORMS)
            )
        except Exception:
            for server in started:
                print(f"--- {server.kind} log (tail) ---\n{server.log.read_text()[-3000:]}")
            raise
        finally:
            os.sched_setaffinity(0, own_affinity)
            for server in started:
                server.stop()


async def measure(
    started: list[servers.Server],
    plan: Plan,
    cookies: list[str],
    ingest_cookies: list[str],
    kind: str,
    features: bool = False,
    storm_only: bool = False,
) -> dict[str, Any]:
    path = "/" if kind == "baseline" else "/ws/rooms/bench/"
    if storm_only:
        return await measure_storm(started, path, cookies)
    # Warm up (imports, first queries) before the idle memory reading.
    for server in started:
        warm = await open_socket(server.url.replace("http", "ws", 1) + path, cookies[0], Stats())
        warm.close()
    await asyncio.sleep(1)
    rss_before = sum(server.rss_kb() for server in started)
    stats = Stats()
    connect_started = asyncio.get_running_loop().time()
    sockets, durations = await connect_all(started, path, cookies, stats, sync=kind != "baseline")
    connect_seconds = asyncio.get_running_loop().time() - connect_started
    await asyncio.sleep(3)
    rss_idle = sum(server.rss_kb() for server in started)
    steps = []
    for rate in plan.rates:
        cpu_before = [server.loop_cpu_seconds() if kind != "baseline" else 0.0 for server in started]
        step_started = asyncio.get_running_loop().time()
        step = await fan_out(sockets, stats, plan.senders, rate, plan.seconds, features)
        elapsed = asyncio.get_running_loop().time() - step_started
        if kind != "baseline":
            # The share of one core each server's event loop used during the step (1.0: saturated).
            step["loop_cpu"] = max(
                (server.loop_cpu_seconds() - before) / elapsed
                for server, before in zip(started, cpu_before, strict=True)
            )
        steps.append(step)
        if step["delivery_ratio"] < 0.999 or step["p99_ms"] > 4 * P99_TARGET_MS:
            break  # past the knee: higher rates only queue up
    for socket in sockets:
        socket.close()
    result: dict[str, Any] = {
        "clients": len(sockets),
        "connect_p50_ms": statistics.median(durations) * 1000,
        "connect_p99_ms": sorted(durations)[int(0.99 * len(durations))] * 1000,
        "connect_all_s": connect_seconds,
        "rss_idle_kb_per_socket": (rss_idle - rss_before) / max(len(sockets), 1),
        "steps": steps,
    }
    if kind != "baseline":
        await asyncio.sleep(5)  # let the server finish the 1,000 disconnects
        result["ingest"] = await ingest(started, "/ws/rooms/ingest/", ingest_cookies, plan.ingest_seconds)
        result["page_render_ms"] = await asyncio.to_thread(
            page_render_ms, started[0], "/rooms/ingest/", ingest_cookies[0]
        )
    return result


async def measure_storm(started: list[servers.Server], path: str, cookies: list[str]) -> dict[str, Any]:
    warm = await open_socket(started[0].url.replace("http", "ws", 1) + path, cookies[0], Stats())
    warm.close()
    await asyncio.sleep(1)
    cpu_before = [server.loop_cpu_seconds() for server in started]
    result = await storm(started, path, cookies, STORM_SECONDS, STORM_RATE)
    result["loop_cpu"] = [
        (server.loop_cpu_seconds() - before) / result["connect_seconds"]
        for server, before in zip(started, cpu_before, strict=True)
    ]
    return {"clients": len(cookies), "storm": result}
