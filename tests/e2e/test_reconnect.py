"""A page whose server process dies comes back by itself, with exactly what the database holds."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_room, wait_live
from tests.ws_client import ChatUser

pytestmark = [pytest.mark.browser, pytest.mark.services]

MISSED = 500
FAST_PRESENCE = {
    "CHAT_RATE_LIMIT_MESSAGES": "100000",
    "PRESENCE_TTL_SECONDS": "5",
    "PRESENCE_HEARTBEAT_SECONDS": "1",
}


async def post(user: ChatUser, room: str, texts: list[str]) -> list[int]:
    """Sends each message and waits for it to be stored; returns the ids in the order they were stored."""
    socket = await user.socket(f"/ws/rooms/{room}/")
    for text in texts:
        await socket.send(body=text)
        await socket.receive_until('id="composer-reply"')
    await socket.has_seen(texts[-1])
    await socket.close()
    return [int(i) for i in re.findall(r'<article id="message-(\d+)"', "".join(socket.seen))]


def run_apart(coroutine):
    """Playwright's sync API owns this thread's event loop: run socket clients on a thread of their own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_page_catches_up_on_500_messages_missed_while_its_server_was_down(
    cluster, signed_in, tmp_path, browser
):
    first, second = cluster(2, **FAST_PRESENCE)
    poster = ChatUser(first.url, "poster").sign_up()
    page = signed_in("watcher", server=second)
    open_room(page, second.url, "big")
    wait_live(page)

    ids = run_apart(post(poster, "big", [f"early {n}" for n in range(5)]))
    expect(page.locator("#messages .message")).to_have_count(5)

    second.kill()
    expect(page.locator("#connection-status")).to_have_text("Reconnecting…", timeout=10_000)
    page.screenshot(path=str(tmp_path / "reconnecting.png"))
    ids += run_apart(post(poster, "big", [f"missed {n}" for n in range(MISSED)]))
    second.start()

    expect(page.locator("#connection-status")).to_have_text("Live", timeout=30_000)
    expect(page.locator("#messages .message").last).to_have_text(
        re.compile(f"missed {MISSED - 1}"), timeout=30_000
    )
    page.wait_for_timeout(500)
    shown = [
        int(i) for i in page.eval_on_selector_all("#messages .message", "els => els.map(e => e.id.slice(8))")
    ]
    assert len(ids) == 5 + MISSED
    doubled = sorted({i for i in shown if shown.count(i) > 1})
    assert shown == ids, (
        f"{len(shown)} shown for {len(ids)} stored; doubled {doubled} at {[shown.index(i) for i in doubled]}"
    )
    assert len(set(shown)) == len(shown)
    texts = page.locator("#messages .message-body").all_inner_texts()
    assert texts[-1] == f"missed {MISSED - 1}"
    duplicated = len(shown) - len(set(shown))
    lost = sorted(set(ids) - set(shown))
    print(f"\nreconnect: stored {len(ids)}, shown {len(shown)}, duplicated {duplicated}, lost {len(lost)}")
    assert (duplicated, lost) == (0, [])


def test_a_message_typed_while_offline_is_queued_and_sent_on_reconnect(cluster, signed_in):
    [server] = cluster(1, **FAST_PRESENCE)
    page = signed_in("typist", server=server)
    open_room(page, server.url, "offline")
    wait_live(page)

    server.kill()
    expect(page.locator("#connection-status")).to_have_text("Reconnecting…", timeout=10_000)
    page.fill("#composer-body", "written while offline")
    page.press("#composer-body", "Enter")
    # Queued by htmx as it would be sent: the input is free for the next one, the page says it is offline.
    expect(page.locator("#composer-body")).to_have_value("")
    expect(page.locator("#connection-status")).to_have_text("Reconnecting…")

    server.start()
    expect(page.locator("#connection-status")).to_have_text("Live", timeout=30_000)
    expect(page.locator("#messages .message")).to_have_count(1, timeout=10_000)
    expect(page.locator("#messages .message-body")).to_have_text("written while offline")
    expect(page.locator("#composer-body")).to_have_value("")
