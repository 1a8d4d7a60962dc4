from __future__ import annotations

from django import template

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
