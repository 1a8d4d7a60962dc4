"""A message's HTML, kept per process for the states it was rendered in.

Room pages, history pages and catch-ups render the same messages again and again, and the template engine's
work for one message was most of a room page's time (docs/measurements.md, "the three figures that were
worse, again"): Campfire caches each message's HTML the same way. The key holds every input `_message.html`
reads (the message's own fields, its author's and its reply's names, its chips, its place in the log, the
page's flags and the active time zone and language), so any change makes another key and a stale copy is
never served: nothing to invalidate, which also holds across processes. Anything the template starts reading
must join `key_of()`; a test renders every kind of change through both paths.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from people import names

if TYPE_CHECKING:
    from messaging.models import Message

# A page of 50 in each of 40 rooms. About 2 KB each (the HTML and its key), 20 MB at worst (every message
# of the longest kind).
KEPT = 2000

_lock = threading.Lock()
_kept: OrderedDict[Hashable, SafeString] = OrderedDict()


def message_html(message: Message, *, oob: bool = False, history_page: bool = False) -> SafeString:
    """`message` prepared by messaging.log (its place and chips set)."""
    key = key_of(message, oob, history_page)
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
            return found
    html = mark_safe(  # noqa: S308 - rendered by the template engine, which escaped it
        render_to_string(
            "messaging/_message.html", {"message": message, "oob": oob, "history_page": history_page}
        )
    )
    with _lock:
        _kept[key] = html
        if len(_kept) > KEPT:
            _kept.popitem(last=False)
    return html


def key_of(message: Message, oob: bool, history_page: bool) -> Hashable:
    author = message.author
    profile = names.profile_of(author) if author is not None else None
    reply = message.reply_to if message.reply_to_id is not None else None
    return (
        message.pk,
        message.room.slug,
        message.author_id,
        author.get_username() if author is not None else None,
        names.display_name(author),
        profile.avatar_changed_at if profile is not None else None,
        message.body_html,
        message.edited_at,
        message.deleted_at,
        message.times,
        message.day_start,
        message.grouped,
        tuple(message.chips),
        reply_key(reply),
        oob,
        history_page,
        get_script_prefix(),
        timezone.get_current_timezone_name(),
        translation.get_language(),
    )


def reply_key(reply: Message | None) -> Hashable:
    if reply is None:
        return None
    return (reply.pk, names.display_name(reply.author), reply.deleted_at, reply.first_line)


def forget() -> None:
    """Tests that compare renders start from nothing."""
    with _lock:
        _kept.clear()
