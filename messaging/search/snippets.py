"""A result's snippet: the message's text around its first match, escaped, with every match in <mark>. Built
from the stored source text (never from the database's own snippet functions, which do not escape)."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BEFORE = 60
WIDTH = 200
# Markdown's marks, which would read as noise in a one-line snippet: emphasis and code markers, list bullets,
# quote and heading marks at a line's start. The words stay (what a search matched).
MARKS = re.compile(
    r"(\*\*|__|~~|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|^\s*(?:[-*+]|\d+\.|>+|#{1,6})\s+)", re.MULTILINE
)


def plain(body: str) -> str:
    """The message's text without its Markdown marks, on one line."""
    return " ".join(MARKS.sub("", body).split())


def snippet(body: str, terms: list[str]) -> SafeString:
    text = plain(body)
    if not terms:
        return escape(text[:WIDTH] + ("…" if len(text) > WIDTH else ""))
    pattern = re.compile("|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True)), re.I)
    first = pattern.search(text)
    start = max(0, first.start() - BEFORE) if first else 0
    shown = text[start : start + WIDTH]
    parts = ["…"] if start else []
    position = 0
    for match in pattern.finditer(shown):
        parts += [escape(shown[position : match.start()]), f"<mark>{escape(match.group())}</mark>"]
        position = match.end()
    parts.append(escape(shown[position:]))
    if start + WIDTH < len(text):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped
