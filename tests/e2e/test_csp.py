"""The shipped Content-Security-Policy breaks nothing: real Chromium pages under it log no violation, their
sockets connect, Enter sends, the other page gets the message, and the reconnect indicator still works."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_up, wait_live

pytestmark = pytest.mark.browser

# Runs before any page script (injected by the browser's debugging protocol, which the CSP does not govern).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI} (${event.sample})`);
});
"""


class Watched:
    """A page whose CSP complaints are collected, from the console and from securitypolicyviolation events."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self) -> list[str]:
        try:
            recorded = self.page.evaluate("window.__cspViolations || []")
        except Exception:
            recorded = []
        return [*self.console, *recorded]


def open_room(page: Page, base_url: str, name: str) -> None:
    """Opens (creating if needed) a room through the room selector's form, as a person would."""
    page.goto(f"{base_url}/rooms/")
    form = page.locator("form.open-room")
    form.locator("input[name=name]").fill(name)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(f"/rooms/{name}/"), page.url


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers["content-security-policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def test_the_account_pages_run_under_the_policy(browser, daphne_server):
    context = browser.new_context()
    watched = Watched(context.new_page())

    response = watched.page.goto(f"{daphne_server.url}/accounts/login/")
    assert "'unsafe-inline'" not in policy_of(response)["script-src"]
    sign_up(watched.page, daphne_server.url, "csp-newcomer")

    assert watched.violations() == []
    context.close()


def test_a_room_works_under_the_policy_with_no_violation(signed_in, daphne_server):
    alice = Watched(signed_in("csp-alice"))
    bob = Watched(signed_in("csp-bob"))
    open_room(alice.page, daphne_server.url, "policed")
    for watched in (alice, bob):
        response = watched.page.goto(f"{daphne_server.url}/rooms/policed/")
        policy = policy_of(response)
        assert policy["script-src"] == ["'self'", "'unsafe-eval'"]
        assert any(value.startswith("'nonce-") for value in policy["style-src"])
        wait_live(watched.page)
        expect(watched.page.locator("#connection-status")).to_have_text("Live")

    # The nonced per-viewer <style> applies: the own-message rule shows the delete control of one's messages.
    alice.page.fill("#composer-body", "Under the policy")
    alice.page.press("#composer-body", "Enter")

    expect(bob.page.locator("#messages .message").last).to_contain_text("Under the policy")
    own_delete = alice.page.locator("#messages .message").last.locator(".message-delete")
    if own_delete.count():
        expect(own_delete).to_be_visible()
        expect(bob.page.locator("#messages .message").last.locator(".message-delete")).to_be_hidden()

    # The room list page (its own socket) too.
    bob.page.goto(f"{daphne_server.url}/rooms/")
    wait_live(bob.page)

    assert alice.violations() == []
    assert bob.violations() == []


def test_the_reconnect_indicator_and_reconnection_work_under_the_policy(signed_in, daphne_server):
    """The indicator fetches a data: URL (connect-src data:) the moment the socket drops."""
    watched = Watched(signed_in("csp-reconnecting"))
    open_room(watched.page, daphne_server.url, "dropping")
    wait_live(watched.page)

    daphne_server.kill()
    expect(watched.page.locator("#connection-status")).to_have_text("Reconnecting…", timeout=10_000)
    daphne_server.start()
    expect(watched.page.locator("#connection-status")).to_have_text("Live", timeout=30_000)

    assert watched.violations() == []
