"""The fan-out benchmark's scenarios (which server, which channel layer, how many processes) and one run of
each."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import servers, spread
from benchmarks.client import Stats, open_socket
from benchmarks.placement import Placement, place
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
    # The core Redis layer on uvicorn: with `--processes N`, the N-process scenario of issue 11.
    "uvicorn-redis": ("uvicorn", "redis", 1),
    "daphne-redis-2proc": ("daphne", "redis", 2),
    "daphne-redis-pubsub": ("daphne", "redis-pubsub", 1),
    "uvicorn-memory": ("uvicorn", "memory", 1),
}
P99_TARGET_MS = 250
WITH_FEATURES = {"daphne-memory-features", "uvicorn-memory-features"}
STORMS = {"daphne-memory-storm", "uvicorn-memory-storm"}
STORM_SECONDS = 10
STORM_RATE = 10


def spreadable(name: str) -> bool:
    """Whether `--processes N` applies: the bare server (relaying through Redis) and the Redis scenarios;
    an in-memory layer cannot cross processes, and the storm and features runs stay single-process."""
    kind, layer, _ = SCENARIOS[name]
    return name not in STORMS | WITH_FEATURES and (kind == "baseline" or layer in ("redis", "redis-pubsub"))


def placement_of(plan: Plan, cores: list[int] | None = None) -> Placement:
    """Where an N-process run puts its processes on this machine (or on `cores`)."""
    assert plan.processes is not None
    cores = servers.cpus() if cores is None else cores
    return place(cores, plan.processes, plan.clients, plan.senders, plan.client_processes)


def past_the_knee(step: dict[str, Any]) -> bool:
    return bool(step["delivery_ratio"] < 0.999 or step["p99_ms"] > 4 * P99_TARGET_MS)


def signed_in(env: dict[str, str], room: str, count: int, prefix: str) -> list[str]:
    """Session cookies of `count` members of `room`, made in the scenario's own database."""
    cookies = servers.prepare(env, room, count, prefix)["cookies"]
    assert isinstance(cookies, list)
    return [str(cookie) for cookie in cookies]


def run_scenario(name: str, plan: Plan, redis_url: str) -> dict[str, Any]:
    kind, layer, processes = SCENARIOS[name]
    if plan.processes is not None:
        processes = plan.processes
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp:
        workdir = Path(tmp)
        on_redis = layer in ("redis", "redis-pubsub") or (kind == "baseline" and processes > 1)
        if on_redis:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
        # The benchmark measures fan-out, not the flood limit: raised, not off, so its check still runs.
        extra = {"CHAT_RATE_LIMIT_MESSAGES": "1000000000"}
        if on_redis and kind == "baseline":
            extra["BENCH_BASELINE_REDIS_URL"] = redis_url
            extra["BENCH_BASELINE_CHANNEL"] = f"bench-baseline-{os.getpid()}-{workdir.name}"
        elif on_redis:
            extra["REDIS_URL"] = redis_url
            extra["REDIS_LAYER"] = "pubsub" if layer == "redis-pubsub" else "core"
        env = servers.production_env(f"sqlite:///{workdir / 'bench.sqlite3'}", **extra)
        cookies: list[str] = [""] * plan.clients
        ingest_cookies: list[str] = []
        if kind != "baseline":
            servers.manage(env, "migrate", "--noinput", "-v0")
            cookies = signed_in(env, "bench", plan.clients, "fan")
            ingest_cookies = signed_in(env, "ingest", plan.ingest_senders, "ingest")
        if plan.processes is not None:
            return run_spread(kind, env, workdir, plan, cookies, ingest_cookies)
        available = servers.cpus()
        pin = processes == 1 and len(available) >= 2
        cpu = available[0] if pin else None
        started: list[servers.Server] = []
        with stopped_after(started):
            for n in range(processes):
                started.append(servers.start(kind, env, workdir / f"{kind}-{n}.log", cpu=cpu))
            if pin:
                os.sched_setaffinity(0, {available[1]})
            result = asyncio.run(
                measure(started, plan, cookies, ingest_cookies, kind, name in WITH_FEATURES, name in STORMS)
            )
        return with_losses(result, started)


@contextlib.contextmanager
def stopped_after(started: list[servers.Server]) -> Iterator[None]:
    """Whatever happens, the servers started meanwhile are stopped (their log tails shown on a failure) and
    this process runs on its own cores again."""
    own_affinity = os.sched_getaffinity(0)
    try:
        yield
    except Exception:
        for server in started:
            print(f"--- {server.kind} log (tail) ---\n{server.log.read_text()[-3000:]}")
        raise
    finally:
        os.sched_setaffinity(0, own_affinity)
        for server in started:
            server.stop()


def with_losses(result: dict[str, Any], started: list[servers.Server]) -> dict[str, Any]:
    """The servers' own count of events the channel layer dropped or delivered late (realtime/losses.py),
    read from the line each writes as it exits: a latency figure is only worth something if nothing was
    lost on the way."""
    counted = [servers.losses(server) for server in started]
    if any(count is None for count in counted):  # the bare server keeps no count
        return result
    return {**result, "losses": {key: sum(c[key] for c in counted if c) for key in counted[0] or {}}}


def run_spread(
    kind: str, env: dict[str, str], workdir: Path, plan: Plan, cookies: list[str], ingest_cookies: list[str]
) -> dict[str, Any]:
    """The N-process run: servers started together (each pinned to its core when there are enough), this
    process (the sender) and the client processes on the cores left."""
    placement = placement_of(plan)
    started: list[servers.Server] = []
    with stopped_after(started):
        with ThreadPoolExecutor(placement.servers) as pool:
            launches = [
                pool.submit(servers.start, kind, env, workdir / f"{kind}-{n}.log", cpu=cpu, timeout=120)
                for n, cpu in enumerate(placement.server_cpus)
            ]
            for launch in launches:
                with contextlib.suppress(Exception):
                    started.append(launch.result())
            for launch in launches:
                launch.result()  # the first failure, once every started server is known (and stopped below)
        if placement.sender_cpus:
            os.sched_setaffinity(0, placement.sender_cpus)
        result = asyncio.run(
            spread.measure(started, placement, plan, cookies, ingest_cookies, kind, past_the_knee)
        )
    return with_losses(result, started)


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
            step["loop_cpus"] = [
                (server.loop_cpu_seconds() - before) / elapsed
                for server, before in zip(started, cpu_before, strict=True)
            ]
            step["loop_cpu"] = max(step["loop_cpus"])
        steps.append(step)
        if past_the_knee(step):
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
