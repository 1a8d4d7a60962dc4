from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_room, wait_live

pytestmark = pytest.mark.browser


def test_a_group_started_from_the_new_message_form_reaches_both_others_live(signed_in, daphne_server):
    alice = signed_in("gina")
    bob = signed_in("hugo")
    carol = signed_in("ines")
    for page in (bob, carol):
        open_room(page, daphne_server.url, "lounge")
        wait_live(page)

    # gina writes to both from the New message form (a plain GET form) on the conversation list.
    alice.goto(f"{daphne_server.url}/dm/")
    alice.fill("#new-message-to", "ines, Hugo")
    alice.click("#new-message button[type=submit]")
    alice.wait_for_url("**/dm/hugo,ines/")
    expect(alice.locator("#room-title")).to_have_text("hugo and ines")
    expect(alice.locator("#composer-body")).to_have_attribute("placeholder", "Message hugo and ines")
    wait_live(alice)

    # Her page's socket stored the group: each other member's sidebar lists it, named by the others.
    expect(bob.locator("#direct-list")).to_contain_text("gina and ines")
    expect(carol.locator("#direct-list")).to_contain_text("gina and hugo")

    alice.fill("#composer-body", "hello you two")
    alice.press("#composer-body", "Enter")
    expect(alice.locator("#composer-body")).to_have_value("")
    expect(bob.locator("#direct-list .unread i")).to_have_count(1)
    expect(carol.locator("#direct-list .unread i")).to_have_count(1)

    # ines opens it from her sidebar; the next message arrives on her page live, and hugo's badge counts it.
    carol.locator("#direct-list a", has_text="gina and hugo").click()
    carol.wait_for_url("**/dm/gina,hugo/")
    expect(carol.locator("#messages")).to_contain_text("hello you two")
    wait_live(carol)
    alice.fill("#composer-body", "still there?")
    alice.press("#composer-body", "Enter")
    expect(carol.locator("#messages .message")).to_have_count(2)
    expect(carol.locator("#messages")).to_contain_text("still there?")
    expect(bob.locator("#direct-list .unread i")).to_have_count(2)

    # hugo answers from the group page; both others see it.
    bob.locator("#direct-list a", has_text="gina and ines").click()
    bob.wait_for_url("**/dm/gina,ines/")
    wait_live(bob)
    bob.fill("#composer-body", "here!")
    bob.press("#composer-body", "Enter")
    expect(alice.locator("#messages")).to_contain_text("here!")
    expect(carol.locator("#messages")).to_contain_text("here!")
