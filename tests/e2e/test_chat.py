from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_room, wait_live

pytestmark = pytest.mark.browser


def test_two_people_chat_live_in_one_room(signed_in, daphne_server, tmp_path):
    alice = signed_in("alice")
    bob = signed_in("bob")
    for page in (alice, bob):
        open_room(page, daphne_server.url, "lounge")
        wait_live(page)

    alice.fill("#composer-body", "Hello Bob <b>not bold</b>")
    alice.press("#composer-body", "Enter")

    expect(bob.locator("#messages .message").last).to_contain_text("Hello Bob <b>not bold</b>")
    expect(alice.locator("#composer-body")).to_have_value("")
    expect(alice.locator("#composer-body")).to_be_focused()
    assert bob.locator("#messages b").count() == 0

    bob.fill("#composer-body", "Hi Alice!")
    bob.press("#composer-body", "Enter")
    # Both logs, in the same order (each page gets the second message at its own moment).
    for page in (alice, bob):
        expect(page.locator("#messages .message-body")).to_have_text(
            ["Hello Bob <b>not bold</b>", "Hi Alice!"]
        )
    # Styled as designed, not just present: each page shows its viewer's own messages apart (the per-page
    # rule over the same pushed HTML), with the stylesheets loaded and the newest message in view.
    for page, own, other in ((alice, 0, 1), (bob, 1, 0)):
        messages = page.locator("#messages .message")
        expect(messages.last).to_be_in_viewport()
        own_bg, other_bg = (
            messages.nth(n).locator(".message-main").evaluate("e => getComputedStyle(e).backgroundColor")
            for n in (own, other)
        )
        assert own_bg != other_bg, own_bg
        assert (
            messages.nth(other)
            .locator(".message-main")
            .evaluate("e => getComputedStyle(e).borderTopLeftRadius")
            != "0px"
        )
    alice.screenshot(path=str(tmp_path / "room-two-users.png"))


def test_the_room_works_without_javascript(browser, daphne_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{daphne_server.url}/accounts/signup/")
    page.fill("#id_username", "noscript")
    page.fill("#id_password1", "a-long-passphrase-42")
    page.fill("#id_password2", "a-long-passphrase-42")
    page.click("button[type=submit]")
    open_room(page, daphne_server.url, "plain")

    page.fill("#composer-body", "posted the old way")
    page.click("#composer button[type=submit]")

    expect(page.locator("#messages .message").last).to_contain_text("posted the old way")
    context.close()


def test_the_socket_opens_even_when_the_ws_extension_loads_slowly(signed_in, daphne_server):
    """On a cold cache hx-ws can arrive well after htmx; htmx must not start without it."""
    page = signed_in("slowpoke")
    open_room(page, daphne_server.url, "slow")

    def slow_extension(route):
        page.wait_for_timeout(400)
        route.continue_()

    page.route("**/hx-ws.min.js", slow_extension)
    page.goto(f"{daphne_server.url}/rooms/slow/", wait_until="commit")

    wait_live(page)


def test_the_room_selector_shows_live_online_counts(signed_in, daphne_server):
    watcher = signed_in("lobbyist")
    visitor = signed_in("visitor")
    open_room(visitor, daphne_server.url, "busy")
    wait_live(visitor)
    watcher.goto(f"{daphne_server.url}/rooms/")
    wait_live(watcher)
    count = watcher.locator("#room-list li", has_text="#busy").locator(".online-count")
    expect(count).to_have_text("1 online")

    visitor.goto(f"{daphne_server.url}/rooms/")

    expect(count).to_have_text("0 online")
