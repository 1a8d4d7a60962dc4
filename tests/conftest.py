from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from presence.notifier import notifier
from realtime import transport
from rooms.models import Room
from tests.live_server import LiveServer, migrate, server_env
from tests.services import fresh_postgres_database, fresh_redis

PASSWORD = "correct-horse-battery"
ORIGIN = "http://localhost"
# How long a finished test may keep asgiref's shared database thread busy before it fails.
DATABASE_THREAD_GRACE_SECONDS = float(os.environ.get("TEST_DATABASE_THREAD_GRACE_SECONDS", "10"))


def _fresh_database_thread() -> None:
    SyncToAsync.single_thread_executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)


# mutmut runs each mutant's tests in a child forked from a process that already ran the suite: the child
# inherits asgiref's executor but not its thread, so the executor counts a dead worker as idle and nothing
# submitted to it ever runs. Every test that touched the database would then fail, mutant or not.
os.register_at_fork(after_in_child=_fresh_database_thread)


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> None:
    # Each test runs on its own event loop; a layer from an earlier test holds queues bound to a dead loop.
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    # Presence remembers per room id what pages show (presence.broadcasts); ids repeat from test to test.
    cache.clear()


@pytest.fixture(autouse=True)
def database_thread_left_free(request: pytest.FixtureRequest) -> Iterator[None]:
    """Socket tests share asgiref's one database thread, as every socket of a server process does: work that
    holds it after a test ends is a hang that would freeze every socket of a production process. Such a test
    fails, by name; later tests get a fresh thread so the run still reports everything else."""
    yield
    try:
        SyncToAsync.single_thread_executor.submit(lambda: None).result(timeout=DATABASE_THREAD_GRACE_SECONDS)
        return
    except concurrent.futures.TimeoutError:
        _fresh_database_thread()
    pytest.fail(
        f"{request.node.nodeid} left asgiref's shared database thread busy for "
        f"{DATABASE_THREAD_GRACE_SECONDS} s after it ended (replaced for the tests after it)",
        pytrace=False,
    )


@pytest.fixture
def make_user(db: None) -> Callable[[str], User]:
    def make(username: str) -> User:
        return get_user_model().objects.create_user(username=username, password=PASSWORD)

    return make


@pytest.fixture
def alice(make_user: Callable[[str], User]) -> User:
    return make_user("alice")


@pytest.fixture
def bob(make_user: Callable[[str], User]) -> User:
    return make_user("bob")


@pytest.fixture
def carol(make_user: Callable[[str], User]) -> User:
    return make_user("carol")


@pytest.fixture
def staff(make_user: Callable[[str], User]) -> User:
    user = make_user("sam")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def room(db: None) -> Room:
    return Room.objects.create(name="general", slug="general")


def login_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_cookie(user: User) -> str:
    return login_client(user).cookies["sessionid"].value


class Socket:
    """A WebsocketCommunicator the way htmx talks: JSON frames with `headers`, HTML frames back."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.seen: list[str] = []

    async def send(self, **values: Any) -> None:
        await self.communicator.send_to(text_data=json.dumps({**values, "headers": {"HX-Request": "true"}}))

    async def send_raw(self, text: str | None = None, data: bytes | None = None) -> None:
        await self.communicator.send_to(text_data=text, bytes_data=data)

    async def receive(self, timeout: float = 2) -> str:
        output = await self.communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            raise ConnectionResetError(output.get("code"))
        frame: str = output["text"]
        try:  # a real server writes text frames as UTF-8: one holding a lone surrogate fails there
            frame.encode()
        except UnicodeEncodeError as error:
            raise AssertionError(f"a frame no server could send: {error}; {frame[:300]!r}") from None
        self.seen.append(frame)
        return frame

    async def receive_until(self, needle: str, timeout: float = 3) -> str:
        """The first frame containing `needle`; frames before it (presence, badges) are kept in `seen`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no frame containing {needle!r}; got {self.seen!r}")
            frame = await self.receive(remaining)
            if needle in frame:
                return frame

    def heard_about(self, *needles: str) -> list[str]:
        """Frames received so far that contain any of `needles` (after `all_sent` they are all in)."""
        return [frame for frame in self.seen if any(needle in frame for needle in needles)]

    async def close_code(self, timeout: float = 2) -> int:
        while True:
            output = await self.communicator.receive_output(timeout)
            if output["type"] == "websocket.close":
                return int(output.get("code", 1000))

    async def disconnect(self) -> None:
        await self.communicator.disconnect()


MARKS = itertools.count(1)


async def all_sent(group: str, *sockets: Socket) -> None:
    """Returns once each socket (all in `group`) has received everything broadcast to `group` so far: pending
    presence announcements are sent, then a marker frame, which the hub delivers after them. A check that
    something did NOT arrive reads `seen` after this, instead of listening for a fixed time."""
    await notifier().settled()
    mark = f"test-mark-{next(MARKS)}"
    await sync_to_async(transport.send_html)(group, f'<template id="{mark}" hx-swap-oob="true"></template>')
    for socket in sockets:
        await socket.receive_until(f'id="{mark}"')


async def open_socket(
    path: str, user: User | None = None, origin: str = ORIGIN, wait_live: bool = True
) -> Socket:
    from site_config.asgi import application

    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    socket = Socket(communicator)
    if wait_live:
        await socket.receive_until('id="connection-status"')
    return socket


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """Opens sockets like a browser page; all are closed after the test so per-loop presence tasks stop."""
    opened: list[Socket] = []

    async def _connect(path: str, user: User | None = None, **options: Any) -> Socket:
        socket = await open_socket(path, user, **options)
        opened.append(socket)
        return socket

    yield _connect
    for socket in opened:
        # The server may have closed it already; a receive that timed out cancelled it (unsuppressed, that
        # error would skip the database flush and fail every later test too).
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await socket.disconnect()
    # Presence announcements still in flight would land in the next test's groups.
    await notifier().settled()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Callable[..., list[LiveServer]]]:
    """Daphne processes sharing the machine's PostgreSQL and Redis, as a multi-process deployment would."""
    servers: list[LiveServer] = []
    with fresh_postgres_database() as database_url:
        redis_url = fresh_redis()

        def start(count: int = 2, **settings: str) -> list[LiveServer]:
            env = server_env(database_url, REDIS_URL=redis_url, **settings)
            migrate(env)
            for n in range(count):
                servers.append(LiveServer(env, tmp_path / f"daphne-{n}.log").start())
            return servers

        yield start
        for server in servers:
            server.stop()
