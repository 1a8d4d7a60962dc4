"""Rooms and people end to end: a private room, an invitation link, someone outside it, and a ban."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import sign_up, wait_live

pytestmark = pytest.mark.browser

PASSWORD = "a-long-passphrase-42"


def test_a_private_room_by_invitation_is_invisible_to_others_and_a_ban_signs_out_at_once(
    browser, daphne_server
):
    base = daphne_server.url
    contexts = [browser.new_context(viewport={"width": 1200, "height": 760}) for _ in range(4)]
    staff_page, a, b, c = (context.new_page() for context in contexts)

    # The first run makes the administrator (staff).
    staff_page.goto(f"{base}/setup/")
    staff_page.fill("#id_username", "admin")
    staff_page.fill("#id_password1", PASSWORD)
    staff_page.fill("#id_password2", PASSWORD)
    with staff_page.expect_navigation():
        staff_page.click("button[type=submit]")
    for page, name in [(a, "ann"), (b, "ben"), (c, "cat")]:
        sign_up(page, base, name)

    # Ann creates a private room and makes an invitation link.
    a.goto(f"{base}/rooms/")
    a.click("summary:has-text('Create a room')")
    a.fill("#create-name", "Plans")
    a.fill("#create-topic", "Next quarter")
    a.check("input[name=kind][value=private]")
    with a.expect_navigation():
        a.click("button:has-text('Create room')")
    assert a.url.endswith("/rooms/plans/")
    a.click(".room-members-link")
    a.click("button:has-text('Make a link')")
    link = a.input_value("input[aria-label='Invitation link']")
    assert "/invite/" in link

    # Ben joins with it and they chat live.
    b.goto(link)
    with b.expect_navigation():
        b.click("button:has-text('Join #Plans')")
    assert b.url.endswith("/rooms/plans/")
    a.goto(f"{base}/rooms/plans/")
    wait_live(a)
    wait_live(b)
    b.fill("#composer-body", "secret roadmap ready")
    b.keyboard.press("Enter")
    a.wait_for_selector(".message-body:has-text('secret roadmap ready')")

    # Cat gets the same not-found answer as for a room that does not exist, and finds nothing in search.
    response = c.goto(f"{base}/rooms/plans/")
    assert response is not None
    assert response.status == 404
    assert "roadmap" not in c.content()
    c.goto(f"{base}/search/?q=roadmap")
    assert c.locator("[id^=result-]").count() == 0
    assert "Plans" not in c.goto(f"{base}/rooms/").text()

    # Cat has a room open; staff bans her and her page says she is signed out, without a reload.
    c.goto(f"{base}/rooms/lobby/")
    create = c.locator("form.create-room button")
    if create.count():
        with c.expect_navigation():
            create.click()
    wait_live(c)
    staff_page.goto(f"{base}/people/cat/ban/")
    staff_page.check("#id_confirm")
    with staff_page.expect_navigation():
        staff_page.click("button:has-text('Ban')")
    c.wait_for_selector("#connection-status:has-text('Signed out')", timeout=5_000)
    c.reload()
    assert "/accounts/login/" in c.url

    for context in contexts:
        context.close()
