"""What a message's text looks like once formatted: a small, safe subset of Markdown, links and @mentions."""

from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from messaging import actions, formatting
from messaging.formatting import format_text, render
from messaging.models import Message
from rooms.models import Membership, Room

LINK = 'rel="nofollow noopener noreferrer ugc" target="_blank"'
BOB = 7
PEOPLE = {"bob": BOB}


def mention(name: str, pk: int) -> str:
    return (
        f'<a class="mention" data-user="{pk}" href="{reverse("messaging:direct", args=[name])}">@{name}</a>'
    )


class Links(HTMLParser):
    """The attributes of every <a> in a fragment."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


# Paragraphs and line breaks


def test_a_line_is_a_paragraph():
    assert render("hello") == "<p>hello</p>"


def test_shift_enter_newlines_become_line_breaks():
    assert render("one\ntwo\nthree") == "<p>one<br>\ntwo<br>\nthree</p>"


def test_a_blank_line_starts_a_new_paragraph_and_more_blank_lines_change_nothing():
    assert render("one\n\ntwo") == "<p>one</p>\n<p>two</p>"
    assert render("one\n\n\n\ntwo") == "<p>one</p>\n<p>two</p>"


# Inline styles


@pytest.mark.parametrize(
    ("text", "html"),
    [
        pytest.param("**bold**", "<p><strong>bold</strong></p>", id="bold"),
        pytest.param("__bold__", "<p><strong>bold</strong></p>", id="bold with underscores"),
        pytest.param("*italic*", "<p><em>italic</em></p>", id="italic"),
        pytest.param("_italic_", "<p><em>italic</em></p>", id="italic with underscores"),
        pytest.param("***both***", "<p><em><strong>both</strong></em></p>", id="bold italic"),
        pytest.param("~~gone~~", "<p><s>gone</s></p>", id="strikethrough"),
        pytest.param("`code`", "<p><code>code</code></p>", id="inline code"),
        pytest.param(
            "a **b** *c* ~~d~~ `e`",
            "<p>a <strong>b</strong> <em>c</em> <s>d</s> <code>e</code></p>",
            id="mixed",
        ),
    ],
)
def test_inline_styles(text, html):
    assert render(text) == html


def test_underscores_inside_words_stay_as_typed():
    assert render("call snake_case_name now") == "<p>call snake_case_name now</p>"


def test_a_single_tilde_is_not_strikethrough():
    assert render("~about~ ten") == "<p>~about~ ten</p>"


def test_inline_code_shows_its_content_escaped_and_unformatted():
    assert render("`<b>**x**</b>`") == "<p><code>&lt;b&gt;**x**&lt;/b&gt;</code></p>"


# Code blocks


def test_a_fenced_code_block_keeps_its_text_escaped_and_unformatted():
    text = "```\nif a < b && c:\n    print('<b>') **not bold** [x](https://example.com)\n```"

    assert render(text) == (
        "<pre><code>if a &lt; b &amp;&amp; c:\n"
        "    print('&lt;b&gt;') **not bold** [x](https://example.com)\n"
        "</code></pre>"
    )


@pytest.mark.parametrize(
    "fence",
    [
        pytest.param("```python", id="a language"),
        pytest.param('```python" onclick="alert(1)', id="double quotes"),
        pytest.param("```x' class='evil", id="single quotes"),
        pytest.param("~~~js hx-get=/x", id="tilde fence"),
    ],
)
def test_a_code_fence_info_string_adds_no_attribute(fence):
    closing = fence[:3]

    assert render(f"{fence}\nx = 1\n{closing}") == "<pre><code>x = 1\n</code></pre>"


def test_an_indented_block_is_code_too():
    assert render("    indented <code>") == "<pre><code>indented &lt;code&gt;\n</code></pre>"


# Block quotes and lists


def test_a_block_quote():
    assert render("> quoted\n\nmy answer") == "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>my answer</p>"


def test_a_bullet_list():
    assert render("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"


def test_a_numbered_list():
    assert render("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"


def test_a_numbered_list_keeps_its_first_number():
    assert render("3. three\n4. four") == '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'


# Links


@pytest.mark.parametrize(
    ("text", "href"),
    [
        pytest.param("see https://example.com/a?b=1&c=2 now", "https://example.com/a?b=1&c=2", id="https"),
        pytest.param("see http://example.com now", "http://example.com", id="http"),
        pytest.param("see www.example.com now", "http://www.example.com", id="www"),
        pytest.param("write to someone@example.com now", "mailto:someone@example.com", id="e-mail"),
        pytest.param("see <https://example.com> now", "https://example.com", id="autolink"),
    ],
)
def test_bare_web_and_mail_addresses_become_links(text, href):
    [link] = Links(render(text)).links

    assert link["href"] == href


@pytest.mark.parametrize(
    "href",
    ["https://example.com/page", "http://example.com/", "mailto:someone@example.com"],
)
def test_a_markdown_link_to_the_web_or_mail_is_a_link(href):
    assert render(f"[the text]({href})") == f'<p><a href="{href}" {LINK}>the text</a></p>'


def test_link_text_may_be_formatted():
    assert render("[a **b**](https://example.com)") == (
        f'<p><a href="https://example.com" {LINK}>a <strong>b</strong></a></p>'
    )


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "/rooms/general/",
        "//example.com/",
        "#top",
    ],
)
def test_a_markdown_link_anywhere_else_stays_as_typed(href):
    html = render(f"[click]({href})")

    assert Links(html).links == []
    assert html.startswith("<p>[click](")


def test_every_link_opens_in_a_new_tab_and_passes_no_referrer_nor_ranking():
    text = (
        "https://a.example.com www.b.example.com c@d.example.com <https://e.example> "
        "[f](https://f.example) [g](mailto:g@h)"
    )

    links = Links(render(text)).links

    assert len(links) == 6
    for link in links:
        assert link["rel"] == "nofollow noopener noreferrer ugc"
        assert link["target"] == "_blank"


# What Markdown has but a chat does not


@pytest.mark.parametrize(
    ("text", "html"),
    [
        pytest.param("# Title", "<p># Title</p>", id="heading"),
        pytest.param("### Title", "<p>### Title</p>", id="level 3 heading"),
        pytest.param("Title\n===", "<p>Title<br>\n===</p>", id="underlined heading"),
        pytest.param("---", "<p>---</p>", id="rule"),
        pytest.param("***", "<p>***</p>", id="rule of stars"),
        pytest.param("<b>bold?</b>", "<p>&lt;b&gt;bold?&lt;/b&gt;</p>", id="html"),
    ],
)
def test_headings_rules_and_html_stay_as_typed(text, html):
    assert render(text) == html


def test_an_image_is_never_shown_only_linked():
    html = render("![a cat](https://example.com/cat.png)")

    assert "<img" not in html
    assert html == f'<p>!<a href="https://example.com/cat.png" {LINK}>a cat</a></p>'


# Mentions


def test_a_mention_of_someone_who_may_read_the_room_links_to_them():
    formatted = format_text("hi @bob", PEOPLE)

    assert formatted.html == f"<p>hi {mention('bob', BOB)}</p>"
    assert formatted.mentioned == {BOB}
    assert not formatted.mentions_room


def test_punctuation_after_a_name_is_not_part_of_it():
    formatted = format_text("@bob, thanks @bob. Really @bob!", PEOPLE)

    assert (
        formatted.html
        == f"<p>{mention('bob', BOB)}, thanks {mention('bob', BOB)}. Really {mention('bob', BOB)}!</p>"
    )
    assert formatted.mentioned == {BOB}


def test_a_mention_may_be_formatted():
    assert render("**@bob**", PEOPLE) == f"<p><strong>{mention('bob', BOB)}</strong></p>"


def test_several_people_may_be_mentioned():
    formatted = format_text("@bob and @carol", {"bob": BOB, "carol": 8})

    assert formatted.mentioned == {BOB, 8}


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("hi @carol", id="not in the room"),
        pytest.param("hi @bobby", id="a longer name"),
        pytest.param("hi @Bob", id="another case"),
    ],
)
def test_a_name_outside_the_people_who_may_be_mentioned_stays_text(text):
    formatted = format_text(text, PEOPLE)

    assert formatted.html == f"<p>{text}</p>"
    assert formatted.mentioned == frozenset()


def test_nobody_is_mentioned_when_nobody_may_be():
    formatted = format_text("hi @bob")

    assert formatted.html == "<p>hi @bob</p>"
    assert formatted.mentioned == frozenset()


@pytest.mark.parametrize(
    ("text", "html"),
    [
        pytest.param("`@bob`", "<p><code>@bob</code></p>", id="inline code"),
        pytest.param("```\n@bob\n```", "<pre><code>@bob\n</code></pre>", id="code block"),
        pytest.param("    @bob", "<pre><code>@bob\n</code></pre>", id="indented code"),
    ],
)
def test_a_name_in_code_is_not_a_mention(text, html):
    formatted = format_text(text, PEOPLE)

    assert formatted.html == html
    assert formatted.mentioned == frozenset()


@pytest.mark.parametrize("text", ["ask alice@bob.example", "x@bob", "alice@bob"])
def test_an_e_mail_address_is_not_a_mention(text):
    formatted = format_text(text, PEOPLE)

    assert "mention" not in formatted.html
    assert formatted.mentioned == frozenset()


def test_at_room_notifies_the_room():
    formatted = format_text("@room lunch!", PEOPLE)

    assert formatted.html == '<p><strong class="mention-room">@room</strong> lunch!</p>'
    assert formatted.mentions_room
    assert formatted.mentioned == frozenset()


def test_at_room_stays_text_when_its_author_may_not_notify_the_room():
    formatted = format_text("@room lunch! @bob?", PEOPLE, room_mention=False)

    assert formatted.html == f"<p>@room lunch! {mention('bob', BOB)}?</p>"
    assert not formatted.mentions_room
    assert formatted.mentioned == {BOB}


@pytest.mark.parametrize("text", ["@roomy", "`@room`", "bedroom@room.example"])
def test_only_at_room_itself_notifies_the_room(text):
    assert not format_text(text, PEOPLE).mentions_room


# Storing


@pytest.mark.django_db
def test_a_message_created_directly_gets_its_html_when_saved(room, alice):
    message = Message.objects.create(room=room, author=alice, body="**hi** @bob\nhttps://example.com")

    message.refresh_from_db()
    assert message.body_html == (
        f'<p><strong>hi</strong> @bob<br>\n<a href="https://example.com" {LINK}>https://example.com</a></p>'
    )


@pytest.mark.django_db
def test_a_post_links_the_people_who_may_read_the_room(room, alice, bob, carol):
    private = Room.objects.create(name="secret", slug="secret", kind=Room.Kind.PRIVATE)
    Membership.objects.create(room=private, user=alice)
    Membership.objects.create(room=private, user=bob)

    in_open_room = actions.post_message(alice, room, "hi @bob and @carol")
    in_private_room = actions.post_message(alice, private, "hi @bob and @carol")

    assert in_open_room.body_html == f"<p>hi {mention('bob', bob.pk)} and {mention('carol', carol.pk)}</p>"
    assert in_private_room.body_html == f"<p>hi {mention('bob', bob.pk)} and @carol</p>"


@pytest.mark.django_db
def test_an_edit_formats_the_new_text(room, alice, bob):
    message = actions.post_message(alice, room, "plain")

    actions.edit_message(alice, room, message.pk, "now **bold** for @bob")

    message.refresh_from_db()
    assert message.body_html == f"<p>now <strong>bold</strong> for {mention('bob', bob.pk)}</p>"


def test_a_mention_inside_a_links_text_stays_part_of_the_link():
    html = render("[@bob](https://ok.example)", {"bob": 2})

    assert html == (
        '<p><a href="https://ok.example" rel="nofollow noopener noreferrer ugc" target="_blank">@bob</a></p>'
    )


def full_render(text: str) -> str:
    """The Markdown parse and sanitizer, without the plain-text shortcut."""
    env = {"mentionable": PEOPLE, "room_mention": True}
    tokens = formatting.MARKDOWN.parse(text, env)
    return formatting.CLEANER.clean(
        formatting.MARKDOWN.renderer.render(tokens, formatting.MARKDOWN.options, env)
    ).strip()


PLAIN_LINES = [
    "hello world",
    "Hello. World, how are you?",
    'she said "fine" and left!',
    "it's 10 - 3",
    "ünïcödé 日本語 ok",
    "done...",
    "a  b",
    "end.",
]
NOT_PLAIN = [
    "1. one",
    "2024. A year",
    "1.",
    "see example.com",
    "a.b",
    "hi @bob",
    "*bold*",
    "snake_case",
    "x\ny",
    " leading",
    "trailing ",
    "- item",
    "> quote",
    "a & b",
    "<b>",
    "`code`",
    "~~gone~~",
    "# title",
    "http://x.y",
    "",
]


@pytest.mark.parametrize("text", PLAIN_LINES)
def test_a_plain_line_takes_the_shortcut_and_renders_exactly_as_the_full_render(text):
    assert formatting.PLAIN.fullmatch(text)
    assert format_text(text, PEOPLE).html == full_render(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_markdown_links_or_mentions_could_touch_is_not_taken_for_plain(text):
    assert not formatting.PLAIN.fullmatch(text)


def test_random_lines_the_shortcut_takes_render_as_the_full_render_does():
    alphabet = "ab Z9 1 ,.;?!'\"-_@:/*é日\n"
    rng = random.Random(2026)
    taken = 0
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        if formatting.PLAIN.fullmatch(text):
            taken += 1
            assert format_text(text, PEOPLE).html == full_render(text), text
    assert taken > 500  # the test exercises the shortcut, not only the refusals
