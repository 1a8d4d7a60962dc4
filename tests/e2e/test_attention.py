"""The tab title counts what is addressed to its reader, live in a real browser: htmx takes the <title> a
socket pushes and makes it the document's title, under the site's CSP and without any script of ours."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import open_room, wait_live
from tests.e2e.test_csp import Watched

pytestmark = pytest.mark.browser


def wait_for_title(page: Page, title: str) -> None:
    page.wait_for_function("title => document.title === title", arg=title, timeout=10_000)


def test_a_direct_message_counts_in_the_title_of_an_open_page_until_it_is_read(signed_in, daphne_server):
    bob = signed_in("titus")
    watched = Watched(bob)
    alice = signed_in("ursula")
    open_room(bob, daphne_server.url, "general")
    wait_live(bob)
    expect(bob).to_have_title("#general · Chat")

    alice.goto(f"{daphne_server.url}/dm/titus/")
    wait_live(alice)
    alice.fill("#composer-body", "psst, titus")
    alice.press("#composer-body", "Enter")
    expect(alice.locator("#composer-body")).to_have_value("")

    wait_for_title(bob, "(1) #general · Chat")
    # Swapped as the document's title, not added to the page as a second <title>.
    assert bob.evaluate("document.querySelectorAll('title').length") == 1

    # Opening the conversation in another tab reads it: the first tab's title drops back.
    second = bob.context.new_page()
    second.goto(f"{daphne_server.url}/dm/ursula/")
    expect(second).to_have_title("ursula · Chat")
    wait_live(second)
    wait_for_title(bob, "#general · Chat")
    # What arrives in the conversation while it is open raises no title, neither its own nor the other tab's.
    alice.fill("#composer-body", "and another")
    alice.press("#composer-body", "Enter")
    expect(second.locator("#messages")).to_contain_text("and another")
    bob.wait_for_timeout(300)
    assert (bob.title(), second.title()) == ("#general · Chat", "ursula · Chat")
    assert watched.violations() == []
