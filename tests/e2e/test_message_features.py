"""Messages people work with, in a real browser, seen by two people at once: Markdown, the multi-line
composer, edit in place, reactions, replies, @mentions, the typing line, fast typing and delete.

Alice and Bob share one room for the whole module (signing up costs a password hash each); every test posts
its own messages and finds them by their text, so the tests stay independent of each other's content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import open_room, sign_up, wait_live
from tests.live_server import LiveServer, migrate, server_env

pytestmark = pytest.mark.browser

ROOM = "features"
SHOTS = Path("/tmp/shots")
LIVE = 5_000  # ms: a frame over loopback arrives in well under a second; this is the margin for a busy CI


@dataclass
class Chat:
    url: str
    alice: Page
    bob: Page
    console: list[str] = field(default_factory=list)

    def message(self, page: Page, text: str) -> Locator:
        return page.locator("#messages .message", has_text=text)

    def pk(self, page: Page, text: str) -> int:
        message = self.message(page, text)
        expect(message).to_have_count(1, timeout=LIVE)
        return int((message.get_attribute("id") or "").removeprefix("message-"))

    def user_pk(self, page: Page) -> int:
        """The viewer's id, from the per-page rule that styles their own messages."""
        style = page.locator("head style").first.inner_html()
        found = re.search(r'\.message\[data-author="(\d+)"\]', style)
        assert found, style
        return int(found.group(1))


def post(page: Page, text: str) -> None:
    page.fill("#composer-body", text)
    page.press("#composer-body", "Enter")
    expect(page.locator("#composer-body")).to_have_value("")


def show_actions(message: Locator) -> Locator:
    """A message's actions appear on hover (opacity, pointer-events), as a reader's mouse would see them."""
    message.locator(".message-body").hover()
    return message.locator(".message-actions")


@pytest.fixture(scope="module")
def daphne_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The suite's live server, with the post rate limit out of the way: two people here post, edit and
    react a dozen times in as many seconds, which the limit (tested elsewhere) would rightly refuse."""
    base = tmp_path_factory.mktemp("live")
    env = server_env(f"sqlite:///{base / 'db.sqlite3'}", CHAT_RATE_LIMIT_MESSAGES="1000")
    migrate(env)
    server = LiveServer(env, base / "daphne.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chat(browser, daphne_server) -> Iterator[Chat]:
    contexts = [browser.new_context(viewport={"width": 1280, "height": 800}) for _ in range(2)]
    console: list[str] = []
    pages = []
    for context, name in zip(contexts, ("alice", "bob"), strict=True):
        page = context.new_page()
        page.on(
            "console",
            lambda msg, name=name: (
                console.append(f"{name} {msg.type}: {msg.text}") if msg.type in ("error", "warning") else None
            ),
        )
        page.on("pageerror", lambda error, name=name: console.append(f"{name} pageerror: {error}"))
        page.on(
            "response",
            lambda response, name=name: (
                console.append(f"{name} HTTP {response.status}: {response.request.method} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        sign_up(page, daphne_server.url, name)
        open_room(page, daphne_server.url, ROOM)
        wait_live(page)
        pages.append(page)
    console.clear()  # the room's creation page (a 404 by design) is behind us
    yield Chat(daphne_server.url, pages[0], pages[1], console)
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def tidy(chat: Chat) -> Iterator[None]:
    """What a test leaves open (a reaction palette, focus that keeps a message's actions shown) would cover
    the next test's targets: close it, as a person would by clicking elsewhere."""
    yield
    for page in (chat.alice, chat.bob):
        page.evaluate(
            "() => { document.querySelectorAll('details[open]').forEach(d => { d.open = false; });"
            " document.activeElement?.blur(); }"
        )
        page.mouse.move(0, 0)


def test_a_formatted_multi_line_message_reaches_the_other_reader_rendered(chat: Chat):
    composer = chat.alice.locator("#composer-body")
    composer.click()
    lines = [
        "**bold** and *leaning* with [the docs](https://example.com/docs)",
        "a second line",
        "```",
        "print('hi')",
        "```",
    ]
    for n, line in enumerate(lines):
        if n:
            chat.alice.keyboard.press("Shift+Enter")  # a new line, not a send
        chat.alice.keyboard.type(line)
    expect(composer).to_have_value("\n".join(lines))
    chat.alice.keyboard.press("Enter")
    expect(composer).to_have_value("")

    body = chat.message(chat.bob, "a second line").locator(".message-body")
    expect(body.locator("strong")).to_have_text("bold", timeout=LIVE)
    expect(body.locator("em")).to_have_text("leaning")
    link = body.locator('a[href="https://example.com/docs"][target="_blank"][rel~="nofollow"]')
    expect(link).to_have_text("the docs")
    expect(body.locator("pre > code")).to_have_text("print('hi')")
    # Two lines of one paragraph (Shift+Enter is a line break), then the code block.
    expect(body.locator("p br")).to_have_count(1)
    paragraph = body.locator("p").first.inner_text()
    assert paragraph.splitlines() == ["bold and leaning with the docs", "a second line"], paragraph


def test_an_edit_in_place_shows_live_and_escape_restores(chat: Chat):
    post(chat.alice, "a first draft")
    pk = chat.pk(chat.alice, "a first draft")
    mine, theirs = (page.locator(f"#message-{pk}") for page in (chat.alice, chat.bob))
    expect(theirs).to_contain_text("a first draft", timeout=LIVE)

    show_actions(mine).locator(".message-edit").click()
    editor = mine.locator(".message-edit-form textarea[name=body]")
    expect(editor).to_have_value("a first draft", timeout=LIVE)
    editor.fill("the final word")
    editor.press("Enter")

    expect(theirs.locator(".message-body")).to_have_text("the final word", timeout=LIVE)
    expect(theirs.locator(".message-edited")).to_be_visible()
    expect(mine.locator(".message-edit-form")).to_have_count(0, timeout=LIVE)
    expect(mine.locator(".message-body")).to_have_text("the final word")

    # Escape on a reopened editor puts the message back as it is, nothing sent.
    show_actions(mine).locator(".message-edit").click()
    editor = mine.locator(".message-edit-form textarea[name=body]")
    expect(editor).to_have_value("the final word", timeout=LIVE)
    editor.fill("never saved")
    editor.press("Escape")
    expect(mine.locator(".message-edit-form")).to_have_count(0, timeout=LIVE)
    expect(mine.locator(".message-body")).to_have_text("the final word")
    expect(mine.locator(".message-edited")).to_be_visible()
    expect(theirs.locator(".message-body")).to_have_text("the final word")


def react_palette(page: Page, message: Locator) -> Locator:
    """The palette loads when React is clicked (hx-get), already open; once loaded, React toggles it."""
    actions = show_actions(message)
    loaded = actions.locator("details.message-react > summary")
    if loaded.count():
        loaded.click()
    else:
        actions.get_by_role("link", name="React", exact=True).click()
    palette = message.locator(".react-palette")
    expect(palette).to_be_visible(timeout=LIVE)
    return palette


def test_a_reaction_shows_for_the_author_and_a_second_click_takes_it_back(chat: Chat):
    post(chat.alice, "react to this one")
    pk = chat.pk(chat.alice, "react to this one")
    bob_pk = chat.user_pk(chat.bob)
    theirs = chat.bob.locator(f"#message-{pk}")
    expect(theirs).to_be_visible(timeout=LIVE)

    # The palette of the newest message is out of the mouse's reach (see the xfail below): the keyboard
    # reaches it, as a keyboard user would.
    react_palette(chat.bob, theirs).get_by_role("button", name="React with 👍").press("Enter")

    chip = chat.alice.locator(f'#reactions-{pk} [data-reaction="👍"]')
    expect(chip.locator(".reaction-count")).to_have_text("1", timeout=LIVE)
    expect(chip).to_have_attribute("data-by", re.compile(rf"(^|\s){bob_pk}(\s|$)"))
    # Bob's page marks the chip as his own (the per-page [data-by~=…] rule), Alice's does not.
    own_chip = chat.bob.locator(f'#reactions-{pk} [data-reaction="👍"]')
    expect(own_chip).to_be_visible(timeout=LIVE)
    assert own_chip.evaluate("e => getComputedStyle(e).borderColor") != chip.evaluate(
        "e => getComputedStyle(e).borderColor"
    )

    own_chip.click()
    expect(chip).to_have_count(0, timeout=LIVE)
    expect(chat.bob.locator(f"#reactions-{pk} .reaction")).to_have_count(0, timeout=LIVE)


def test_the_react_palette_of_the_newest_message_is_within_reach(chat: Chat):
    post(chat.alice, "one message")
    post(chat.alice, "and the newest, right under it")
    pk = chat.pk(chat.alice, "and the newest, right under it")
    theirs = chat.bob.locator(f"#message-{pk}")
    expect(theirs).to_be_visible(timeout=LIVE)

    palette = react_palette(chat.bob, theirs)
    reach = palette.evaluate(
        """p => { const box = p.getBoundingClientRect();
                  const log = p.closest('.chat-scroller').getBoundingClientRect();
                  return {bottom: box.bottom, top: box.top, logTop: log.top, logBottom: log.bottom}; }"""
    )
    assert reach["logTop"] <= reach["top"], reach
    assert reach["bottom"] <= reach["logBottom"], reach
    palette.get_by_role("button", name="React with 👍").click(timeout=2_000)
    expect(chat.alice.locator(f'#reactions-{pk} [data-reaction="👍"]')).to_be_visible(timeout=LIVE)


def test_a_reply_quotes_and_links_the_message_it_answers(chat: Chat):
    post(chat.alice, "who is bringing snacks?")
    pk = chat.pk(chat.alice, "who is bringing snacks?")
    theirs = chat.bob.locator(f"#message-{pk}")
    expect(theirs).to_be_visible(timeout=LIVE)

    show_actions(theirs).get_by_role("link", name="Reply").click()
    expect(chat.bob.locator("#composer-reply input[name=reply_to]")).to_have_value(str(pk), timeout=LIVE)
    expect(chat.bob.locator("#composer-reply")).to_contain_text("who is bringing snacks?")
    post(chat.bob, "I am, crisps")

    reply = chat.message(chat.alice, "I am, crisps")
    quote = reply.locator(".message-reply")
    expect(quote).to_have_attribute("href", f"/rooms/{ROOM}/messages/{pk}/", timeout=LIVE)
    expect(quote).to_contain_text("who is bringing snacks?")
    # The quote in Bob's composer goes once the reply is stored.
    expect(chat.bob.locator("#composer-reply input")).to_have_count(0, timeout=LIVE)


def test_a_mention_raises_the_badge_live_highlights_and_is_listed(chat: Chat):
    badge = chat.alice.locator("#mention-count")
    before = badge.locator(".badge")
    count = int(before.inner_text()) if before.count() else 0
    alice_pk = chat.user_pk(chat.alice)

    post(chat.bob, "nothing for anyone")
    post(chat.bob, "lunch at noon, @alice?")

    expect(badge.locator(".badge")).to_have_text(str(count + 1), timeout=LIVE)
    mine = chat.message(chat.alice, "lunch at noon")
    expect(chat.message(chat.alice, "nothing for anyone")).to_be_visible()
    chat.alice.mouse.move(0, 0)  # a hovered message has a background of its own
    expect(mine.locator(f'a.mention[data-user="{alice_pk}"]')).to_have_text("@alice")
    highlighted, plain = (
        chat.message(chat.alice, text)
        .locator(".message-main")
        .evaluate("e => getComputedStyle(e).backgroundColor")
        for text in ("lunch at noon", "nothing for anyone")
    )
    assert highlighted != plain, highlighted

    listing = chat.alice.context.new_page()
    try:
        listing.goto(f"{chat.url}/mentions/")
        entry = listing.locator(".mention-entry", has_text="lunch at noon")
        expect(entry).to_contain_text("bob")
        message_pk = chat.pk(chat.alice, "lunch at noon")
        expect(entry.locator(f'a[href="/rooms/{ROOM}/messages/{message_pk}/"]')).to_have_count(1)
        # Seen: the badge on the room page, open all along, clears live.
        expect(badge.locator(".badge")).to_have_count(0, timeout=LIVE)
    finally:
        listing.close()


def test_the_typing_line_names_the_typist_to_others_only_and_clears_on_send(chat: Chat):
    alice_typing = chat.bob.locator("#typing .typing-line:visible", has_text="alice")
    expect(alice_typing).to_have_count(0, timeout=8_000)  # whatever earlier tests typed has expired
    # A fresh page: typing frames within 1.8 s of this socket's last post are ignored by design, and the
    # page's throttle window may still be open from the last test's typing.
    chat.alice.reload()
    wait_live(chat.alice)

    chat.alice.locator("#composer-body").click()
    chat.alice.keyboard.type("on my way", delay=30)

    expect(alice_typing).to_have_text("alice is typing…", timeout=LIVE)
    # Alice's page got the same line, and shows her the variant without her own name.
    everyone = chat.alice.locator("#typing .typing-line[data-everyone]")
    expect(everyone).to_contain_text("alice")
    expect(everyone).to_be_hidden()
    alice_pk = chat.user_pk(chat.alice)
    expect(chat.alice.locator(f'#typing .typing-line[data-without="{alice_pk}"]')).to_be_attached()
    assert "alice" not in chat.alice.locator("#typing").inner_text()

    chat.alice.keyboard.press("Enter")
    expect(chat.message(chat.bob, "on my way")).to_be_visible(timeout=LIVE)
    expect(alice_typing).to_have_count(0, timeout=LIVE)


def test_a_quick_reply_does_not_leave_its_sender_typing(chat: Chat, browser):
    contexts = [browser.new_context() for _ in range(2)]
    try:
        carol, dave = (context.new_page() for context in contexts)
        sent: list[str] = []
        carol.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
        for page, name in ((carol, "carol"), (dave, "dave")):
            sign_up(page, chat.url, name)
            open_room(page, chat.url, ROOM)
            wait_live(page)

        # Two keys and Enter, quickly: the first key's typing frame opens a throttle window.
        carol.locator("#composer-body").click()
        carol.keyboard.type("ok")
        carol.keyboard.press("Enter")
        ok = dave.locator("#messages .message-body", has_text=re.compile(r"^\s*ok\s*$"))
        expect(ok).to_be_visible(timeout=LIVE)
        expect(dave.locator("#typing .typing-line:visible", has_text="carol")).to_have_count(0, timeout=LIVE)

        # The window closes ~2 s after the first key: wait for any frame it sends after the post.
        posted = next(n for n, frame in enumerate(sent) if '"body"' in frame)
        for _ in range(60):
            if any('"typing"' in frame for frame in sent[posted:]):
                break
            carol.wait_for_timeout(50)
        # Dave starts typing: the next line the room gets names whoever the server counts as typing.
        dave.locator("#composer-body").press_sequentially("h")
        expect(dave.locator("#typing .typing-line[data-everyone]")).to_have_text(
            "dave is typing…", timeout=3_000
        )
    finally:
        for context in contexts:
            context.close()


def test_keys_typed_right_after_enter_all_arrive_in_the_next_message(chat: Chat):
    quick = "abcdefghijklmnopqrstuvwxyz0123"
    assert len(quick) == 30
    composer = chat.alice.locator("#composer-body")
    composer.fill("the first of two")
    composer.press("Enter")
    chat.alice.keyboard.type(quick, delay=20)
    expect(composer).to_have_value(quick)
    chat.alice.keyboard.press("Enter")

    expect(chat.message(chat.bob, quick).locator(".message-body")).to_have_text(quick, timeout=LIVE)
    expect(chat.message(chat.bob, "the first of two").locator(".message-body")).to_have_text(
        "the first of two"
    )
    expect(composer).to_have_value("")


def test_delete_asks_first_and_leaves_a_tombstone(chat: Chat):
    post(chat.alice, "a regrettable remark")
    pk = chat.pk(chat.alice, "a regrettable remark")
    theirs = chat.bob.locator(f"#message-{pk}")
    expect(theirs).to_be_visible(timeout=LIVE)

    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(f"{dialog.type}: {dialog.message}")
        dialog.accept()

    chat.alice.on("dialog", answer)
    try:
        show_actions(chat.alice.locator(f"#message-{pk}")).locator(".message-delete").click()
        expect(theirs).to_have_class(re.compile(r"\bmessage-deleted\b"), timeout=LIVE)
    finally:
        chat.alice.remove_listener("dialog", answer)
    assert asked == ["confirm: Delete this message?"], asked
    expect(theirs.locator(".message-body")).to_have_text("This message was deleted.")
    expect(theirs).not_to_contain_text("a regrettable remark")


def test_screenshots_of_the_room_light_and_dark(chat: Chat):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = chat.alice
    # A reaction on the page, so the chips are in the picture.
    pk = chat.pk(page, "a second line")
    react_palette(chat.bob, chat.bob.locator(f"#message-{pk}")).get_by_role(
        "button", name="React with 👍"
    ).click()
    expect(page.locator(f'#reactions-{pk} [data-reaction="👍"]')).to_be_visible(timeout=LIVE)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        # No focus left to keep a message's actions shown; the log at its newest (hovering scrolled it).
        page.evaluate(
            "() => { document.activeElement?.blur();"
            " document.querySelector('.chat-scroller').scrollTop = 0; }"
        )
        page.mouse.move(0, 0)
        page.screenshot(path=str(SHOTS / f"features-{scheme}.png"))
        # The hover state with the palette open, to review the actions' placement.
        message = page.locator(f"#message-{pk}")
        react_palette(page, message)
        page.screenshot(path=str(SHOTS / f"features-{scheme}-react.png"))
        message.locator("details.message-react > summary").click()
    page.emulate_media(color_scheme="light")
    assert not [line for line in chat.console if "error" in line], chat.console
