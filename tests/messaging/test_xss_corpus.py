"""Hostile text, formatted: whatever anyone types, a message's HTML holds only our small set of tags and
attributes, no link but to the web, mail or a mention, and nothing htmx or the browser would run or act on
(htmx processes every swapped-in element, and the page's CSP allows 'unsafe-eval' for htmx's own attributes).

Each payload is checked as formatted, inside the frame pushed to another socket of the room, inside the room
page, and as an edit; the sanitizer is also checked on its own against the raw payloads. The HTML is parsed
(html.parser), never searched for substrings."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from channels.db import database_sync_to_async

from messaging import actions, formatting
from messaging.formatting import LINK_REL, render
from messaging.models import Message
from realtime import groups
from tests.conftest import all_sent, login_client

Attrs = list[tuple[str, str | None]]

ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "p": set(),
    "br": set(),
    "strong": {"class"},
    "em": set(),
    "s": set(),
    "code": set(),
    "pre": set(),
    "blockquote": set(),
    "ul": set(),
    "ol": {"start"},
    "li": set(),
    "a": {"href", "rel", "target", "class", "data-user"},
}
CLASSES = {"a": "mention", "strong": "mention-room"}
LINK_SCHEMES = {"http", "https", "mailto"}
MENTION_HREF = re.compile(r"/dm/[A-Za-z0-9_.+-]+/")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
JS = "javascript:alert(1)"

PAYLOADS = [
    # Raw HTML: markdown-it has raw HTML off, nh3 would drop it anyway.
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<scr<script>ipt>alert(1)</scr</script>ipt>", id="split script"),
    pytest.param("<img src=x onerror=alert(1)>", id="img onerror"),
    pytest.param("<svg onload=alert(1)><circle r=9 /></svg>", id="svg onload"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="script in svg"),
    pytest.param("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", id="mathml mutation"),
    pytest.param("<style>*{display:none}</style>", id="style element"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param('<form action="/accounts/logout/" method="post"><button>win</button></form>', id="form"),
    pytest.param(f'<meta http-equiv="refresh" content="0;url={JS}">', id="meta refresh"),
    pytest.param("<template><img src=x onerror=alert(1)></template>", id="template"),
    pytest.param('<hx-partial id="messages">all gone</hx-partial>', id="hx-partial"),
    pytest.param('<div id="messages" hx-swap-oob="true">all gone</div>', id="hx-swap-oob"),
    pytest.param('<div hx-post="/accounts/logout/" hx-trigger="load">x</div>', id="hx-post on load"),
    pytest.param('<button hx-on:click="alert(1)">x</button>', id="hx-on"),
    pytest.param('<b hx-on::after-settle="alert(1)">x</b>', id="hx-on double colon"),
    pytest.param('<div data-hx-get="/x" data-hx-trigger="load">x</div>', id="data-hx"),
    pytest.param('<div hx-ws:connect="/ws/rooms/other/">x</div>', id="hx-ws connect"),
    pytest.param(
        '<p id="messages" hx-swap-oob="outerHTML" style="color:red">x</p>', id="allowed tag bad attrs"
    ),
    pytest.param('<a href="https://ok.example" onclick="alert(1)" id="x">x</a>', id="a onclick"),
    pytest.param(f'<a href="{JS}">x</a>', id="a javascript href"),
    pytest.param('<a href="/dm/bob/" class="mention" data-user="1">@bob</a>', id="forged mention"),
    pytest.param('<strong class="mention-room" onmouseover="alert(1)">x</strong>', id="strong onmouseover"),
    pytest.param('<ol start="1" onclick="alert(1)"><li>x</li></ol>', id="ol onclick"),
    pytest.param("<details open ontoggle=alert(1)>", id="details ontoggle"),
    pytest.param("<input autofocus onfocus=alert(1)>", id="input onfocus"),
    pytest.param(f'<object data="{JS}"></object><embed src="{JS}">', id="object embed"),
    pytest.param('</div></article><div id="messages" hx-swap-oob="true">', id="break out of the message"),
    pytest.param("<!-- <script>alert(1)</script> -->", id="comment"),
    pytest.param("<![CDATA[<script>alert(1)</script>]]>", id="cdata"),
    # Entities and Unicode.
    pytest.param("&lt;script&gt;alert(1)&lt;/script&gt;", id="named entities"),
    pytest.param("&#60;img src=x onerror=alert(1)&#62;", id="numeric entities"),
    pytest.param("\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", id="fullwidth angle brackets"),
    pytest.param("<\u200bscript>alert(1)</script>", id="zero-width in a tag"),
    pytest.param("{{ request.user }}{% debug %}", id="template syntax"),
    # Markdown links to what is not the web or mail.
    pytest.param(f"[a]({JS})", id="link javascript"),
    pytest.param(f"[a](<{JS}>)", id="link javascript in angle brackets"),
    pytest.param("[a](  JaVaScRiPt:alert(1))", id="link mixed case javascript with spaces"),
    pytest.param("[a](javascript&#58;alert(1))", id="link entity colon"),
    pytest.param("[a](&#106;avascript:alert(1))", id="link decimal entity"),
    pytest.param("[a](&#x6A;&#x61;vascript&#x3A;alert(1))", id="link hex entities"),
    pytest.param("[a](%6Aavascript:alert(1))", id="link percent-encoded letter"),
    pytest.param("[a](javascript%3Aalert(1))", id="link percent-encoded colon"),
    pytest.param("[a](java\u200bscript:alert(1))", id="link zero-width space"),
    pytest.param("[a](\ufeffjavascript:alert(1))", id="link byte order mark"),
    pytest.param(
        "[a](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54\uff1aalert(1))", id="link fullwidth"
    ),
    pytest.param("[a](<java\tscript:alert(1)>)", id="link tab inside"),
    pytest.param("[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", id="link data"),
    pytest.param("[a](vbscript:msgbox(1))", id="link vbscript"),
    pytest.param("[a](file:///etc/passwd)", id="link file"),
    pytest.param("[a](/accounts/logout/)", id="link relative into the app"),
    pytest.param("[a](//evil.example/)", id="link protocol-relative"),
    pytest.param(f"[a][x]\n\n[x]: {JS}", id="reference link javascript"),
    pytest.param(f"[a]\n\n[a]: <{JS}>", id="collapsed reference javascript"),
    pytest.param(f"<{JS}>", id="autolink javascript"),
    pytest.param("<JAVASCRIPT:alert(1)>", id="autolink upper case"),
    pytest.param("<data:text/html,<script>alert(1)</script>>", id="autolink data"),
    pytest.param("![x](javascript:alert(1))", id="image javascript"),
    pytest.param('![x" onerror="alert(1)](https://ok.example/x.png)', id="image alt quotes"),
    # Links to the web that try to break out of their href.
    pytest.param('[a](https://ok.example"onclick="alert(1))', id="double quote in href"),
    pytest.param("[a](https://ok.example' onclick='alert(1))", id="single quote in href"),
    pytest.param('[a](<https://ok.example" onclick="alert(1)>)', id="quote in angle href"),
    pytest.param('[a](https://ok.example\\"onclick=\\"alert(1))', id="escaped quote in href"),
    pytest.param('[a](mailto:x@ok.example?body="><script>alert(1)</script>)', id="mailto breaking out"),
    pytest.param('https://ok.example/"><script>alert(1)</script>', id="bare url breaking out"),
    pytest.param('www.ok.example/"onmouseover="alert(1)', id="www url breaking out"),
    pytest.param("https://ok.example/?q=<img src=x onerror=alert(1)>", id="bare url with img"),
    pytest.param("javascript:alert(1)//https://ok.example", id="linkified javascript prefix"),
    pytest.param(f"[https://ok.example]({JS})", id="url as link text"),
    # Markdown inside links and code.
    pytest.param(f"[**a** _b_]({JS})", id="formatted text javascript link"),
    pytest.param("[a *b* <img src=x onerror=alert(1)>](https://ok.example)", id="img in link text"),
    pytest.param(f"[[a](https://ok.example)]({JS})", id="nested links"),
    pytest.param(f"[@bob]({JS})", id="mention as link text"),
    pytest.param("[@bob](https://ok.example)", id="mention inside a link"),
    pytest.param('@bob" onclick="alert(1)', id="mention then quote"),
    pytest.param("@bob<script>alert(1)</script>", id="mention then script"),
    pytest.param("@room<img src=x onerror=alert(1)>", id="room mention then img"),
    pytest.param("[a](https://ok.example){onclick=alert(1) target=_self}", id="attribute syntax"),
    pytest.param('```"><script>alert(1)</script>\nx\n```', id="fence info breaking out"),
    pytest.param('```python" hx-get="/accounts/logout/" hx-trigger="load\nx\n```', id="fence info hx"),
    pytest.param("~~~' onmouseover='alert(1)\nx\n~~~", id="tilde fence single quotes"),
    pytest.param("```\n</code></pre><script>alert(1)</script>\n```", id="closing the code block"),
    pytest.param("`</code><img src=x onerror=alert(1)>`", id="closing inline code"),
    pytest.param(f"> <script>alert(1)</script>\n> [a]({JS})", id="block quote"),
    pytest.param(f"- [a]({JS})\n- <img src=x onerror=alert(1)>\n\n0. x", id="lists"),
    pytest.param("1) a\n\n99999999999. b", id="list numbers"),
]

# A link title survives as a `title` attribute: nh3 keeps its default generic attributes (title, lang).
TITLED = [
    pytest.param('[a](https://ok.example "hello")', id="link title"),
    pytest.param('[a](https://ok.example "x\\" onmouseover=\\"alert(1)")', id="link title with quotes"),
    pytest.param("[a][x]\n\n[x]: https://ok.example 'hello'", id="reference title"),
]

PEOPLE = {"bob": 2, "alice": 1}


Shape = list[tuple[str, tuple[str, ...]]]


@dataclass
class Body:
    elements: list[tuple[str, Attrs]] = field(default_factory=list)
    text: str = ""
    closed: bool = False


class Parsed(HTMLParser):
    """A frame or page: the elements inside each `.message-body`; the shape (tags and attribute names) of
    each message around its text and of everything around the messages, day dividers left out; and anything
    that is not an element."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.bodies: list[Body] = []
        self.articles: list[Shape] = []
        self.around: Shape = []
        self.oddities: list[str] = []
        self._open: list[tuple[str, Body | str | None]] = []  # (tag, its Body, "article" or "divider")
        self.feed(html)
        self.close()

    def _inside(self, kind: str) -> bool:
        return any(what == kind for _, what in self._open)

    def _body(self) -> Body | None:
        return next((what for _, what in reversed(self._open) if isinstance(what, Body)), None)

    def handle_starttag(self, tag: str, attrs: Attrs) -> None:
        body = self._body()
        classes = (dict(attrs).get("class") or "").split()
        what: Body | str | None = None
        if body is not None:
            body.elements.append((tag, attrs))
        elif "day-divider" in classes or self._inside("divider"):
            what = "divider"
        else:
            if tag == "article":
                self.articles.append([])
                what = "article"
            shape = self.articles[-1] if self._inside("article") or tag == "article" else self.around
            shape.append((tag, tuple(name for name, _ in attrs)))
            if tag == "div" and "message-body" in classes:
                what = Body()
                self.bodies.append(what)
        if tag not in VOID:
            self._open.append((tag, what))

    def handle_startendtag(self, tag: str, attrs: Attrs) -> None:
        if self._body() is not None:
            self.oddities.append(f"self-closing <{tag}/> in a message")
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag not in [name for name, _ in self._open]:
            self.oddities.append(f"stray </{tag}>")
            return
        while True:
            name, what = self._open.pop()
            if name != tag:
                self.oddities.append(f"<{name}> closed by </{tag}>")
            if isinstance(what, Body):
                what.closed = True
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        body = self._body()
        if body is not None:
            body.text += data

    def handle_comment(self, data: str) -> None:
        self.oddities.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        if decl.lower() != "doctype html":
            self.oddities.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.oddities.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.oddities.append(f"declaration {data!r}")


def href_problem(href: str, mention: bool) -> str | None:
    """Links go to the web or to mail; only a mention links into the app, to a conversation."""
    # What a browser reads: tabs and newlines anywhere and surrounding controls and spaces are ignored.
    url = re.sub(r"[\t\n\r]", "", href).strip("".join(map(chr, range(0x21))))
    if mention:
        return None if MENTION_HREF.fullmatch(href) else f"mention href {href!r}"
    scheme = SCHEME.match(url)
    if scheme is None:
        return f"href {href!r} has no scheme"
    if scheme.group(1).lower() not in LINK_SCHEMES:
        return f"href {href!r} is a {scheme.group(1)!r} link"
    return None


def problems(elements: list[tuple[str, Attrs]], marked_links: bool = True) -> list[str]:
    """Everything wrong with the elements of one message's HTML. `marked_links`: every link must carry our
    rel and target (the Markdown renderer adds them; the sanitizer alone only keeps them)."""
    found = []
    for tag, attrs in elements:
        if tag not in ALLOWED_ATTRIBUTES:
            found.append(f"<{tag}> is not allowed")
            continue
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            found.append(f"<{tag}> repeats an attribute: {names}")
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith(("on", "hx-", "data-hx")) or name in ("id", "style"):
                found.append(f"<{tag}> has {name}={value!r}")
            elif name not in ALLOWED_ATTRIBUTES[tag]:
                found.append(f"<{tag}> has {name}={value!r}, which is not allowed")
        if "class" in values and values["class"] != CLASSES.get(tag):
            found.append(f"<{tag}> has class {values['class']!r}")
        if "start" in values and not (values["start"] or "").isdigit():
            found.append(f"<ol> starts at {values['start']!r}")
        if tag != "a":
            continue
        mention = values.get("class") == "mention"
        if values.get("href") is not None and (problem := href_problem(values["href"] or "", mention)):
            found.append(problem)
        if mention:
            if not (values.get("data-user") or "").isdigit() or values.get("href") is None:
                found.append(f"a mention {values}")
        elif "data-user" in values or (
            marked_links and (values.get("rel") != LINK_REL or values.get("target") != "_blank")
        ):
            found.append(f"a link {values}")
        for name in ("rel", "target"):
            if name in values and values[name] != {"rel": LINK_REL, "target": "_blank"}[name]:
                found.append(f"<a> has {name}={values[name]!r}")
    return found


def fragment_problems(html: str, marked_links: bool = True) -> list[str]:
    """A message's HTML as formatted, parsed as if it were the inside of `.message-body`."""
    parsed = Parsed(f'<div class="message-body">{html}</div>')
    [body] = parsed.bodies
    return problems(body.elements, marked_links) + parsed.oddities + ([] if body.closed else ["unclosed"])


def marked(payloads: list[str]) -> dict[str, str]:
    """Each payload with a mark after it, to find its message again: mark -> text."""
    return {f"xss-mark-{n}-end": f"{text}\n\nxss-mark-{n}-end" for n, text in enumerate(payloads)}


CORPUS: list[str] = [str(param.values[0]) for param in PAYLOADS]


def test_the_corpus_is_large_and_distinct():
    assert len(CORPUS) >= 40
    assert len(set(CORPUS)) == len(CORPUS)


# (a) As formatted


@pytest.mark.parametrize("text", PAYLOADS)
def test_formatting_a_payload_yields_only_safe_html(text):
    assert fragment_problems(render(text, PEOPLE)) == []


@pytest.mark.parametrize("text", PAYLOADS)
def test_the_sanitizer_alone_would_make_raw_html_safe(text):
    """Raw HTML never reaches the sanitizer today (Markdown renders it as text); were that ever to change,
    the sanitizer still keeps only our tags and attributes."""
    assert fragment_problems(formatting.CLEANER.clean(text), marked_links=False) == []


@pytest.mark.parametrize("text", TITLED)
def test_a_link_title_adds_no_attribute(text):
    assert fragment_problems(render(text, PEOPLE)) == []


def test_the_checks_catch_what_they_are_for():
    """The checker itself: each of these must be reported."""
    bad = [
        "<img src=x>",
        "<template></template>",
        "<hx-partial></hx-partial>",
        '<p id="x">a</p>',
        '<p onclick="x">a</p>',
        '<p hx-get="/x">a</p>',
        '<p data-hx-get="/x">a</p>',
        '<p style="x">a</p>',
        '<p class="mention">a</p>',
        '<a class="evil" href="https://ok.example">a</a>',
        f'<a href="{JS}" rel="{LINK_REL}" target="_blank">a</a>',
        f'<a href=" java\tscript:alert(1)" rel="{LINK_REL}" target="_blank">a</a>',
        f'<a href="/accounts/logout/" rel="{LINK_REL}" target="_blank">a</a>',
        f'<a href="/dm/bob/" rel="{LINK_REL}" target="_blank">a</a>',
        '<a class="mention" data-user="2" href="/dm/bob/x">@bob</a>',
        '<a class="mention" data-user="2" href="https://evil.example/dm/bob/">@bob</a>',
        '<a href="https://ok.example">no rel</a>',
        f'<a href="https://ok.example" rel="{LINK_REL}" target="_self">a</a>',
        '<a class="mention" data-user="x" href="/dm/bob/">@bob</a>',
        '<ol start="1 onclick">a</ol>',
        "<p>a<!-- x --></p>",
        "<p>a</div>",
    ]
    for html in bad:
        assert fragment_problems(html) != [], html
    assert fragment_problems(render("[a](https://ok.example) @bob @room", PEOPLE)) == []


# (b) In the frame pushed to another socket of the room


@database_sync_to_async
def stored_count() -> int:
    return Message.objects.count()


@pytest.mark.django_db(transaction=True)
async def test_every_payload_reaches_the_room_as_safe_html(connect, room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    a = await connect("/ws/rooms/general/", alice)
    b = await connect("/ws/rooms/general/", bob)
    # The arrivals' presence fragments first: the hub would otherwise join one into a message's frame.
    await all_sent(groups.room(room.pk), a, b)
    await a.send(body="a plain message")
    plain = Parsed(await b.receive_until("a plain message"))
    texts = marked(CORPUS)

    for text in texts.values():
        await a.send(body=text)
    frames: list[str] = []
    deadline = asyncio.get_running_loop().time() + 20
    while len(frames) < len(texts):
        frame = await b.receive(deadline - asyncio.get_running_loop().time())
        if Parsed(frame).bodies:
            frames.append(frame)

    assert await stored_count() == len(texts) + 1
    for mark, frame in zip(texts, frames, strict=True):
        parsed = Parsed(frame)
        [body] = parsed.bodies
        assert (mark, problems(body.elements)) == (mark, [])
        assert (mark, parsed.oddities) == (mark, [])
        assert body.closed
        assert mark in body.text
        # Around the message's text, the frame is a plain message's: nothing broke out of the text.
        assert len(parsed.articles) == 1
        assert (mark, parsed.articles, parsed.around) == (mark, plain.articles, plain.around)


# (c) On the room page


@pytest.mark.django_db
def test_every_payload_shows_on_the_room_page_as_safe_html(room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    settings.CHAT_HISTORY_LENGTH = len(CORPUS) + 10
    texts = marked(CORPUS)
    actions.post_messages([actions.Post(alice, room, "a plain message")])
    plain = Parsed(login_client(alice).get("/rooms/general/").content.decode())
    results = actions.post_messages([actions.Post(alice, room, text) for text in texts.values()])
    assert all(isinstance(result, Message) for result in results)

    response = login_client(alice).get("/rooms/general/")

    assert response.status_code == 200
    parsed = Parsed(response.content.decode())
    assert parsed.oddities == []
    assert len(parsed.bodies) == len(texts) + 1
    for body in parsed.bodies:
        assert (body.text, problems(body.elements)) == (body.text, [])
        assert body.closed
    for mark in texts:
        assert sum(mark in body.text for body in parsed.bodies) == 1, mark
    # Each message has the same elements around its text as a plain message, and the page around them is
    # the same: nothing broke out of a message's text.
    assert len(plain.articles) == 1
    assert len(parsed.articles) == len(texts) + 1
    assert all(shape == plain.articles[0] for shape in parsed.articles)
    assert parsed.around == plain.around


# Edits go through the same formatting


@pytest.mark.django_db
def test_every_payload_as_an_edit_is_stored_as_safe_html(room, alice, bob, settings):
    settings.CHAT_RATE_LIMIT_MESSAGES = 0
    message = actions.post_message(alice, room, "first")

    for text in CORPUS:
        actions.edit_message(alice, room, message.pk, text)
        message.refresh_from_db()
        assert (text, fragment_problems(message.body_html)) == (text, [])
