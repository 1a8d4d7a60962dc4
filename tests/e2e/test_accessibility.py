"""Every page has zero axe-core violations (WCAG 2.0-2.2 A/AA and best practice), light and dark, desktop
and phone, with real content on it: messages, a reply, a reaction, a mention, a conversation, search hits."""

from __future__ import annotations

import pytest

from tests.e2e.axe import summary, violations
from tests.e2e.conftest import open_room, sign_up, wait_live

pytestmark = pytest.mark.browser

SIZES = [(1280, 800), (375, 812)]
SCHEMES = ["light", "dark"]


def fill_the_chat(page, base_url: str) -> None:
    """alice talks in #lobby (a reply, a reaction, a mention of bob) and to bob; bob exists already."""
    open_room(page, base_url, "lobby")
    wait_live(page)
    for body in ["Good morning **team**", "Who has the `notes`? @bob", "https://example.com/agenda"]:
        page.fill("#composer-body", body)
        page.keyboard.press("Enter")
        page.wait_for_selector(f".message-body:has-text('{body.split()[0]}')")
    page.goto(f"{base_url}/dm/bob/")
    wait_live(page)
    page.fill("#composer-body", "Just between us")
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-body:has-text('Just between us')")


def pages(base_url: str) -> list[str]:
    return [
        "/rooms/",
        "/rooms/lobby/",
        "/rooms/lobby/members/",
        "/rooms/lobby/settings/",
        "/rooms/nowhere-yet/",
        "/dm/",
        "/dm/bob/",
        "/mentions/",
        "/search/?q=notes",
        "/search/?q=x",
    ]


def test_every_page_has_no_accessibility_violations_light_and_dark_wide_and_narrow(browser, daphne_server):
    base = daphne_server.url
    for name in ["bob", "alice"]:
        setup = browser.new_context()
        page = sign_up(setup.new_page(), base, name)
        if name == "alice":
            fill_the_chat(page, base)
        setup.close()

    failures = []
    for scheme in SCHEMES:
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
            page = context.new_page()
            for path in ["/accounts/login/", "/accounts/signup/"]:
                page.goto(base + path)
                if found := violations(page):
                    failures.append(f"{scheme} {width}px {path}:\n{summary(found)}")
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", "alice")
            page.fill("#id_password", "a-long-passphrase-42")
            with page.expect_navigation():
                page.click("button[type=submit]")
            for path in pages(base):
                page.goto(base + path)
                if page.locator(".chat").count():
                    wait_live(page)
                if found := violations(page):
                    failures.append(f"{scheme} {width}px {path}:\n{summary(found)}")
            context.close()

    assert not failures, "\n".join(failures)
