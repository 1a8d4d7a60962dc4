"""A person's theme in a real browser: a chosen Dark wins over a light system and a chosen Light over a dark
one, "Follow the system" follows it; both palettes pass axe. The example theme's colours apply and pass
too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.e2e.axe import summary, violations
from tests.e2e.conftest import open_room, sign_up, wait_live
from tests.live_server import LiveServer, migrate, server_env

pytestmark = pytest.mark.browser

DARK_BODY = "rgb(22, 24, 27)"
LIGHT_BODY = "rgb(255, 255, 255)"
PASSWORD = "a-long-passphrase-42"


def body_background(page: Page) -> str:
    return str(page.evaluate("() => getComputedStyle(document.body).backgroundColor"))


def root_property(page: Page, name: str) -> str:
    return str(
        page.evaluate("(name) => getComputedStyle(document.documentElement).getPropertyValue(name)", name)
    )


def log_in(page: Page, base_url: str, username: str) -> Page:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    return page


def choose(page: Page, base_url: str, label: str) -> None:
    """Through the real form, no script involved: the page is drawn by the server in the new theme."""
    page.goto(f"{base_url}/people/me/edit/")
    page.get_by_label(label, exact=True).check()
    with page.expect_navigation():
        page.click(".profile-form button[type=submit]")


def axe_failures(page: Page, base_url: str, what: str, paths: list[str]) -> list[str]:
    failures = []
    for path in paths:
        page.goto(base_url + path)
        if page.locator(".chat").count():
            wait_live(page)
        if found := violations(page):
            failures.append(f"{what} {path}:\n{summary(found)}")
    return failures


def test_a_chosen_theme_wins_over_the_system_and_follow_the_system_follows_it(browser, daphne_server):
    base = daphne_server.url
    light_system = browser.new_context(color_scheme="light")
    dark_system = browser.new_context(color_scheme="dark")
    on_light = sign_up(light_system.new_page(), base, "dana")
    open_room(on_light, base, "lobby")
    wait_live(on_light)
    on_light.fill("#composer-body", "Colours check, with a `code` span")
    on_light.keyboard.press("Enter")
    on_light.wait_for_selector(".message-body:has-text('Colours check')")
    on_dark = log_in(dark_system.new_page(), base, "dana")
    paths = ["/rooms/", "/rooms/lobby/", "/people/me/edit/", "/people/dana/"]
    failures = []

    on_light.goto(f"{base}/rooms/")
    on_dark.goto(f"{base}/rooms/")
    assert (body_background(on_light), body_background(on_dark)) == (LIGHT_BODY, DARK_BODY)

    choose(on_light, base, "Dark")
    on_dark.reload()
    assert on_light.locator("html").get_attribute("data-theme") == "dark"
    assert (body_background(on_light), body_background(on_dark)) == (DARK_BODY, DARK_BODY)
    assert on_light.evaluate("() => getComputedStyle(document.documentElement).colorScheme") == "dark"
    failures += axe_failures(on_light, base, "chosen dark, light system", paths)

    choose(on_dark, base, "Light")
    on_light.reload()
    assert (body_background(on_light), body_background(on_dark)) == (LIGHT_BODY, LIGHT_BODY)
    failures += axe_failures(on_dark, base, "chosen light, dark system", paths)

    choose(on_dark, base, "Follow the system")
    on_light.reload()
    assert (body_background(on_light), body_background(on_dark)) == (LIGHT_BODY, DARK_BODY)

    light_system.close()
    dark_system.close()
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module")
def themed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("themed")
    env = server_env(f"sqlite:///{base / 'db.sqlite3'}", CHAT_THEME_DIRS="themes/example")
    migrate(env)
    server = LiveServer(env, base / "daphne.log").start()
    yield server
    server.stop()


def test_the_example_theme_recolours_both_schemes_without_accessibility_violations(browser, themed_server):
    base = themed_server.url
    setup = browser.new_context()
    page = sign_up(setup.new_page(), base, "erin")
    open_room(page, base, "lobby")
    wait_live(page)
    page.fill("#composer-body", "Green, **please**: https://example.com/")
    page.keyboard.press("Enter")
    page.wait_for_selector(".message-body:has-text('Green')")
    setup.close()

    failures = []
    for scheme, accent in [("light", "#198754"), ("dark", "#3dd68c")]:
        context = browser.new_context(color_scheme=scheme)
        page = log_in(context.new_page(), base, "erin")
        assert root_property(page, "--chat-accent").strip() == accent, scheme
        failures += axe_failures(
            page, base, f"example theme, {scheme}", ["/rooms/", "/rooms/lobby/", "/people/me/edit/"]
        )
        context.close()

    assert not failures, "\n".join(failures)
