"""History in a real browser: reaching the top of the log loads the messages before, keeping what was
being read in place, down to the room's beginning; a permalink opens its message highlighted; search finds
a word and opens the result; a room with unread messages opens at the "New" divider."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Locator, expect

from tests.e2e.conftest import wait_live
from tests.live_server import LiveServer, migrate, server_env
from tests.ws_client import ChatUser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("history")
    env = server_env(
        f"sqlite:///{base / 'db.sqlite3'}", CHAT_RATE_LIMIT_MESSAGES="0", CHAT_HISTORY_LENGTH="70"
    )
    migrate(env)
    live = LiveServer(env, base / "daphne.log").start()
    yield live
    live.stop()


async def post_many(writer: ChatUser, room: str, bodies: list[str]) -> None:
    writer.open_room(room)
    socket = await writer.socket(f"/ws/rooms/{room}/")
    for body in bodies:
        await socket.send(body=body)
        await socket.receive_until('id="composer-reply"')
    await socket.close()


def post(writer: ChatUser, room: str, bodies: list[str]) -> None:
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        pool.submit(asyncio.run, post_many(writer, room, bodies)).result()


@pytest.fixture(scope="module")
def archive(server: LiveServer) -> ChatUser:
    """A room of 200 messages, "m 1" to "m 200", and one more in another room."""
    writer = ChatUser(server.url, "archivist").sign_up()
    post(writer, "archive", [f"m {n}" for n in range(1, 201)])
    post(writer, "garden", ["the kumquat tree is blooming"])
    return writer


def test_older_messages_load_above_while_the_reader_stays_where_they_are(server, archive, signed_in):
    page = signed_in("reader", server=server)
    page.goto(server.url + "/rooms/archive/")
    wait_live(page)
    log = page.locator("#messages .message-body")

    def message(n: int) -> Locator:
        return page.locator("#messages .message").filter(has=page.get_by_text(f"m {n}", exact=True))

    # The page shows the latest 70, opened at the newest.
    expect(log).to_have_count(70)
    expect(message(200)).to_be_in_viewport()

    # Scrolling to the top loads the page before above, twice, down to the room's first message, and what the
    # reader was looking at stays in view as each page goes in.
    for count, first_shown in ((140, 131), (200, 61)):
        page.locator("#history-more").scroll_into_view_if_needed()
        expect(log).to_have_count(count, timeout=10_000)
        expect(message(first_shown)).to_be_in_viewport()
    assert log.all_inner_texts() == [f"m {n}" for n in range(1, 201)]
    page.locator(".history-start").scroll_into_view_if_needed()
    expect(page.locator(".history-start")).to_have_text("This is the beginning of #archive.")
    expect(message(1)).to_be_in_viewport()


def test_a_permalink_opens_its_message_highlighted_among_the_history_around_it(server, archive, signed_in):
    page = signed_in("linker", server=server)
    page.goto(server.url + "/rooms/archive/")
    wait_live(page)
    message = page.locator(".message").filter(has=page.get_by_text("m 180", exact=True))
    with page.expect_navigation():
        message.locator("a.message-time").click()

    highlighted = page.locator(".message.message-highlight")
    expect(highlighted).to_have_count(1)
    expect(highlighted.locator(".message-body")).to_have_text("m 180")
    before = highlighted.locator("xpath=preceding-sibling::article[1]").locator(".message-body")
    expect(before).to_have_text("m 179")  # the history around it
    expect(highlighted).to_be_in_viewport()
    assert page.url.endswith(f"#{highlighted.get_attribute('id')}")
    assert page.locator("[hx-ws\\:connect]").count() == 0  # no live socket on a history page
    with page.expect_navigation():
        page.get_by_role("link", name="Jump to latest").click()
    wait_live(page)
    expect(page.locator("#messages .message-body").last).to_have_text("m 200")


def test_search_from_the_header_finds_a_word_and_opens_the_result(server, archive, signed_in):
    page = signed_in("seeker", server=server)
    page.fill("#site-search-q", "kumq")
    with page.expect_navigation():
        page.press("#site-search-q", "Enter")

    result = page.locator("#search-results li")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("kumq")
    expect(result).to_contain_text("#garden")
    with page.expect_navigation():
        result.locator("a.search-result-text").click()
    expect(page.locator(".message-highlight .message-body")).to_have_text("the kumquat tree is blooming")


def test_a_room_with_unread_messages_opens_at_the_new_divider(server, signed_in):
    writer = ChatUser(server.url, "talker").sign_up()
    post(writer, "busy", ["read before"])
    page = signed_in("returner", server=server)
    page.goto(server.url + "/rooms/busy/")
    wait_live(page)
    page.goto(server.url + "/rooms/")  # away while the room talks on
    post(writer, "busy", [f"news {n}\n\nmore\n\nand more" for n in range(1, 16)])

    page.goto(server.url + "/rooms/busy/")

    expect(page.locator("#new-messages")).to_be_in_viewport()
    expect(page.locator("#new-messages + .message .message-body")).to_contain_text("news 1")
    expect(page.locator("#messages .message").last).not_to_be_in_viewport()
