"""Issue 9's attacks (items 2, 3 and 6) replayed against a real daphne, with the figures the issue quotes.

    .venv/bin/python benchmarks/attacks.py                      # every scenario, about 4 minutes
    .venv/bin/python -m benchmarks.attacks --scenario sync-flood   # the same, as a module

Each scenario starts its own daphne (production settings, a fresh SQLite file, sign-up/login throttles off),
makes its users and their sessions directly in that database, runs a bounded attack over loopback and prints
a table. With two CPUs or more the server is pinned to one and this client to another; the victim whose
latency is measured runs in a process of its own (on the client's CPU), so the attacker's client work does
not show up as server latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import servers  # noqa: E402

# What the server's frames carry (DESIGN.md, "Contract").
STATUS = 'id="connection-status"'  # the first frame: "Live", or why the socket ends (class is-ended)
ENDED = "is-ended"
ACK = 'id="composer-reply"'
ERRORS = 'id="composer-errors"'
SYNCED = 'id="sync-after"'
SYNC_REFUSED = "Too many sync requests"
# Settings every scenario runs with unless it says otherwise: no throttle that is not under test.
UNTHROTTLED = {"CHAT_SIGNUPS_PER_HOUR": "0", "CHAT_LOGINS_PER_HOUR": "0", "CHAT_RATE_LIMIT_MESSAGES": "0"}


# --- the server -----------------------------------------------------------------------------------


@dataclass
class Site:
    server: servers.Server
    env: dict[str, str]
    database: Path

    def room(self, slug: str) -> Endpoint:
        return Endpoint(self.server.port, slug)

    def users(self, room: str, count: int, prefix: str) -> list[str]:
        """Members of `room` (created if missing), signed in: their session cookies."""
        cookies = servers.prepare(self.env, room, count, prefix)["cookies"]
        assert isinstance(cookies, list)
        return [str(cookie) for cookie in cookies]

    def shell(self, code: str) -> str:
        return servers.manage(self.env, "shell", "-c", code)

    def query(self, sql: str, *params: object) -> int:
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30) as db:
            return int(db.execute(sql, params).fetchone()[0])


# The project tree the server runs from: this checkout, or (--source) e.g. a `git archive` of another commit.
SOURCE = ROOT


def start_daphne(env: dict[str, str], workdir: Path, cpu: int | None) -> servers.Server:
    port = servers.free_port()
    return servers.start("daphne", env, workdir / f"daphne-{port}.log", port=port, cpu=cpu, cwd=SOURCE)


@contextmanager
def daphne(**settings: str) -> Iterator[Site]:
    """A migrated daphne on a fresh SQLite file; its log is checked for tracebacks when it stops."""
    with tempfile.TemporaryDirectory(prefix="chat-attacks-") as tmp:
        workdir = Path(tmp)
        database = workdir / "attacks.sqlite3"
        env = servers.production_env(f"sqlite:///{database}", **{**UNTHROTTLED, **settings})
        servers.manage(env, "migrate", "--noinput", "-v0")
        cpus = servers.cpus()
        pinned = len(cpus) >= 2
        server = start_daphne(env, workdir, cpus[0] if pinned else None)
        own = os.sched_getaffinity(0)
        if pinned:
            os.sched_setaffinity(0, {cpus[1]})
        try:
            yield Site(server, env, database)
        finally:
            os.sched_setaffinity(0, own)
            server.stop()
            report_log(server.log.read_text(errors="replace"))


def report_log(log: str) -> None:
    """The log has no level names (plain handler): count tracebacks and show the commonest lines."""
    lines = log.splitlines()
    tracebacks = sum("Traceback" in line for line in lines)
    behind = sum("fell too far behind" in line for line in lines)
    print(
        f"  daphne log: {len(lines)} lines, {tracebacks} tracebacks, {behind} 'fell too far behind' warnings"
    )
    shapes = Counter(re.sub(r"\d+", "N", line)[:160] for line in lines)
    for shape, count in shapes.most_common(5):
        print(f"    {count} x {shape}")
    if tracebacks:
        print("  --- daphne log, tail ---\n" + "\n".join(lines[-60:]))


# --- the client -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    port: int
    slug: str

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/rooms/{self.slug}/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Refused(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(f"closed {code}")
        self.code = code


def frame(**fields: str) -> str:
    """A frame as htmx 4's hx-ws sends a form. json.dumps escapes non-ASCII, so a lone surrogate goes raw."""
    return json.dumps({**fields, "headers": {"HX-Request": "true"}})


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def close_code(closed: websockets.ConnectionClosed) -> int:
    return closed.rcvd.code if closed.rcvd is not None else 1006


async def open_room(
    room: Endpoint,
    cookie: str,
    *,
    sock: socket.socket | None = None,
    max_queue: int = 16,
    timeout: float = 30,
) -> ClientConnection:
    """A room socket, open once the server has greeted it; Refused(code) if the server closed it instead."""
    ws = await websockets.connect(
        room.url,
        additional_headers={"Cookie": cookie, "Origin": room.origin},
        sock=sock,
        max_queue=max_queue,
        max_size=None,
        compression=None,  # daphne does not negotiate permessage-deflate anyway
        proxy=None,
        open_timeout=timeout,
        ping_interval=None,
        close_timeout=2,
    )
    try:
        if ENDED in await wait_for_text(ws, STATUS, timeout=timeout):
            async with asyncio.timeout(timeout):
                async for _ in ws:  # until the close frame that follows
                    pass
            raise Refused(ws.close_code or 1006)
    except websockets.ConnectionClosed as closed:
        raise Refused(close_code(closed)) from None
    return ws


async def wait_for_text(ws: ClientConnection, *needles: str, timeout: float) -> str:
    """The next frame containing one of `needles` (frames in between, like live messages, are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            text = str(await ws.recv())
            if any(needle in text for needle in needles):
                return text


def describe(error: BaseException) -> str:
    """An exception and its cause, short: `InvalidMessage(EOFError)`."""
    cause = error.__cause__ or error.__context__
    return type(error).__name__ + (f"({type(cause).__name__})" if cause is not None else "")


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def in_own_process(function: Any, *args: Any) -> asyncio.Future[Any]:
    """Runs function(*args) in the victim's process (spawned: this process runs an event loop)."""
    return asyncio.get_running_loop().run_in_executor(VICTIM, function, *args)


VICTIM: ProcessPoolExecutor | None = None


# --- 1. sync-flood (item 2) -----------------------------------------------------------------------


def victim_posts(room: Endpoint, cookie: str, after: int, seconds: float, interval: float) -> dict[str, Any]:
    return asyncio.run(_victim_posts(room, cookie, after, seconds, interval))


async def _victim_posts(
    room: Endpoint, cookie: str, after: int, seconds: float, interval: float
) -> dict[str, Any]:
    """A page that syncs once, then posts every `interval`: send → acknowledgement (`composer-reply`)."""
    ws = await open_room(room, cookie, timeout=60)
    await ws.send(frame(sync="1", after=str(after), since=now_iso()))
    await wait_for_text(ws, SYNCED, timeout=60)
    count = round(seconds / interval)
    sent: deque[float] = deque()
    latencies: list[float] = []
    errors = 0

    async def read() -> None:
        nonlocal errors
        while len(latencies) + errors < count:
            text = str(await ws.recv())
            if ACK in text:
                latencies.append(time.perf_counter() - sent.popleft())
            elif ERRORS in text and "<p" in text:
                errors += 1
                sent.popleft()

    reader = asyncio.create_task(read())
    start = time.perf_counter()
    for n in range(count):
        await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
        sent.append(time.perf_counter())
        await ws.send(frame(body=f"victim post {n}"))
    with suppress(TimeoutError, websockets.ConnectionClosed):
        await asyncio.wait_for(reader, 60)
    await ws.close()
    return {"latencies": latencies, "errors": errors, "unanswered": count - len(latencies) - errors}


async def sync_attacker(
    room: Endpoint, cookie: str, stop: asyncio.Event, tally: Counter[str], reconnect: bool
) -> None:
    """Re-sends a sync of the whole room as fast as the server answers; with `reconnect`, on a new socket
    each time (every socket's first sync is allowed)."""
    all_of_it = frame(sync="1", after="0", since="2020-01-01T00:00:00Z")
    while not stop.is_set():
        try:
            ws = await open_room(room, cookie, timeout=60)
        except (Refused, OSError, TimeoutError, websockets.InvalidHandshake) as error:
            tally[f"connect failed: {error}"] += 1
            await asyncio.sleep(0.1)
            continue
        tally["connects"] += 1
        try:
            while not stop.is_set():
                await ws.send(all_of_it)
                answer = await wait_for_text(ws, SYNCED, SYNC_REFUSED, timeout=60)
                tally["served" if SYNCED in answer else "refused"] += 1
                if reconnect:
                    break
        except (TimeoutError, websockets.ConnectionClosed) as error:
            tally[f"socket lost: {type(error).__name__}"] += 1
        finally:
            await ws.close()


async def flood_round(
    site: Site, victim: str, attackers: list[str], after: int, reconnect: bool
) -> dict[str, Any]:
    stop = asyncio.Event()
    tally: Counter[str] = Counter()
    flood = site.room("flood")
    tasks = [
        asyncio.create_task(sync_attacker(flood, cookie, stop, tally, reconnect)) for cookie in attackers
    ]
    if attackers:
        await asyncio.sleep(2)  # the attack is under way before the victim starts
    result = await in_own_process(victim_posts, site.room("talk"), victim, after, 10.0, 0.2)
    stop.set()
    await asyncio.gather(*tasks)
    return {**result, "tally": tally}


def sync_flood() -> None:
    counts = [0, 4, 12]
    with daphne() as site:
        cookies = site.users("flood", 1 + max(counts), "flood")
        victim, attackers = cookies[0], cookies[1:]
        site.users("talk", 0, "nobody")  # the victim's room: it posts where the attackers are not
        site.shell(
            "from messaging.models import Message; from rooms.models import Room\n"
            "from django.contrib.auth import get_user_model\n"
            "room = Room.objects.get(slug='flood')\n"
            "author = get_user_model().objects.get(username='flood0')\n"
            "Message.objects.bulk_create([Message(room=room, author=author, body=f'history {n}')"
            " for n in range(1000)])"
        )
        rounds = [(n, False) for n in counts] + [(max(counts), True)]
        rows = []
        for n, reconnect in rounds:
            after = site.query("SELECT coalesce(max(id), 0) FROM messaging_message")
            result = asyncio.run(flood_round(site, victim, attackers[:n], after, reconnect))
            rows.append((n, reconnect, result))
            time.sleep(2)  # sockets of the round closed and cleaned up
    print(
        "\nsync-flood (item 2): attackers re-send {sync, after: 0} in a room of 1,000 messages; the victim "
        "posts every 200 ms for 10 s in another room.\nOld code: victim ack 6 ms with no attacker, 1.8 s "
        "with 4, 10.5 s with 12. Expected: under 100 ms."
    )
    print(
        "| attackers | victim ack p50 ms | p99 ms | max ms | p99 ms of posts sent after 3 s | acked "
        "| syncs served | refused | other |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n, reconnect, r in rows:
        ms = [latency * 1000 for latency in r["latencies"]]
        tally = r["tally"]
        other = {k: v for k, v in tally.items() if k not in ("served", "refused", "connects")}
        label = f"{n}, new socket per sync ({tally['connects']} connects)" if reconnect else str(n)
        print(
            f"| {label} | {statistics.median(ms) if ms else math.nan:.1f} | {percentile(ms, 0.99):.1f} | "
            f"{max(ms, default=math.nan):.1f} | {percentile(ms[15:], 0.99):.1f} | "
            f"{len(ms)}/{len(ms) + r['errors'] + r['unanswered']} | "
            f"{tally['served']} | {tally['refused']} | {other or '-'} |"
        )


# --- 2. poison-batch (item 3) ---------------------------------------------------------------------


async def poison_batch_run(site: Site, cookies: list[str], posts: int, poisoner: int) -> list[dict[str, Any]]:
    room = site.room("poison")
    sockets = await asyncio.gather(*(open_room(room, cookie) for cookie in cookies))
    go = asyncio.Event()

    async def user(index: int, ws: ClientConnection) -> dict[str, Any]:
        bodies = [f"poison-batch {index} {n}" for n in range(posts)]
        if index == poisoner:
            bodies[2] = "\ud800"  # a lone surrogate
        await go.wait()
        for body in bodies:  # as fast as the socket takes them, not waiting for acknowledgements
            await ws.send(frame(body=body))
        outcome: dict[str, Any] = {"acks": 0, "errors": [], "closed": None}
        try:
            while outcome["acks"] + len(outcome["errors"]) < posts:
                text = await wait_for_text(ws, ACK, ERRORS, timeout=30)
                if ACK in text:
                    outcome["acks"] += 1
                elif "<p" in (shown := text.split(ERRORS, 1)[-1]):  # the errors' own paragraph
                    outcome["errors"].append(shown.split("<p", 1)[1].split(">", 1)[1].split("<", 1)[0])
        except websockets.ConnectionClosed as closed:
            outcome["closed"] = close_code(closed)
        except TimeoutError:
            outcome["closed"] = "timeout"
        await ws.close()
        return outcome

    tasks = [asyncio.create_task(user(index, ws)) for index, ws in enumerate(sockets)]
    await asyncio.sleep(0.2)
    go.set()
    return await asyncio.gather(*tasks)


def poison_batch() -> None:
    people, posts, poisoner = 20, 6, 0
    with daphne() as site:
        cookies = site.users("poison", people, "poison")
        outcomes = asyncio.run(poison_batch_run(site, cookies, posts, poisoner))
        stored = site.query(
            "SELECT count(*) FROM messaging_message m JOIN rooms_room r ON r.id = m.room_id "
            "WHERE r.slug = 'poison' AND m.body LIKE 'poison-batch %'"
        )
        everything = site.query(
            "SELECT count(*) FROM messaging_message m JOIN rooms_room r ON r.id = m.room_id "
            "WHERE r.slug = 'poison'"
        )
    legitimate = people * posts - 1
    closes = Counter(outcome["closed"] for outcome in outcomes if outcome["closed"] is not None)
    others = [o for i, o in enumerate(outcomes) if i != poisoner]
    print(
        f"\npoison-batch (item 3): {people} users post {posts} messages each at once; one frame is "
        '{"body": "\\ud800"}.\nOld code: 103 of 120 posts lost. Expected: every legitimate post stored, '
        "an error for the poisoner only."
    )
    print("| legitimate stored | rows stored in all | acks | sockets closed (code: count) | poisoner got |")
    print("|---|---|---|---|---|")
    print(
        f"| {stored}/{legitimate} | {everything} | {sum(o['acks'] for o in outcomes)} | "
        f"{dict(closes) or 'none'} | {outcomes[poisoner]['acks']} acks, "
        f"errors {outcomes[poisoner]['errors']} |"
    )
    stray = [o["errors"] for o in others if o["errors"]]
    print(f"  error fragments sent to the 19 other users: {stray or 'none'}")


# --- 3. slow-readers (item 6) ---------------------------------------------------------------------


def tcp_pages() -> int:
    """Kernel TCP memory, in pages, from /proc/net/sockstat (every socket of the machine)."""
    for line in Path("/proc/net/sockstat").read_text().splitlines():
        if line.startswith("TCP:"):
            fields = line.split()
            return int(fields[fields.index("mem") + 1])
    return -1


async def open_slow_reader(room: Endpoint, cookie: str) -> ClientConnection:
    """A socket with a 4 KB receive buffer that takes its greeting, sends the page's sync and stops reading
    (max_queue=1: the client library stops draining the kernel buffer after one queued frame)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", room.port))
    ws = await open_room(room, cookie, sock=sock, max_queue=1, timeout=60)
    await ws.send(frame(sync="1", after="0", since=now_iso()))
    return ws


async def drain(ws: ClientConnection, idle: float) -> int | str:
    """Reads again until the server closes the socket (its code) or nothing comes for `idle` seconds."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), idle)
    except websockets.ConnectionClosed as closed:
        return close_code(closed)
    except TimeoutError:
        return "still open"


async def slow_readers_run(site: Site, readers: list[str], poster: str, messages: int) -> dict[str, Any]:
    room = site.room("slow")
    idle_pages = tcp_pages()
    gate = asyncio.Semaphore(50)

    async def slow(cookie: str) -> ClientConnection:
        async with gate:
            return await open_slow_reader(room, cookie)

    sockets = await asyncio.gather(*(slow(cookie) for cookie in readers))
    await asyncio.sleep(5)  # past the sync grace: every socket gets live frames
    figures: dict[str, Any] = {"idle": idle_pages, "before": tcp_pages(), "rss_before": site.server.rss_kb()}
    peak = {"pages": figures["before"], "rss": figures["rss_before"]}
    posting = True

    async def sample() -> None:
        while posting:
            peak["pages"] = max(peak["pages"], tcp_pages())
            peak["rss"] = max(peak["rss"], site.server.rss_kb())
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    ws = await open_room(room, poster)
    await ws.send(frame(sync="1", after="0", since=now_iso()))
    await wait_for_text(ws, SYNCED, timeout=60)
    letters = string.ascii_letters + string.digits + " "
    acked = errors = 0
    started = time.perf_counter()
    for n in range(messages):
        prefix = f"slow-reader {n} "
        await ws.send(frame(body=prefix + "".join(random.choices(letters, k=4000 - len(prefix)))))
        answer = await wait_for_text(ws, ACK, ERRORS, timeout=60)
        if ACK in answer:
            acked += 1
        elif "<p" in answer:
            errors += 1
    figures["post_seconds"] = time.perf_counter() - started
    await asyncio.sleep(3)
    posting = False
    await sampler
    figures.update(peak=peak["pages"], rss_peak=peak["rss"], acked=acked, errors=errors)
    figures["end"] = tcp_pages()
    figures["rss_end"] = site.server.rss_kb()
    figures["presence_rows"] = site.query(
        "SELECT count(*) FROM presence_connection c JOIN rooms_room r ON r.id = c.room_id "
        "WHERE r.slug = 'slow'"
    )
    codes = await asyncio.gather(*(drain(sock, idle=5) for sock in sockets))
    figures["codes"] = Counter(codes)
    await ws.close()
    await asyncio.gather(*(sock.close() for sock in sockets))
    await asyncio.sleep(3)
    figures["after"] = tcp_pages()
    return figures


def slow_readers() -> None:
    readers, messages = 300, 400
    with daphne() as site:
        cookies = site.users("slow", readers, "reader")
        poster = site.users("slow", 1, "poster")[0]
        f = asyncio.run(slow_readers_run(site, cookies, poster, messages))
        logged = site.server.log.read_text(errors="replace").count("fell too far behind: closed 1013")
    closed_by_server = f["codes"].get(1013, 0)
    print(
        f"\nslow-readers (item 6): {readers} users, one socket each that stops reading (4 KB receive "
        f"buffer), while another user posts {messages} messages of 4,000 characters.\nOld code: kernel TCP "
        "memory 76 → ~190,000 pages (~740 MB). Expected: bounded; sockets far behind closed 1013."
    )
    print(
        "| TCP pages idle / sockets open / peak / end of posting / after close "
        "| daphne RSS MB before / peak / end | posts acked | post time s "
        "| slow sockets: close codes on reading again | presence rows left |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {f['idle']} / {f['before']} / {f['peak']} / {f['end']} / {f['after']} | "
        f"{f['rss_before'] / 1024:.0f} / {f['rss_peak'] / 1024:.0f} / {f['rss_end'] / 1024:.0f} | "
        f"{f['acked']}/{messages} | {f['post_seconds']:.1f} | {dict(f['codes'])} | "
        f"{f['presence_rows']} of {readers + 1} |"
    )
    print(
        f"  closed 1013 by the server: {logged} of {readers} per its log, {readers + 1 - f['presence_rows']} "
        f"presence rows gone; the close frame reached {closed_by_server} clients (it queues behind the "
        "backlog the reader never takes, and the connection is dropped when the close handshake times out: "
        "the client sees 1006)"
    )


# --- 4. socket-storm (item 6) ---------------------------------------------------------------------


def victim_connects(room: Endpoint, cookie: str, count: int, gap: float) -> dict[str, Any]:
    return asyncio.run(_victim_connects(room, cookie, count, gap))


async def _victim_connects(room: Endpoint, cookie: str, count: int, gap: float) -> dict[str, Any]:
    """Opens `count` sockets one after the other (kept open, like tabs): handshake → greeting times."""
    times: list[float] = []
    failures: Counter[str] = Counter()
    kept = []
    for _ in range(count):
        started = time.perf_counter()
        try:
            kept.append(await open_room(room, cookie, timeout=30))
            times.append(time.perf_counter() - started)
        except Exception as error:
            failures[describe(error)] += 1
        await asyncio.sleep(gap)
    await asyncio.gather(*(ws.close() for ws in kept))
    return {"times": times, "failures": failures}


async def storm(room: Endpoint, cookie: str, total: int, concurrency: int) -> dict[str, Any]:
    gate = asyncio.Semaphore(concurrency)
    tally: Counter[str] = Counter()
    kept: list[ClientConnection] = []

    async def one() -> None:
        async with gate:
            try:
                kept.append(await open_room(room, cookie, timeout=30))
                tally["accepted"] += 1
            except Refused as refused:
                tally[f"closed {refused.code}"] += 1
            except Exception as error:
                tally[describe(error)] += 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    seconds = time.perf_counter() - started
    await asyncio.gather(*(ws.close() for ws in kept))
    return {"tally": tally, "seconds": seconds}


def listen_counters() -> Counter[str]:
    """Kernel counts of connections a full accept queue turned away (the client then retries its SYN)."""
    header, values = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()[:2]]
    wanted = ("ListenOverflows", "ListenDrops", "TCPSynRetrans")
    return Counter({name: int(value) for name, value in zip(header, values, strict=True) if name in wanted})


async def socket_storm_run(site: Site, cookies: list[str], total: int, concurrency: int) -> dict[str, Any]:
    room = site.room("storm")
    attacker, calm_victim, stormed_victim = cookies
    counters = listen_counters()
    baseline = await in_own_process(victim_connects, room, calm_victim, 20, 0.1)
    baseline["kernel"] = listen_counters() - counters
    await asyncio.sleep(2)
    counters = listen_counters()
    attack = asyncio.create_task(storm(room, attacker, total, concurrency))
    await asyncio.sleep(0.3)
    stormed = await in_own_process(victim_connects, room, stormed_victim, 20, 0.1)
    result = await attack
    stormed["kernel"] = listen_counters() - counters
    return {"baseline": baseline, "stormed": stormed, "storm": result}


def socket_storm() -> None:
    total, concurrency = 3000, 200
    with daphne() as site:
        cookies = site.users("storm", 3, "storm")
        r = asyncio.run(socket_storm_run(site, cookies, total, concurrency))
    print(
        f"\nsocket-storm (item 6): one user opens {total} sockets ({concurrency} at a time) while another "
        "opens 20 one after the other (100 ms apart), kept open.\nOld code: other users' connects failed. "
        "Expected: the attacker capped (4429 past CHAT_MAX_SOCKETS_PER_USER), others' connects unharmed."
    )
    print(
        "| run | victim connect p50 ms | p99 ms | max ms | over 1 s | victim failures "
        "| attacker sockets | storm s | kernel: accept queue overflows, SYN retransmits |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for label, victim, attack in (
        ("baseline", r["baseline"], None),
        ("under storm", r["stormed"], r["storm"]),
    ):
        ms = [t * 1000 for t in victim["times"]]
        attacker = (dict(attack["tally"]), round(attack["seconds"], 1)) if attack else ("-", "-")
        print(
            f"| {label} | {statistics.median(ms) if ms else math.nan:.1f} | {percentile(ms, 0.99):.1f} | "
            f"{max(ms, default=math.nan):.1f} | {sum(t > 1000 for t in ms)} | "
            f"{dict(victim['failures']) or 0} | "
            f"{attacker[0]} | {attacker[1]} | "
            f"{victim['kernel']['ListenOverflows']}, {victim['kernel']['TCPSynRetrans']} |"
        )
    slowest = sorted((t * 1000 for t in r["stormed"]["times"]), reverse=True)[:8]
    print(f"  victim's slowest connects under the storm, ms: {', '.join(f'{t:.0f}' for t in slowest)}")


# --- main -----------------------------------------------------------------------------------------

SCENARIOS = {
    "sync-flood": sync_flood,
    "poison-batch": poison_batch,
    "slow-readers": slow_readers,
    "socket-storm": socket_storm,
}


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def machine_facts() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    commit = git("rev-parse", "--short", "HEAD")
    changed = git("status", "--porcelain", "--untracked-files=no").split()[1::2]
    if SOURCE != ROOT:
        tree = f"server runs from {SOURCE}"
    else:
        tree = f"commit {commit}" + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")
    tcp_mem = Path("/proc/sys/net/ipv4/tcp_mem").read_text().split()
    return (
        f"nproc {os.cpu_count()} (usable {len(servers.cpus())}), CPU {model}, Linux {platform.release()}, "
        f"Python {platform.python_version()}, websockets {websockets.__version__}; {tree}; "
        f"tcp_mem low/pressure/high {'/'.join(tcp_mem)} pages; "
        + (
            "daphne pinned to one CPU, this client to another"
            if len(servers.cpus()) >= 2
            else "one CPU shared"
        )
    )


def on_client_cpu() -> None:
    if len(servers.cpus()) >= 2:
        os.sched_setaffinity(0, {servers.cpus()[1]})


def main() -> None:
    global SOURCE, VICTIM
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--source", type=Path, default=ROOT, help="project tree the server runs from")
    options = parser.parse_args()
    SOURCE = options.source.resolve()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine_facts()}")
    names = list(SCENARIOS) if options.scenario == "all" else [options.scenario]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn, initializer=on_client_cpu) as pool:
        VICTIM = pool
        pool.submit(int).result()  # started before any server is, so its start-up is not measured
        for name in names:
            started = time.perf_counter()
            print(f"\n== {name}", flush=True)
            SCENARIOS[name]()
            print(f"  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
