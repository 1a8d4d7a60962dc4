"""Scrolling back in a real browser: reaching the top of the log loads the messages before, keeping what was
being read in place, down to the room's beginning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import wait_live
from tests.live_server import LiveServer, migrate, server_env
from tests.ws_client import ChatUser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("history")
    env = server_env(
        f"sqlite:///{base / 'db.sqlite3'}", CHAT_RATE_LIMIT_MESSAGES="0", CHAT_HISTORY_LENGTH="20"
    )
    migrate(env)
    live = LiveServer(env, base / "daphne.log").start()
    yield live
    live.stop()


async def post_many(server: LiveServer, count: int) -> None:
    writer = ChatUser(server.url, "archivist").sign_up()
    writer.open_room("archive")
    socket = await writer.socket("/ws/rooms/archive/")
    for n in range(1, count + 1):
        await socket.send(body=f"m {n}")
        await socket.receive_until('id="composer-reply"')
    await socket.close()


def test_older_messages_load_above_while_the_reader_stays_where_they_are(server, signed_in):
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        pool.submit(asyncio.run, post_many(server, 50)).result()
    page = signed_in("reader", server=server)
    page.goto(server.url + "/rooms/archive/")
    wait_live(page)
    log = page.locator("#messages .message-body")

    # The page shows the latest 20; the pages before load while they are still above the view.
    expect(log).to_have_count(50, timeout=10_000)
    assert log.all_inner_texts() == [f"m {n}" for n in range(1, 51)]
    expect(page.locator(".history-start")).to_have_text("This is the beginning of #archive.")
    expect(page.locator("#messages .message", has_text="m 50").first).to_be_in_viewport()

    page.locator("#messages .message", has_text="m 1").first.scroll_into_view_if_needed()
    expect(page.locator(".history-start")).to_be_in_viewport()
