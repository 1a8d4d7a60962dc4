"""The storm scenario's presence bytes count every presence fragment the server can push: a count that
misses one (the "and N more" line became a <p>) reports less presence than the sockets received."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from benchmarks.storm import PRESENCE

ARRIVED = [(7, "alice", "Alice"), (8, "bob", "Bob")]
LEFT = [(9, "carol", "Carol")]


def between_tags_removed(html: str) -> bytes:
    return re.sub(rb">\s+<", b"><", html.strip().encode())


def counted(html: bytes) -> int:
    return sum(len(match) for match in PRESENCE.findall(html))


def test_every_presence_fragment_is_counted_whole():
    fragments = [
        render_to_string(
            "presence/_online_changes.html",
            {"arrived": ARRIVED, "left": LEFT, "more_changed": True, "more": 3},
        ),
        render_to_string("presence/_online_users.html", {"people": ARRIVED, "oob": True}),
        render_to_string("presence/_online_more.html", {"more": 12, "oob": True}),
        render_to_string("presence/_online_total.html", {"online_total": 40, "oob": True}),
    ]
    for html in map(between_tags_removed, fragments):
        assert counted(html) == len(html), html
