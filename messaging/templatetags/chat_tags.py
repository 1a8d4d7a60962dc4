from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timesince import timesince

from messaging import rendered

if TYPE_CHECKING:
    from messaging.models import Message

register = template.Library()

UNREAD_SHOWN_MAX = 99


@register.filter
def unread_marks(count: int) -> range:
    """One mark per unread message, capped: CSS counts the marks, so a push adds one without a re-render."""
    return range(min(int(count or 0), UNREAD_SHOWN_MAX))


# Every pushed message links to its permalink and its author's profile: two `{% url %}` reversals were a fifth
# of its render (docs/measurements.md, "Ingest"). A room's and a person's address are worked out once.
@register.simple_tag
def message_url(slug: str, pk: int) -> str:
    return f"{_messages_of(slug, get_script_prefix())}{int(pk)}/"


@register.simple_tag
def profile_url(username: str) -> str:
    return _profile_of(username, get_script_prefix())


@lru_cache(maxsize=4096)
def _messages_of(slug: str, script_prefix: str) -> str:
    return reverse("rooms:message", args=[slug, 1]).removesuffix("1/")


@lru_cache(maxsize=4096)
def _profile_of(username: str, script_prefix: str) -> str:
    return reverse("people:profile", args=[username])


@register.simple_tag(takes_context=True)
def message_html(context: template.Context, message: Message, oob: bool = False) -> SafeString:
    """`_message.html` for a log: from messaging.rendered, except a permalink page's own message, which
    carries its reader's controls."""
    if message.pk == context.get("highlight"):
        flat: dict[str, object] = {str(name): value for name, value in context.flatten().items()}
        flat |= {"message": message, "oob": oob}
        return mark_safe(render_to_string("messaging/_message.html", flat))  # noqa: S308 - escaped by the engine
    return rendered.message_html(message, oob=bool(oob), history_page=bool(context.get("history_page")))


@register.filter
def shortened(text: str, length: int) -> str:
    """`truncatechars`, which measures every text with Truncator (a tenth of a pushed message's render), for
    the rare one that is longer."""
    return text if len(text) <= length else Truncator(text).chars(length)


REACTION_PALETTE = ("👍", "❤️", "😂", "🎉", "👀", "🙏")


@register.simple_tag
def reaction_palette() -> tuple[str, ...]:
    return REACTION_PALETTE


@register.filter
def ago(when: datetime | None) -> str:
    """ "just now" within a minute, else "5 minutes ago" (Django's timesince, its first unit)."""
    if when is None:
        return ""
    if timezone.now() - when < timedelta(minutes=1):
        return "just now"
    return f"{timesince(when, depth=1)} ago"
