from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_room, wait_live

pytestmark = pytest.mark.browser


def test_presence_and_a_direct_message_with_a_live_unread_badge(signed_in, daphne_server, tmp_path):
    alice = signed_in("carla")
    bob = signed_in("dmitri")
    room_url = f"{daphne_server.url}/rooms/presence/"
    for page in (alice, bob):
        open_room(page, daphne_server.url, "presence")
        wait_live(page)
    expect(alice.locator("#online-users")).to_contain_text("dmitri")
    expect(bob.locator("#online-users")).to_contain_text("carla")

    # A second tab of dmitri's, closed again: he stays online for carla.
    second_tab = bob.context.new_page()
    second_tab.goto(room_url)
    wait_live(second_tab)
    second_tab.close()
    alice.wait_for_timeout(500)
    expect(alice.locator("#online-users")).to_contain_text("dmitri")

    # dmitri closes his tab: he leaves carla's list without her reloading.
    bob_context = bob.context
    bob.close()
    expect(alice.locator("#online-users")).not_to_contain_text("dmitri")

    bob = bob_context.new_page()
    bob.goto(room_url)
    wait_live(bob)
    expect(alice.locator("#online-users")).to_contain_text("dmitri")

    # carla starts a DM from the online list: the name leads to dmitri's profile, its Message button on.
    alice.locator("#online-users a", has_text="dmitri").click()
    alice.wait_for_url("**/people/dmitri/")
    alice.locator("a", has_text="Message").first.click()
    alice.wait_for_url("**/dm/dmitri/")
    wait_live(alice)
    # dmitri's sidebar learns of the new conversation live.
    expect(bob.locator("#direct-list")).to_contain_text("@carla")

    for text in ("psst, over here", "second one"):
        alice.fill("#composer-body", text)
        alice.press("#composer-body", "Enter")
        # The server clears the input once the message is stored; a person waits for that too.
        expect(alice.locator("#composer-body")).to_have_value("")
    expect(alice.locator("#messages .message")).to_have_count(2)

    badge = bob.locator("#direct-list .unread")
    expect(badge).to_have_count(1)
    expect(badge.locator("i")).to_have_count(2)
    # The number itself is a CSS counter of those marks, drawn only when there is one.
    assert badge.bounding_box()["width"] > 0
    bob.screenshot(path=str(tmp_path / "unread-badge.png"))

    bob.locator("#direct-list a", has_text="@carla").click()
    bob.wait_for_url("**/dm/carla/")
    expect(bob.locator("#messages")).to_contain_text("psst, over here")
    bob.goto(room_url)
    expect(bob.locator("#direct-list .unread i")).to_have_count(0)
