"""The chat as a person sees it: a full-window app, drawers on phones, one Tab stop per message, and the rough
edges the experience issue listed, each checked in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up, wait_live

pytestmark = pytest.mark.browser


def post(page: Page, text: str) -> None:
    page.fill("#composer-body", text)
    page.press("#composer-body", "Enter")
    expect(page.locator("#composer-body")).to_have_value("")


def in_view(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert viewport is not None
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= viewport["width"] + 0.5
        and box["y"] + box["height"] <= viewport["height"] + 0.5
    )


def test_a_new_account_lands_in_general_where_only_the_log_scrolls(browser, daphne_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = sign_up(context.new_page(), daphne_server.url, "lena")
    wait_live(page)
    for number in range(8):
        post(page, f"line {number}" + "\n\nand more" * 5)
    expect(page.locator("#messages .message-body").last).to_contain_text("line 7")

    sizes = page.evaluate(
        """() => ({page: document.scrollingElement.scrollHeight, window: innerHeight,
                   log: document.querySelector('.chat-scroller').scrollHeight,
                   logBox: document.querySelector('.chat-scroller').clientHeight})"""
    )
    assert sizes["page"] <= sizes["window"]
    assert sizes["log"] > sizes["logBox"]
    assert in_view(page, "#composer-body")
    assert "times in UTC" in page.locator(".day-divider").first.inner_text()
    context.close()


def test_on_a_phone_the_rooms_and_online_list_are_drawers_and_nothing_is_off_screen(browser, daphne_server):
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = sign_up(context.new_page(), daphne_server.url, "pia")
    wait_live(page)

    wider = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => getComputedStyle(e).position !== 'fixed'"
        " && !e.closest('.drawer') && e.getBoundingClientRect().right > 375.5)"
        ".map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, wider
    assert in_view(page, "#composer-body")
    assert in_view(page, ".site-header")
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(page.locator("#online-panel")).to_be_hidden()

    page.click(".drawer-toggle[href='#sidebar']")
    expect(page.locator("#sidebar")).to_be_visible()
    page.wait_for_function("getComputedStyle(document.querySelector('#sidebar')).transform === 'none'")
    assert in_view(page, "#sidebar a[aria-current='page']")
    page.locator("#sidebar .drawer-close").click()
    expect(page.locator("#sidebar")).to_be_hidden()

    page.click(".drawer-toggle[href='#online-panel']")
    expect(page.locator("#online-panel")).to_contain_text("pia")
    page.locator("#online-panel .drawer-close").click()
    expect(page.locator("#online-panel")).to_be_hidden()
    context.close()


def test_each_message_is_one_tab_stop_whose_menu_opens_with_enter(browser, daphne_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = sign_up(context.new_page(), daphne_server.url, "kai")
    page.goto(f"{daphne_server.url}/rooms/keys/")
    with page.expect_navigation():
        page.locator("form.create-room button").click()
    wait_live(page)
    for text in ["one", "two", "three", "four"]:
        post(page, text)
    expect(page.locator("#messages .message-body")).to_have_count(4)
    expect(page.locator("#messages .message-body").last).to_have_text("four")

    page.focus(".chat-scroller")
    stops = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement; const m = e.closest('.message');"
            " return [e.id || e.tagName, m ? m.id : ''] })()"
        )
        if focused[0] == "composer-body":
            break
        stops.append(focused)
    messages = [message for _, message in stops]
    assert len(messages) == 4
    assert len(set(messages)) == 4

    page.focus(".chat-scroller")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    menu = page.locator(".message-more[open] .message-actions")
    expect(menu.get_by_role("link", name="Reply")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.message-actions') !== null")

    # React by keyboard: the palette replaces the link, and the focus moves onto it, then to its first emoji.
    menu.get_by_role("link", name="React").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.activeElement.tagName === 'SUMMARY' && document.activeElement.id.startsWith('react-')"
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("React with ")
    page.keyboard.press("Enter")
    expect(page.locator(".reaction").first).to_be_visible()
    context.close()


def test_the_rough_edges_are_gone(browser, daphne_server):
    base = daphne_server.url
    first = browser.new_context(viewport={"width": 1280, "height": 800})
    olga = sign_up(first.new_page(), base, "olga")
    wait_live(olga)
    # Her own name in the online list leads to her profile, never to a conversation with herself.
    expect(olga.locator("#online-users a", has_text="olga")).to_have_attribute("href", "/people/olga/")
    # The room page shows no count of the whole site next to the room's own list.
    expect(olga.locator("#online-total")).to_have_count(0)

    other = browser.new_context(viewport={"width": 1280, "height": 800})
    sign_up(other.new_page(), base, "petr").close()
    second_tab = first.new_page()
    second_tab.goto(f"{base}/dm/petr/")
    expect(second_tab.locator("#composer-body")).to_have_attribute("placeholder", "Message petr")
    wait_live(second_tab)
    post(second_tab, "from my other tab")

    # The first tab learns of the new conversation; her own messages count nothing there: no "0" badge.
    entry = olga.locator("#direct-list li", has_text="petr")
    expect(entry).to_be_visible()
    post(second_tab, "and another")
    badge = entry.locator(".unread")
    expect(badge.locator("i").first).to_be_attached()
    assert badge.evaluate("e => getComputedStyle(e, '::after').content") == "none"

    # Entering a room shows the reader in its online list from the first paint, never "Nobody is online".
    olga.goto(f"{base}/rooms/general/")
    expect(olga.locator("#online-users")).to_contain_text("olga")
    seen_empty = olga.evaluate(
        """async () => { let empty = false;
            for (let i = 0; i < 20; i++) {
              if (!document.querySelector('#online-users li')) empty = true;
              await new Promise(r => setTimeout(r, 50)); }
            return empty; }"""
    )
    assert not seen_empty
    olga.goto(f"{base}/rooms/")
    expect(olga.locator("#online-total")).to_contain_text("online")
    first.close()
    other.close()
