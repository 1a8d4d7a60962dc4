"""The Content-Security-Policy of every page, and the guarantee that makes its 'unsafe-eval' safe: no hx-* or
on* attribute (nor any <script>) ever reaches a page from what a user typed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.conftest import login_client

pytestmark = pytest.mark.django_db

PAGES = ["/accounts/login/", "/accounts/signup/"]
SIGNED_IN_PAGES = ["/rooms/", "/rooms/general/", "/dm/"]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, and the text inside <script> elements."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text: list[str] = []
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.script_text.append(data)

    def scripting_attributes(self) -> list[tuple[str, str, str]]:
        """(tag, name, value) of every attribute the browser or htmx may run or act on."""
        return [
            (tag, name, value or "")
            for tag, attrs in self.tags
            for name, value in attrs.items()
            if name.startswith(("on", "hx-", "data-hx-", "ws-", "sse-")) or name in ("style", "href", "src")
        ]


@pytest.fixture
def pages(alice, room):
    signed_in = login_client(alice)
    return [(path, Client().get(path)) for path in PAGES] + [
        (path, signed_in.get(path)) for path in SIGNED_IN_PAGES
    ]


def test_every_page_has_the_policy(pages):
    for path, response in pages:
        assert response.status_code == 200, path
        policy = directives(response)
        assert policy["default-src"] == ["'self'"], path
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:"]


def test_scripts_only_come_from_our_origin_and_never_inline(pages):
    for path, response in pages:
        script_src = directives(response)["script-src"]
        assert script_src == ["'self'", "'unsafe-eval'"], path
        assert "'unsafe-inline'" not in script_src
        elements = Elements(response.content.decode())
        assert elements.script_text == [], path
        for tag, attrs in elements.tags:
            if tag == "script":
                assert (attrs.get("src") or "").startswith("/static/"), (path, attrs)


def test_styles_come_from_our_origin_plus_the_nonced_per_viewer_style(alice, room):
    response = login_client(alice).get("/rooms/general/")

    style_src = directives(response)["style-src"]
    assert style_src[0] == "'self'"
    assert "'unsafe-inline'" not in style_src
    match = re.fullmatch(r"'nonce-([A-Za-z0-9+/=]+)'", style_src[1])
    assert match
    nonce = match.group(1)
    styles = [attrs for tag, attrs in Elements(response.content.decode()).tags if tag == "style"]
    assert styles == [{"nonce": nonce}]
    # A fresh nonce per response.
    assert directives(login_client(alice).get("/rooms/general/"))["style-src"][1] != style_src[1]


def test_no_page_has_inline_style_attributes_or_event_handlers(pages):
    for path, response in pages:
        for tag, name, _ in Elements(response.content.decode()).scripting_attributes():
            assert name != "style", (path, tag)
            assert not name.startswith("on"), (path, tag, name)


def test_sockets_and_the_reconnect_indicator_may_connect(alice, room):
    client = login_client(alice)

    plain = directives(client.get("/rooms/general/", HTTP_HOST="localhost:8000"))["connect-src"]
    secure = directives(client.get("/rooms/general/", HTTP_HOST="localhost", secure=True))["connect-src"]

    assert plain == ["'self'", "data:", "ws://localhost:8000"]
    assert secure == ["'self'", "data:", "wss://localhost"]


def test_the_lockout_and_throttle_pages_carry_the_policy_too(alice, settings):
    settings.CHAT_SIGNUPS_PER_HOUR = 1
    from django.core.cache import cache

    cache.clear()
    client = Client(REMOTE_ADDR="10.9.9.9")
    client.post("/accounts/signup/", {"username": "x"})
    refused = client.post("/accounts/signup/", {"username": "y"})
    cache.clear()

    assert refused.status_code == 429
    assert "script-src 'self' 'unsafe-eval'" in refused["Content-Security-Policy"]


PAYLOADS = [
    '<b hx-on:click="alert(1)" onclick="alert(2)" hx-get="/evil" style="color:red">x</b>',
    '" onmouseover="alert(3)" hx-on::load="alert(4)" x="',
    "' onfocus='alert(5)' autofocus data-hx-post='/evil' x='",
    "<script>alert(6)</script><img src=x onerror=alert(7)><svg onload=alert(8)>",
    "hx-on:htmx:load=alert(9) <hx-partial hx-target=body>",
]


def test_what_users_type_never_becomes_an_attribute_or_a_script(alice, room):
    """The 'unsafe-eval' guarantee: with the payloads posted, the page's runnable attributes and scripts are
    exactly those of the same page with a harmless message, and none of them carries the payload."""
    client = login_client(alice)
    client.post("/rooms/general/", {"body": "harmless"})
    baseline = Elements(client.get("/rooms/general/").content.decode())

    for payload in PAYLOADS:
        assert client.post("/rooms/general/", {"body": payload}).status_code == 302, payload
    page = client.get("/rooms/general/").content.decode()
    attacked = Elements(page)

    def shape(elements: Elements) -> list[tuple[str, str]]:
        return sorted({(tag, name) for tag, name, _ in elements.scripting_attributes()})

    assert shape(attacked) == shape(baseline)
    assert attacked.script_text == baseline.script_text == []
    for _, _, value in attacked.scripting_attributes():
        assert "alert" not in value
        assert "/evil" not in value
    assert '&lt;b hx-on:click="alert(1)"' in page  # shown as text, escaped
    assert all(payload_marker not in page for payload_marker in ("<b hx-on", "<script>alert", "<img src=x"))
