from __future__ import annotations

from django import template

register = template.Library()

UNREAD_SHOWN_MAX = 99


@register.filter
def unread_marks(count: int) -> range:
    """One mark per unread message, capped: CSS counts the marks, so a push adds one without a re-render."""
    return range(min(int(count or 0), UNREAD_SHOWN_MAX))


AVATAR_COLOURS = 8
REACTION_PALETTE = ("👍", "❤️", "😂", "🎉", "👀", "🙏")


@register.filter
def avatar_colour(user_id: int) -> int:
    """One of the stylesheet's avatar colours, the same for a person everywhere."""
    return int(user_id or 0) * 5 % AVATAR_COLOURS


@register.filter
def initials(username: str) -> str:
    parts = [part for part in username.replace("_", ".").replace("-", ".").split(".") if part]
    letters = "".join(part[0] for part in parts[:2]) if len(parts) > 1 else username[:2]
    return letters.upper()


@register.simple_tag
def reaction_palette() -> tuple[str, ...]:
    return REACTION_PALETTE
