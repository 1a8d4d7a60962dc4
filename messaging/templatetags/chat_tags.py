from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()

UNREAD_SHOWN_MAX = 99


@register.filter
def unread_marks(count: int) -> range:
    """One mark per unread message, capped: CSS counts the marks, so a push adds one without a re-render."""
    return range(min(int(count or 0), UNREAD_SHOWN_MAX))


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
