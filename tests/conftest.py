from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client

from presence.notifier import notifier
from rooms.models import Room
from tests.live_server import LiveServer, migrate, server_env
from tests.services import fresh_postgres_database, fresh_redis

PASSWORD = "correct-horse-battery"
ORIGIN = "http://localhost"


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> None:
    # Each test runs on its own event loop; a layer from an earlier test holds queues bound to a dead loop.
    channel_layers.backends = {}


@pytest.fixture(autouse=True)
def database_thread_left_free() -> Iterator[None]:
    """Socket tests share asgiref's one database thread. Work a test's consumers leave running when its event
    loop shuts down must not be able to hold that thread, or every later socket test would hang until the
    suite's time runs out (a server has one loop for its life, so this is the suite's hazard, not the app's).
    If it happens anyway: warn, naming the test, and give later tests a fresh thread."""
    yield
    try:
        SyncToAsync.single_thread_executor.submit(lambda: None).result(timeout=10)
    except concurrent.futures.TimeoutError:
        warnings.warn("this test left the shared database thread busy for 10 s; replaced", stacklevel=1)
        SyncToAsync.single_thread_executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)


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

    async def frames_within(self, seconds: float = 0.3) -> list[str]:
        """Everything that arrives in the next `seconds`."""
        frames = []
        while not await self.communicator.receive_nothing(seconds):
            frames.append(await self.receive())
        return frames

    async def hears_nothing_about(self, *needles: str, seconds: float = 0.3) -> bool:
        return not any(needle in frame for frame in await self.frames_within(seconds) for needle in needles)

    async def close_code(self, timeout: float = 2) -> int:
        while True:
            output = await self.communicator.receive_output(timeout)
            if output["type"] == "websocket.close":
                return int(output.get("code", 1000))

    async def disconnect(self) -> None:
        await self.communicator.disconnect()


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
        with contextlib.suppress(Exception):  # the server may have closed it already
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
