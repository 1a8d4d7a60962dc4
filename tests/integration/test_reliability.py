"""Nothing lost, nothing doubled: processes killed mid-conversation, Redis going away and coming back."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.live_server import LiveServer, free_port, migrate, server_env
from tests.services import IN_CI, fresh_postgres_database
from tests.ws_client import ChatUser

pytestmark = pytest.mark.services

MESSAGE_ID = re.compile(r'<article id="message-(\d+)"')
NO_LIMIT = {
    "CHAT_RATE_LIMIT_MESSAGES": "100000",
    "PRESENCE_TTL_SECONDS": "5",
    "PRESENCE_HEARTBEAT_SECONDS": "1",
}


def ids_in(frames: list[str]) -> list[int]:
    return [int(found) for frame in frames for found in MESSAGE_ID.findall(frame)]


def cursor_of(frames: list[str]) -> int:
    found = re.findall(r'id="sync-after" name="after" value="(\d+)"', "".join(frames))
    return int(found[-1])


async def test_a_killed_process_loses_nothing_and_its_clients_catch_up_when_it_returns(cluster):
    first, second = cluster(2, **NO_LIMIT)
    alice = ChatUser(first.url, "alice").sign_up()
    bob = ChatUser(second.url, "bob").sign_up()
    carol = ChatUser(first.url, "carol").sign_up()
    alice.open_room("ops")
    a = await alice.socket("/ws/rooms/ops/")
    b = await bob.socket("/ws/rooms/ops/", base_url=second.url)
    c = await carol.socket("/ws/rooms/ops/")
    sent: list[str] = []

    async def say(socket, text: str) -> None:
        await socket.send(body=text)
        sent.append(text)
        await socket.receive_until('id="composer-reply"')  # stored: acknowledged to the sender

    for n in range(20):
        await say(a, f"before {n}")
    await b.receive_until("before 19")
    bob_cursor = cursor_of(b.seen)

    second.kill()
    # Clients of the surviving process keep chatting.
    for n in range(30):
        await say(a, f"during {n}")
    assert "during 29" in await c.receive_until("during 29")

    second.start()
    # bob's page reconnects and sends the cursor it had when its socket dropped.
    cursor = {"after": str(bob_cursor), "since": "2000-01-01T00:00:00+00:00"}
    b = await bob.socket("/ws/rooms/ops/", base_url=second.url, cursor=cursor)
    await say(a, "after the restart")
    await b.receive_until("after the restart")

    bob_log = [*ids_in(b.seen)]
    stored = [int(i) for i in MESSAGE_ID.findall(bob.get("/rooms/ops/"))]
    received_after_cursor = [i for i in bob_log if i > bob_cursor]
    assert len(received_after_cursor) == len(set(received_after_cursor)), "duplicates"
    assert received_after_cursor == sorted(received_after_cursor)
    assert stored[-31:] == received_after_cursor[-31:]
    assert len(sent) == 51
    print(
        f"\nkill test: sent {len(sent)}, bob got {len(received_after_cursor)} after his cursor, 0 duplicated"
    )
    for socket in (a, b, c):
        await socket.close()


def start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        if IN_CI:
            pytest.fail("redis-server is needed to test a Redis outage")
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    import redis

    while time.monotonic() < deadline:
        try:
            redis.Redis(port=port).ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


async def test_while_redis_is_down_messages_are_stored_and_delivered_once_it_returns(tmp_path):
    port = free_port()
    redis_process = start_redis(port, tmp_path)
    try:
        with fresh_postgres_database() as database_url:
            env = server_env(
                database_url, REDIS_URL=f"redis://127.0.0.1:{port}/0", HUB_RETRY_SECONDS="1", **NO_LIMIT
            )
            migrate(env)
            server = LiveServer(env, tmp_path / "daphne.log").start()
            try:
                alice = ChatUser(server.url, "alice").sign_up()
                bob = ChatUser(server.url, "bob").sign_up()
                alice.open_room("ops")
                a = await alice.socket("/ws/rooms/ops/")
                b = await bob.socket("/ws/rooms/ops/")
                await a.send(body="while all is well")
                await a.receive_until('id="composer-reply"')
                await b.receive_until("while all is well")

                redis_process.kill()
                redis_process.wait()
                await a.send(body="during the outage")
                ack = await a.receive_until('id="composer-reply"')
                assert "composer-errors" in ack  # the sender sees it stored, with no error
                assert "during the outage" in alice.get("/rooms/ops/")

                redis_process = start_redis(port, tmp_path)
                # Without reconnecting, bob's page catches up once the layer is back, then goes on live.
                assert "during the outage" in await b.receive_until("during the outage", timeout=20)
                await a.send(body="back to normal")
                await b.receive_until("back to normal", timeout=10)
                assert ids_in(b.seen) == sorted(set(ids_in(b.seen)))
                log = (tmp_path / "daphne.log").read_text()
                assert "channel layer" in log
                for socket in (a, b):
                    await socket.close()
            finally:
                server.stop()
    finally:
        redis_process.kill()
        await asyncio.sleep(0)
