"""Screenshots of every page, light and dark, 1280 and 375 px, into docs/screenshots/.

Against a fresh install (its first account becomes the administrator through /setup/), for example:
    DATABASE_URL=sqlite:////tmp/shots.sqlite3 .venv/bin/python manage.py migrate
    DATABASE_URL=sqlite:////tmp/shots.sqlite3 CHAT_SIGNUPS_PER_HOUR=0 \\
        .venv/bin/daphne -p 8302 site_config.asgi:application
    .venv/bin/python scripts/screenshots.py http://127.0.0.1:8302 docs/screenshots
"""

from __future__ import annotations

import pathlib
import sys
from typing import Literal

from playwright.sync_api import Browser, Page, sync_playwright

PASSWORD = "a-long-passphrase-42"  # noqa: S105 - the sample accounts of a throwaway install
SIZES = [(1280, 800), (375, 812)]
ANONYMOUS = [("login", "/accounts/login/"), ("signup", "/accounts/signup/")]
SIGNED_IN = [
    ("rooms", "/rooms/"),
    ("room", "/rooms/general/"),
    ("private-room", "/rooms/plans/"),
    ("room-members", "/rooms/plans/members/"),
    ("room-settings", "/rooms/plans/settings/"),
    ("conversations", "/dm/"),
    ("conversation", "/dm/bob/"),
    ("group-conversation", "/dm/bob,carol/"),
    ("search", "/search/?q=notes"),
    ("mentions", "/mentions/"),
    ("people", "/people/"),
    ("profile", "/people/bob/"),
    ("profile-edit", "/people/me/edit/"),
    ("password-change", "/accounts/password_change/"),
]


def submit(page: Page, base: str, path: str, fields: dict[str, str]) -> None:
    page.goto(base + path)
    for selector, value in fields.items():
        page.fill(selector, value)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def log_in(page: Page, base: str, username: str) -> None:
    submit(page, base, "/accounts/login/", {"#id_username": username, "#id_password": PASSWORD})


def post(page: Page, text: str) -> None:
    page.fill("#composer-body", text)
    page.keyboard.press("Enter")
    page.wait_for_timeout(250)


def live(page: Page, base: str, path: str) -> None:
    page.goto(base + path)
    page.wait_for_selector("#connection-status.is-connected")


def fill(browser: Browser, base: str) -> None:
    """alice (the administrator), bob (with a display name and bio) and carol, a few messages, a private room
    with an invitation link, a one-to-one and a group conversation."""
    new_account = {"#id_password1": PASSWORD, "#id_password2": PASSWORD}
    for number, name in enumerate(["alice", "bob", "carol"]):
        context = browser.new_context()
        path = "/setup/" if number == 0 else "/accounts/signup/"
        submit(context.new_page(), base, path, {"#id_username": name, **new_account})
        context.close()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base, "bob")
    bio = "Builds things. Ask me about the deploy pipeline."
    submit(page, base, "/people/me/edit/", {"#id_display_name": "Bob Builder", "#id_bio": bio})
    live(page, base, "/rooms/general/")
    post(page, "Morning! Deploy went out at 9, all green ✅")
    context.close()
    context = browser.new_context()
    page = context.new_page()
    log_in(page, base, "alice")
    live(page, base, "/rooms/general/")
    post(page, "Nice work @bob! Who has the **notes** from yesterday's retro?")
    post(page, "Agenda for Friday:\n\n- release notes\n- `v2.3` planning\n- lunch 🍕")
    post(page, "Details: https://example.com/retro")
    page.goto(base + "/rooms/")
    page.click("summary:has-text('Create a room')")
    page.fill("#create-name", "Plans")
    page.fill("#create-topic", "Next quarter, privately")
    page.check("input[name=kind][value=private]")
    page.click("button:has-text('Create room')")
    page.wait_for_selector("#connection-status.is-connected")
    post(page, "Draft roadmap is in the shared folder")
    page.goto(base + "/rooms/plans/members/")
    page.click("button:has-text('Make a link')")
    live(page, base, "/dm/bob/")
    post(page, "Lunch at 12?")
    live(page, base, "/dm/bob,carol/")
    post(page, "Party planning, shh 🎉")
    context.close()


def shoot(browser: Browser, base: str, out: pathlib.Path) -> None:
    schemes: list[Literal["light", "dark"]] = ["light", "dark"]
    for scheme in schemes:
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
            page = context.new_page()

            def save(name: str, page: Page = page, scheme: str = scheme, width: int = width) -> None:
                page.screenshot(path=str(out / f"{name}-{scheme}-{width}.jpg"), type="jpeg", quality=80)

            for name, path in ANONYMOUS:
                page.goto(base + path)
                save(name)
            log_in(page, base, "alice")
            for name, path in SIGNED_IN:
                page.goto(base + path)
                if page.locator(".chat").count():
                    page.wait_for_selector("#connection-status.is-connected")
                page.wait_for_timeout(300)
                save(name)
            if width < 600:
                for drawer in ["sidebar", "online-panel"]:
                    live(page, base, f"/rooms/general/#{drawer}")
                    page.wait_for_timeout(400)
                    save(f"room-{drawer}")
            context.close()


def main() -> None:
    base, out = sys.argv[1], pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--disable-background-networking"]
        )
        fill(browser, base)
        shoot(browser, base, out)
        browser.close()


if __name__ == "__main__":
    main()
