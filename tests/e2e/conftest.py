from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.live_server import LiveServer, migrate, server_env
from tests.services import IN_CI

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

pytestmark = pytest.mark.browser


def require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    reason = f"Debian chromium not found at {CHROMIUM} (make test installs it when run as root)"
    if IN_CI:
        pytest.fail(reason + ": browser tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def daphne_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("live")
    env = server_env(
        f"sqlite:///{base / 'db.sqlite3'}", PRESENCE_TTL_SECONDS="5", PRESENCE_HEARTBEAT_SECONDS="1"
    )
    migrate(env)
    server = LiveServer(env, base / "daphne.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            args=["--disable-background-networking", "--disable-component-update", "--no-sandbox"],
        )
        yield browser
        browser.close()


@pytest.fixture
def signed_in(browser, daphne_server) -> Iterator[Callable[..., Page]]:
    """A page of a new browser context, signed up through the real form."""
    contexts = []

    def open_as(
        username: str, width: int = 1200, height: int = 760, server: LiveServer | None = None
    ) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return sign_up(context.new_page(), (server or daphne_server).url, username)

    yield open_as
    for context in contexts:
        context.close()


def sign_up(page: Page, base_url: str, username: str) -> Page:
    page.goto(f"{base_url}/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", "a-long-passphrase-42")
    page.fill("#id_password2", "a-long-passphrase-42")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith("/rooms/general/"), page.url
    return page


def wait_live(page: Page) -> None:
    """The server's first frame marks the socket open; sending before it would only queue."""
    page.wait_for_selector("#connection-status.is-connected", timeout=10_000)


def open_room(page: Page, base_url: str, name: str) -> Page:
    """Visit a room by its address; a room nobody has made yet is offered for creation: one click."""
    page.goto(f"{base_url}/rooms/{name}/")
    create = page.locator("form.create-room button")
    if create.count():
        with page.expect_navigation():
            create.click()
    assert page.url.endswith(f"/rooms/{name}/"), page.url
    return page
