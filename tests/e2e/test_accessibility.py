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
    """alice (the administrator) talks in #lobby (a mention, a link), to bob, to bob and carol, and makes
    a private room with an invitation link; bob and carol exist already."""
    page.goto(f"{base_url}/rooms/")
    page.click("summary:has-text('Create a room')")
    page.fill("#create-name", "Plans")
    page.fill("#create-topic", "Next quarter")
    page.check("input[name=kind][value=private]")
    with page.expect_navigation():
        page.click("button:has-text('Create room')")
    page.goto(f"{base_url}/rooms/plans/members/")
    page.click("button:has-text('Make a link')")
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
    page.goto(f"{base_url}/dm/bob,carol/")
    wait_live(page)
    page.fill("#composer-body", "All three of us")
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-body:has-text('All three of us')")


def pages(invitation: str) -> list[str]:
    return [
        "/rooms/",
        "/rooms/general/",
        "/rooms/plans/",
        "/rooms/plans/members/",
        "/rooms/plans/delete/",
        invitation,
        "/invite/" + "A" * 43 + "/",
        "/dm/bob,carol/",
        "/people/",
        "/people/bob/",
        "/people/bob/ban/",
        "/people/me/edit/",
        "/accounts/password_change/",
        "/accounts/invitations/",
        "/accounts/delete/",
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


def log_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-passphrase-42")
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_every_page_has_no_accessibility_violations_light_and_dark_wide_and_narrow(browser, daphne_server):
    base = daphne_server.url
    first_run = browser.new_context()
    page = first_run.new_page()
    page.goto(f"{base}/setup/")
    failures_before = [f"/setup/:\n{summary(found)}"] if (found := violations(page)) else []
    page.fill("#id_username", "alice")
    page.fill("#id_password1", "a-long-passphrase-42")
    page.fill("#id_password2", "a-long-passphrase-42")
    with page.expect_navigation():
        page.click("button[type=submit]")
    first_run.close()
    for name in ["bob", "carol"]:
        setup = browser.new_context()
        sign_up(setup.new_page(), base, name)
        setup.close()
    setup = browser.new_context()
    page = setup.new_page()
    log_in(page, base, "alice")
    fill_the_chat(page, base)
    page.goto(f"{base}/rooms/plans/members/")
    invitation = page.input_value("input[aria-label='Invitation link']").removeprefix(base)
    setup.close()

    failures = failures_before
    for scheme in SCHEMES:
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
            page = context.new_page()
            for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"]:
                page.goto(base + path)
                if found := violations(page):
                    failures.append(f"{scheme} {width}px {path}:\n{summary(found)}")
            log_in(page, base, "alice")
            for path in pages(invitation):
                page.goto(base + path)
                if page.locator(".chat").count():
                    wait_live(page)
                if found := violations(page):
                    failures.append(f"{scheme} {width}px {path}:\n{summary(found)}")
            context.close()

    assert not failures, "\n".join(failures)
