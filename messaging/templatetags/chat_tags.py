from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.timesince import timesince

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
