"""A message's text to HTML, once, when it is stored: a safe subset of Markdown, links, mentions, sanitized.

markdown-it-py renders with raw HTML off (a `<b>` typed stays text), then nh3 keeps only the tags and
attributes below. htmx processes whatever it swaps in: no `hx-*`, `on*`, `id`, `style` or `<template>` may
survive, and only classes of ours. The result is stored next to the source (`Message.body_html`), so a
message costs one render in its life, not one per viewer or page view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import nh3
from django.urls import reverse
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

LINK_REL = "nofollow noopener noreferrer ugc"
LINK_SCHEMES = ("http:", "https:", "mailto:")
ROOM_MENTION = "room"
# Django's default username characters (site_config keeps usernames ASCII).
MENTION = re.compile(r"@([A-Za-z0-9_.+-]{1,150})")
_WORD_BEFORE = re.compile(r"[A-Za-z0-9_.+-]")


def mentioned_names(text: str) -> set[str]:
    """Usernames written as @name (the caller looks up who may be mentioned)."""
    return {match.rstrip(".") for match in MENTION.findall(text)}


def _validate_link(url: str) -> bool:
    # Only absolute web and mail links: no javascript:, data:, vbscript:, nor relative paths into the app.
    return url.strip().lower().startswith(LINK_SCHEMES)


def _mention_rule(state: StateInline, silent: bool) -> bool:
    """`@name` of someone who may read the room becomes a link; anyone else's stays text."""
    if state.src[state.pos] != "@" or state.linkLevel > 0:  # inside a link's text it stays text
        return False
    if state.pos > 0 and _WORD_BEFORE.match(state.src[state.pos - 1]):
        return False  # an e-mail address, or a word with an @ inside
    match = MENTION.match(state.src, state.pos)
    if match is None:
        return False
    name = match.group(1).rstrip(".")
    people: Mapping[str, int] = state.env.get("mentionable", {})
    if name == ROOM_MENTION:
        if not state.env.get("room_mention", True):
            return False
    elif name not in people:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"name": name, "user_id": people.get(name)}
    state.pos += len(name) + 1
    return True


def _render_mention(renderer: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    meta = tokens[idx].meta
    name = meta["name"]
    if meta["user_id"] is None:
        return f'<strong class="mention-room">@{name}</strong>'
    href = reverse("messaging:direct", args=[name])
    return f'<a class="mention" data-user="{meta["user_id"]}" href="{href}">@{name}</a>'


def _render_link_open(renderer: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    token.attrSet("rel", LINK_REL)
    token.attrSet("target", "_blank")
    html: str = renderer.renderToken(tokens, idx, options, env)
    return html


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True, "typographer": False})
    md.enable(["linkify", "strikethrough"])
    # Headings, rules and images are not chat: "# 1" or "---" typed in a message stays what was typed, and no
    # message makes every reader's browser fetch an image from elsewhere.
    md.disable(["heading", "lheading", "hr", "image", "html_block", "html_inline"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.inline.ruler.before("linkify", "mention", _mention_rule)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("link_open", _render_link_open)
    return md


MARKDOWN = _build()

CLEANER = nh3.Cleaner(
    tags={"p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a"},
    clean_content_tags={"script", "style", "template", "math", "svg"},
    # "*": nothing on every tag (nh3 would otherwise keep `title` and `lang` everywhere, e.g. a link title).
    attributes={"*": set(), "a": {"href", "data-user"}, "ol": {"start"}},
    tag_attribute_values={"a": {"rel": {LINK_REL}, "target": {"_blank"}}},
    allowed_classes={"a": {"mention"}, "strong": {"mention-room"}},
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
)


# One paragraph of words that Markdown, linkify and mentions all leave as it is (no markup character, no
# "x.y" a link could be made of, no "1. " list): its HTML is the text in a <p>, the same as the full render
# gives (a differential test keeps them equal). Most chat lines are like this; parsing and sanitizing one
# costs 35-75 µs of the database thread (measured in-process), this a microsecond.
PLAIN = re.compile(r"(?!\d+\.(?: |$))[^\W_]+(?:(?:[ ,;?!'\"-]|\.(?= ))+[^\W_]+)*[.?!'\"]*")


@dataclass(frozen=True)
class Formatted:
    html: str
    mentioned: frozenset[int]  # ids of the people linked, never anyone outside `mentionable`
    mentions_room: bool


def format_text(
    text: str, mentionable: Mapping[str, int] | None = None, room_mention: bool = True
) -> Formatted:
    """The stored HTML of a message and whom it mentions. `mentionable`: username -> id of the people who
    may read the room (nobody else is linked or notified); `room_mention`: whether @room notifies the room
    (else it stays text)."""
    if PLAIN.fullmatch(text):
        return Formatted(f"<p>{text}</p>", frozenset(), False)
    env = {"mentionable": mentionable or {}, "room_mention": room_mention}
    tokens = MARKDOWN.parse(text, env)
    html = CLEANER.clean(MARKDOWN.renderer.render(tokens, MARKDOWN.options, env)).strip()
    mentions = [token.meta for token in _inline_tokens(tokens) if token.type == "mention"]
    people = frozenset(meta["user_id"] for meta in mentions if meta["user_id"] is not None)
    return Formatted(html, people, any(meta["user_id"] is None for meta in mentions))


def render(text: str, mentionable: Mapping[str, int] | None = None) -> str:
    return format_text(text, mentionable).html


def _inline_tokens(tokens: Iterable[Token]) -> Iterable[Token]:
    for token in tokens:
        yield from token.children or ()
